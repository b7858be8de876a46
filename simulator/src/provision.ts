/**
 * Where the CLI's device tokens come from:
 * - a devices file: `[{ "deviceToken": "...", "name": "..." }]`, or
 * - provisioning over the server's public HTTP GraphQL API with an admin
 *   token (createSite once, createLockerBank per bank). The tokens are shown
 *   only once, so they are saved to a state file at once, and a later run
 *   reuses those banks instead of creating more.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { generateCompartments } from './layout.js';
import { silentLogger, type Logger } from './types.js';

export interface DeviceCredential {
  deviceToken: string;
  name: string;
  /** Known when we provisioned the bank ourselves. */
  bankId?: string;
}

export interface DeviceState {
  version: 1;
  /** HTTP GraphQL endpoint the banks were created on. */
  serverUrl: string;
  siteId?: string;
  devices: DeviceCredential[];
}

const credentialSchema = z.object({
  deviceToken: z.string().min(1),
  name: z.string().min(1),
  bankId: z.string().min(1).optional(),
});

const stateSchema = z.object({
  version: z.literal(1),
  serverUrl: z.string(),
  siteId: z.string().optional(),
  devices: z.array(credentialSchema),
});

/** A devices file is an array of credentials, or a state file written by provisioning. */
const devicesArraySchema = z.array(credentialSchema);

/** ws://host/graphql → http://host/graphql, wss → https. http(s) URLs pass through. */
export function httpUrlFor(url: string): string {
  const u = new URL(url);
  if (u.protocol === 'ws:') u.protocol = 'http:';
  else if (u.protocol === 'wss:') u.protocol = 'https:';
  else if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`not a ws(s) or http(s) URL: ${url}`);
  return u.toString();
}

export async function loadDevicesFile(path: string): Promise<DeviceCredential[]> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read devices file ${path}: ${(error as Error).message}`);
  }
  // Picked by shape rather than z.union, so an error points at the bad entry.
  const parsed = Array.isArray(json) ? devicesArraySchema.safeParse(json) : stateSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `devices file ${path} is not [{ "deviceToken": "...", "name": "..." }, …]` +
        (issue ? ` (${issue.path.join('.') || 'root'}: ${issue.message})` : ''),
    );
  }
  const devices = Array.isArray(parsed.data) ? parsed.data : parsed.data.devices;
  if (devices.length === 0) throw new Error(`devices file ${path} lists no devices`);
  return devices;
}

export async function readState(path: string): Promise<DeviceState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = stateSchema.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new Error(`state file ${path} is not one this simulator wrote; move it away to start afresh`);
  return parsed.data;
}

/** Writes atomically (temp file + rename) and readable by the owner only: it holds device tokens. */
export async function writeState(path: string, state: DeviceState): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, path);
}

/** The server could not be reached at all (worth retrying: it may be starting). */
export class ServerUnreachableError extends Error {
  override name = 'ServerUnreachableError';
}

/** The server answered with GraphQL errors or an HTTP error. */
export class ProvisionError extends Error {
  override name = 'ProvisionError';
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string },
) => Promise<{
  status: number;
  text(): Promise<string>;
}>;

export interface GraphQLHttpOptions {
  /** http(s) URL of the GraphQL endpoint. */
  httpUrl: string;
  adminToken: string;
  fetch?: FetchLike;
}

export async function graphqlHttp<T>(
  opts: GraphQLHttpOptions,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const doFetch: FetchLike = opts.fetch ?? ((url, init) => fetch(url, init));
  let response: Awaited<ReturnType<FetchLike>>;
  try {
    response = await doFetch(opts.httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${opts.adminToken}` },
      body: JSON.stringify({ query, variables }),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new ServerUnreachableError(
      `cannot reach ${opts.httpUrl}: ${cause?.code ?? cause?.message ?? (error as Error).message}`,
    );
  }
  const text = await response.text();
  let body: { data?: T; errors?: { message: string; extensions?: { code?: string } }[] } | undefined;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = undefined;
  }
  if (body?.errors?.length) {
    const first = body.errors[0];
    throw new ProvisionError(body.errors.map((e) => e.message).join('; '), first?.extensions?.code);
  }
  if (response.status >= 500) {
    throw new ServerUnreachableError(`${opts.httpUrl} answered HTTP ${response.status}`);
  }
  if (response.status !== 200 || !body?.data) {
    throw new ProvisionError(`${opts.httpUrl} answered HTTP ${response.status}: ${text.slice(0, 200)}`);
  }
  return body.data;
}

/** Plausible campus places for the demo's banks; later banks get numbers. */
const PLACES: { name: string; location: string }[] = [
  { name: 'Library', location: 'Main library, ground floor, by the east doors' },
  { name: 'Student Union', location: 'Student Union building, next to the post room' },
  { name: 'Engineering', location: 'Engineering building, atrium' },
  { name: 'Halls North', location: 'North halls of residence, reception' },
  { name: 'Sports Centre', location: 'Sports centre, entrance hall' },
  { name: 'Science Park', location: 'Science park, block C lobby' },
];

export function bankPlace(index: number): { name: string; location: string } {
  const place = PLACES[index % PLACES.length] ?? { name: 'Bank', location: '' };
  const round = Math.floor(index / PLACES.length);
  return round === 0 ? place : { name: `${place.name} ${round + 1}`, location: place.location };
}

export interface ProvisionOptions {
  /** Server URL, ws(s) or http(s); the HTTP form is used. */
  url: string;
  adminToken: string;
  banks: number;
  compartments: number;
  /** Where tokens are saved and looked up. */
  statePath: string;
  siteName?: string;
  fetch?: FetchLike;
  logger?: Logger;
}

const CREATE_SITE = /* GraphQL */ `
  mutation SimulatorCreateSite($input: CreateSiteInput!) {
    createSite(input: $input) {
      id
    }
  }
`;

const CREATE_BANK = /* GraphQL */ `
  mutation SimulatorCreateBank($input: CreateLockerBankInput!) {
    createLockerBank(input: $input) {
      bank {
        id
        name
      }
      deviceToken
    }
  }
`;

const BANK_EXISTS = /* GraphQL */ `
  query SimulatorBankExists($id: ID!) {
    lockerBank(id: $id) {
      id
    }
  }
`;

/**
 * Returns `banks` device credentials, reusing those in the state file (that
 * still exist on the server) and creating only the missing banks.
 */
export async function provisionBanks(opts: ProvisionOptions): Promise<DeviceCredential[]> {
  const logger = opts.logger ?? silentLogger;
  const httpUrl = httpUrlFor(opts.url);
  const http: GraphQLHttpOptions = {
    httpUrl,
    adminToken: opts.adminToken,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  };
  if (!Number.isInteger(opts.banks) || opts.banks < 1)
    throw new RangeError(`banks must be a positive integer, got ${opts.banks}`);
  const layout = generateCompartments(opts.compartments);

  let state = await readState(opts.statePath);
  if (state && state.serverUrl !== httpUrl) {
    logger.warn(`${opts.statePath} holds banks of ${state.serverUrl}, not ${httpUrl}; provisioning new ones`);
    state = undefined;
  }
  state ??= { version: 1, serverUrl: httpUrl, devices: [] };

  // Keep only banks the server still has (its database may have been reset).
  const kept: DeviceCredential[] = [];
  for (const device of state.devices) {
    if (!device.bankId) {
      kept.push(device);
      continue;
    }
    const found = await graphqlHttp<{ lockerBank: { id: string } | null }>(http, BANK_EXISTS, { id: device.bankId });
    if (found.lockerBank) kept.push(device);
    else logger.warn(`bank ${device.name} (${device.bankId}) no longer exists on the server; forgetting it`);
  }
  if (kept.length !== state.devices.length) {
    state = { ...state, devices: kept };
    // Its site may be gone too; a fresh one is cheap.
    if (kept.every((d) => !d.bankId)) delete state.siteId;
    await writeState(opts.statePath, state);
  }
  if (kept.length >= opts.banks) {
    logger.info(`reusing ${opts.banks} provisioned bank(s) from ${opts.statePath}`);
    return kept.slice(0, opts.banks);
  }

  if (!state.siteId) {
    const site = await graphqlHttp<{ createSite: { id: string } }>(http, CREATE_SITE, {
      input: { name: opts.siteName ?? 'Baylight demo campus', timezone: 'UTC' },
    });
    state = { ...state, siteId: site.createSite.id };
    await writeState(opts.statePath, state);
    logger.info(`created site ${site.createSite.id}`);
  }
  const siteId = state.siteId;

  for (let i = kept.length; i < opts.banks; i++) {
    const place = bankPlace(i);
    const created = await graphqlHttp<{
      createLockerBank: { bank: { id: string; name: string }; deviceToken: string };
    }>(http, CREATE_BANK, { input: { siteId, name: place.name, location: place.location, compartments: layout } });
    const device: DeviceCredential = {
      deviceToken: created.createLockerBank.deviceToken,
      name: created.createLockerBank.bank.name,
      bankId: created.createLockerBank.bank.id,
    };
    // Save after every bank: the token is shown once, and a crash before the
    // next write would otherwise leave a bank nobody can connect as.
    state = { ...state, devices: [...state.devices, device] };
    await writeState(opts.statePath, state);
    logger.info(`created bank ${device.name} (${device.bankId}) with ${layout.length} compartments`);
  }
  return state.devices.slice(0, opts.banks);
}
