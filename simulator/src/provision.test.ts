import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  httpUrlFor,
  loadDevicesFile,
  provisionBanks,
  ProvisionError,
  ServerUnreachableError,
  type FetchLike,
} from './provision.js';

/** An in-memory admin API: records every request, answers like the schema says. */
function fakeApi(opts: { token?: string } = {}) {
  const calls: { url: string; headers: Record<string, string>; query: string; variables: Record<string, unknown> }[] =
    [];
  const banks = new Map<string, { siteId: string; name: string; compartments: unknown[] }>();
  let sites = 0;
  const fetch: FetchLike = (url, init) => {
    const body = JSON.parse(init.body) as { query: string; variables: Record<string, unknown> };
    calls.push({ url, headers: init.headers, ...body });
    const reply = (status: number, json: unknown) =>
      Promise.resolve({ status, text: () => Promise.resolve(JSON.stringify(json)) });
    if (init.headers.authorization !== `Bearer ${opts.token ?? 'admin-1'}`) {
      return reply(200, {
        data: null,
        errors: [{ message: 'Sign in first.', extensions: { code: 'UNAUTHENTICATED' } }],
      });
    }
    if (body.query.includes('createSite')) return reply(200, { data: { createSite: { id: `site_${++sites}` } } });
    if (body.query.includes('createLockerBank')) {
      const input = body.variables.input as { siteId: string; name: string; compartments: unknown[] };
      const id = `bank_${banks.size + 1}`;
      banks.set(id, input);
      return reply(200, { data: { createLockerBank: { bank: { id, name: input.name }, deviceToken: `dev_${id}` } } });
    }
    if (body.query.includes('lockerBank(')) {
      const id = body.variables.id as string;
      return reply(200, { data: { lockerBank: banks.has(id) ? { id } : null } });
    }
    return reply(400, { errors: [{ message: 'unexpected query' }] });
  };
  return { fetch, calls, banks };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sim-provision-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('httpUrlFor', () => {
  it('turns ws(s) into http(s) and keeps the path', () => {
    expect(httpUrlFor('ws://localhost:4000/graphql')).toBe('http://localhost:4000/graphql');
    expect(httpUrlFor('wss://lockers.example.edu/graphql')).toBe('https://lockers.example.edu/graphql');
    expect(httpUrlFor('http://x:1/graphql')).toBe('http://x:1/graphql');
    expect(() => httpUrlFor('ftp://x/')).toThrow(/not a ws/);
  });
});

describe('provisionBanks', () => {
  it('creates one site and N banks over HTTP, with the admin token, and saves the tokens', async () => {
    const api = fakeApi();
    const statePath = join(dir, 'nested', 'devices.json');
    const devices = await provisionBanks({
      url: 'ws://localhost:4000/graphql',
      adminToken: 'admin-1',
      banks: 3,
      compartments: 24,
      statePath,
      fetch: api.fetch,
    });
    expect(devices.map((d) => d.deviceToken)).toEqual(['dev_bank_1', 'dev_bank_2', 'dev_bank_3']);
    expect(api.calls.filter((c) => c.query.includes('createSite'))).toHaveLength(1);
    expect(api.calls.every((c) => c.url === 'http://localhost:4000/graphql')).toBe(true);
    expect(api.calls.every((c) => c.headers['content-type'] === 'application/json')).toBe(true);
    const bank = api.banks.get('bank_1')!;
    expect(bank.siteId).toBe('site_1');
    expect(bank.compartments).toHaveLength(24);
    expect(bank.compartments.slice(0, 4)).toEqual([
      { label: 'A01', size: 'S', hasCharging: false, accessible: false },
      { label: 'A02', size: 'M', hasCharging: true, accessible: false },
      { label: 'A03', size: 'M', hasCharging: false, accessible: false },
      { label: 'A04', size: 'L', hasCharging: false, accessible: true },
    ]);

    const saved = JSON.parse(await readFile(statePath, 'utf8')) as { devices: unknown[]; siteId: string };
    expect(saved.devices).toHaveLength(3);
    expect(saved.siteId).toBe('site_1');
    expect((await stat(statePath)).mode & 0o777).toBe(0o600);
  });

  it('reuses saved banks on the next run instead of creating more', async () => {
    const api = fakeApi();
    const opts = {
      url: 'ws://localhost:4000/graphql',
      adminToken: 'admin-1',
      compartments: 8,
      statePath: join(dir, 's.json'),
      fetch: api.fetch,
    };
    const first = await provisionBanks({ ...opts, banks: 2 });
    const created = api.calls.filter((c) => /create/.test(c.query)).length;
    const again = await provisionBanks({ ...opts, banks: 2 });
    expect(again).toEqual(first);
    expect(api.calls.filter((c) => /create/.test(c.query)).length).toBe(created);
    // Asking for more creates only the missing one, on the same site.
    const more = await provisionBanks({ ...opts, banks: 3 });
    expect(more.slice(0, 2)).toEqual(first);
    expect(api.calls.filter((c) => c.query.includes('createSite'))).toHaveLength(1);
    expect(api.banks.size).toBe(3);
  });

  it('forgets saved banks the server no longer has, and provisions afresh', async () => {
    const api = fakeApi();
    const opts = {
      url: 'ws://h/graphql',
      adminToken: 'admin-1',
      banks: 1,
      compartments: 4,
      statePath: join(dir, 's.json'),
      fetch: api.fetch,
    };
    await provisionBanks(opts);
    api.banks.clear(); // the server's database was reset
    const devices = await provisionBanks(opts);
    expect(devices[0]?.bankId).toBe('bank_1'); // created again (ids restart in the fake)
    expect(api.calls.filter((c) => c.query.includes('createSite'))).toHaveLength(2);
  });

  it('reports a refused admin token and an unreachable server distinctly', async () => {
    const api = fakeApi({ token: 'other' });
    const opts = {
      url: 'ws://h/graphql',
      adminToken: 'admin-1',
      banks: 1,
      compartments: 4,
      statePath: join(dir, 's.json'),
    };
    await expect(provisionBanks({ ...opts, fetch: api.fetch })).rejects.toMatchObject({
      name: 'ProvisionError',
      code: 'UNAUTHENTICATED',
    });
    const down: FetchLike = () => Promise.reject(new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }));
    const error = await provisionBanks({ ...opts, fetch: down }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerUnreachableError);
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
    expect(error).not.toBeInstanceOf(ProvisionError);
  });
});

describe('loadDevicesFile', () => {
  it('reads an array of { deviceToken, name } and a saved state file alike', async () => {
    const a = join(dir, 'a.json');
    await writeFile(a, JSON.stringify([{ deviceToken: 't1', name: 'North' }]));
    expect(await loadDevicesFile(a)).toEqual([{ deviceToken: 't1', name: 'North' }]);
    const b = join(dir, 'b.json');
    await writeFile(
      b,
      JSON.stringify({ version: 1, serverUrl: 'http://h/', devices: [{ deviceToken: 't2', name: 'S', bankId: 'b' }] }),
    );
    expect(await loadDevicesFile(b)).toEqual([{ deviceToken: 't2', name: 'S', bankId: 'b' }]);
  });

  it('says what is wrong with a bad file', async () => {
    const c = join(dir, 'c.json');
    await writeFile(c, JSON.stringify([{ deviceToken: 't1', name: 'ok' }, { name: 'no token' }]));
    await expect(loadDevicesFile(c)).rejects.toThrow(/1\.deviceToken/);
    await writeFile(c, '[]');
    await expect(loadDevicesFile(c)).rejects.toThrow(/no devices/);
    await expect(loadDevicesFile(join(dir, 'missing.json'))).rejects.toThrow(/cannot read devices file/);
  });
});
