/**
 * The servers the parity suite (src/parity.test.ts) runs its scenarios
 * against, behind one small interface: the fake (fake-server.ts) and the real
 * Baylight server, started the way the server's own integration tests start
 * it (server/test/helpers/server.ts: a free port, a freshly migrated database
 * in a temporary directory).
 *
 * This file is test-only and the one place the simulator touches the server's
 * code. The controller itself never does (an ESLint rule keeps src/ free of
 * server imports). The server's helper is loaded by URL at run time rather
 * than imported, so that the simulator's own typecheck does not compile the
 * server and its generated code; the little of it used here is typed below.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { FakeServer, type FakeBank, type FakeServerOptions } from './fake-server.js';

/** One controller event as the server's log shows it. */
export interface ObservedEvent {
  seq: number;
  generation: number;
  /** UNRECOGNISED for a kind the server does not know. */
  kind: string;
  reportedKind: string | null;
  label: string | null;
  rejection: string | null;
  flags: string[];
  code: string | null;
  detail: string | null;
}

/** What the server shows staff about the bank's controller. */
export interface ObservedController {
  protocolVersion: number;
  model: string | null;
  serial: string | null;
  firmware: string | null;
  capabilities: string[];
  health: {
    outboxDepth: number | null;
    firmware: string | null;
    power: string | null;
    signalDbm: number | null;
    uptimeSeconds: number | null;
  } | null;
}

export interface TargetBank {
  id: string;
  /** The current device token (rotateToken() changes it). */
  readonly token: string;
  labels: string[];
  /** The controller events of the current token generation, in seq order. */
  events(): Promise<ObservedEvent[]>;
  acceptedThroughSeq(): Promise<number>;
  /** Staff open a door (openCompartment); resolves with the command id. */
  openDoor(label: string): Promise<string>;
  /** rotateDeviceToken: a new token and a new generation; resolves with the token. */
  rotateToken(): Promise<string>;
  controller(): Promise<ObservedController | null>;
}

export interface ProtocolTarget {
  readonly kind: 'fake' | 'real';
  /** graphql-ws URL for controllers. */
  readonly url: string;
  createBank(opts?: { labels?: string[]; name?: string }): Promise<TargetBank>;
  stop(): Promise<void>;
}

const DEFAULT_LABELS = ['A01', 'A02', 'A03', 'A04'];

// --- the fake ------------------------------------------------------------------

export async function startFakeTarget(options: FakeServerOptions = {}): Promise<ProtocolTarget & { fake: FakeServer }> {
  const fake = new FakeServer(options);
  await fake.start();
  let n = 0;
  const observe = (bank: FakeBank): TargetBank => ({
    id: bank.id,
    get token() {
      return bank.token;
    },
    labels: bank.compartments.map((c) => c.label),
    events: () =>
      Promise.resolve(
        bank.log.map((e) => ({
          seq: e.seq,
          generation: e.generation,
          kind: e.kind,
          reportedKind: e.reportedKind,
          label: e.label ?? null,
          rejection: e.rejection,
          flags: [...e.flags],
          code: e.code ?? null,
          detail: e.detail ?? null,
        })),
      ),
    acceptedThroughSeq: () => Promise.resolve(bank.acceptedThroughSeq),
    openDoor: (label) => Promise.resolve(fake.issueOpen(bank, label).id),
    rotateToken: () => Promise.resolve(fake.rotateToken(bank)),
    controller: () =>
      Promise.resolve(
        bank.controller && {
          protocolVersion: bank.controller.protocolVersion,
          model: bank.controller.model,
          serial: bank.controller.serial,
          firmware: bank.controller.firmware,
          capabilities: bank.controller.capabilities,
          health: (() => {
            const h = bank.health.at(-1);
            return h
              ? {
                  outboxDepth: h.outboxDepth ?? null,
                  firmware: h.firmware ?? null,
                  power: h.power ?? null,
                  signalDbm: h.signalDbm ?? null,
                  uptimeSeconds: h.uptimeSeconds ?? null,
                }
              : null;
          })(),
        },
      ),
  });
  return {
    kind: 'fake',
    fake,
    get url() {
      return fake.url;
    },
    createBank: ({ labels = DEFAULT_LABELS, name } = {}) =>
      Promise.resolve(observe(fake.addBank({ token: `fake-token-${++n}`, labels, name: name ?? `Bank ${n}` }))),
    stop: () => fake.stop(),
  };
}

// --- the real server -------------------------------------------------------------

/** The part of server/test/helpers/server.ts used here. */
interface RealServerHelpers {
  startTestServer(env?: Record<string, string>): Promise<{
    wsUrl: string;
    gql<T>(
      query: string,
      variables?: Record<string, unknown>,
    ): Promise<{ data?: T | null; errors?: { message: string; extensions?: Record<string, unknown> }[] }>;
    createBank(opts?: {
      name?: string;
      compartments?: { label: string; size: string }[];
    }): Promise<{ bankId: string; deviceToken: string }>;
  }>;
}
interface Disposables {
  disposeAll(): Promise<void>;
}

const SERVER_HELPERS = new URL('../../../server/test/helpers/server.ts', import.meta.url).href;
const SERVER_DISPOSABLES = new URL('../../../server/test/helpers/disposables.ts', import.meta.url).href;

const EVENTS = /* GraphQL */ `
  query ParityEvents($id: ID!) {
    lockerBank(id: $id) {
      acceptedThroughSeq
      events(limit: 500) {
        seq
        generation
        kind
        reportedKind
        compartmentLabel
        rejection
        flags
        code
        detail
      }
    }
  }
`;

const ACCEPTED = /* GraphQL */ `
  query ParityAccepted($id: ID!) {
    lockerBank(id: $id) {
      acceptedThroughSeq
    }
  }
`;

const CONTROLLER = /* GraphQL */ `
  query ParityController($id: ID!) {
    lockerBank(id: $id) {
      controller {
        protocolVersion
        model
        serial
        firmware
        capabilities
        health {
          outboxDepth
          firmware
          power
          signalDbm
          uptimeSeconds
        }
      }
    }
  }
`;

const OPEN = /* GraphQL */ `
  mutation ParityOpen($input: OpenCompartmentInput!) {
    openCompartment(input: $input) {
      __typename
      ... on CommandIssued {
        command {
          id
        }
      }
      ... on OpenRefused {
        reason
        message
      }
    }
  }
`;

const ROTATE = /* GraphQL */ `
  mutation ParityRotate($id: ID!) {
    rotateDeviceToken(bankId: $id) {
      deviceToken
    }
  }
`;

/**
 * Starts the real server. `env` is its configuration on top of the test
 * helper's (e.g. DEVICE_BATCH_LIMIT).
 */
export async function startRealTarget(env: Record<string, string> = {}): Promise<ProtocolTarget> {
  const helpers = (await import(/* @vite-ignore */ SERVER_HELPERS)) as RealServerHelpers;
  const disposables = (await import(/* @vite-ignore */ SERVER_DISPOSABLES)) as Disposables;
  const server = await helpers.startTestServer(env);
  let n = 0;
  const gql = async <T>(query: string, variables: Record<string, unknown>): Promise<T> => {
    const res = await server.gql<T>(query, variables);
    if (res.errors?.length || !res.data) throw new Error(`the server answered ${JSON.stringify(res.errors)}`);
    return res.data;
  };
  return {
    kind: 'real',
    url: server.wsUrl,
    async createBank({ labels = DEFAULT_LABELS, name } = {}) {
      const created = await server.createBank({
        name: name ?? `Parity ${++n}`,
        compartments: labels.map((label) => ({ label, size: 'M' })),
      });
      const id = created.bankId;
      let token = created.deviceToken;
      let generation = 1;
      return {
        id,
        get token() {
          return token;
        },
        labels,
        async events() {
          type Row = {
            seq: number | null;
            generation: number | null;
            kind: string;
            reportedKind: string | null;
            compartmentLabel: string | null;
            rejection: string | null;
            flags: string[];
            code: string | null;
            detail: string | null;
          };
          const data = await gql<{ lockerBank: { events: Row[] } }>(EVENTS, { id });
          return data.lockerBank.events
            .filter((e) => e.seq !== null && (e.generation ?? 1) === generation)
            .map((e) => ({
              seq: e.seq!,
              generation: e.generation ?? 1,
              kind: e.kind,
              reportedKind: e.reportedKind,
              label: e.compartmentLabel,
              rejection: e.rejection,
              flags: e.flags,
              code: e.code,
              detail: e.detail,
            }))
            .sort((a, b) => a.seq - b.seq);
        },
        async acceptedThroughSeq() {
          return (await gql<{ lockerBank: { acceptedThroughSeq: number } }>(ACCEPTED, { id })).lockerBank
            .acceptedThroughSeq;
        },
        async openDoor(label) {
          const data = await gql<{
            openCompartment: { __typename: string; command?: { id: string }; reason?: string; message?: string };
          }>(OPEN, { input: { bankId: id, label, reason: 'parity test' } });
          const answer = data.openCompartment;
          if (!answer.command) throw new Error(`openCompartment refused: ${answer.reason} (${answer.message})`);
          return answer.command.id;
        },
        async rotateToken() {
          const data = await gql<{ rotateDeviceToken: { deviceToken: string } }>(ROTATE, { id });
          token = data.rotateDeviceToken.deviceToken;
          generation++;
          return token;
        },
        async controller() {
          return (await gql<{ lockerBank: { controller: ObservedController | null } }>(CONTROLLER, { id })).lockerBank
            .controller;
        },
      };
    },
    // The helper tracks the server (and anything it made) for disposal.
    stop: () => disposables.disposeAll(),
  };
}

// --- raw clients, for checking refusals message by message ----------------------

export interface RawResult<T> {
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

export interface RawDevice {
  client: Client;
  /** The connection_ack payload. */
  ack: Promise<Record<string, unknown>>;
  /** The first close of the socket. */
  closed: Promise<{ code: number; reason: string }>;
  /** One operation's single result (an `error` message counts as a result with errors). */
  execute<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<RawResult<T>>;
  dispose(): Promise<void>;
}

/** A bare graphql-ws device connection, no retries: what a test needs to look at one answer. */
export function rawDevice(url: string, connectionParams: Record<string, unknown>): RawDevice {
  let resolveAck: (payload: Record<string, unknown>) => void = () => {};
  let resolveClosed: (close: { code: number; reason: string }) => void = () => {};
  const ack = new Promise<Record<string, unknown>>((r) => (resolveAck = r));
  const closed = new Promise<{ code: number; reason: string }>((r) => (resolveClosed = r));
  const client = createClient({
    url,
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => {},
    on: {
      connected: (_socket, payload) => resolveAck(payload ?? {}),
      closed: (event) => {
        const e = event as { code?: number; reason?: string };
        resolveClosed({ code: e.code ?? 0, reason: e.reason ?? '' });
      },
    },
  });
  return {
    client,
    ack,
    closed,
    execute: <T>(query: string, variables: Record<string, unknown> = {}) =>
      new Promise<RawResult<T>>((resolve, reject) => {
        let result: RawResult<T> | undefined;
        client.subscribe<T>(
          { query, variables },
          {
            next: (r) => (result = r as RawResult<T>),
            error: (e) =>
              Array.isArray(e)
                ? resolve({ errors: e as NonNullable<RawResult<T>['errors']> })
                : reject(new Error(JSON.stringify(e))),
            complete: () => (result ? resolve(result) : reject(new Error('completed without a result'))),
          },
        );
      }),
    dispose: async () => {
      await client.dispose();
    },
  };
}

/**
 * A WebSocket speaking graphql-transport-ws by hand, so a test decides when
 * connection_init goes out (e.g. late, on a socket accepted earlier).
 */
export function rawSocket(url: string) {
  const socket = new WebSocket(url, 'graphql-transport-ws');
  const messages: { type: string; payload?: unknown }[] = [];
  socket.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString()) as { type: string }));
  socket.on('error', () => {});
  const opened = new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })),
  );
  return {
    socket,
    messages,
    opened,
    closed,
    init(payload: Record<string, unknown>) {
      socket.send(JSON.stringify({ type: 'connection_init', payload }));
    },
    /** Resolves with the connection_ack payload, or rejects if the socket closes first. */
    async acked(timeoutMs = 5000): Promise<Record<string, unknown>> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const ack = messages.find((m) => m.type === 'connection_ack');
        if (ack) return (ack.payload ?? {}) as Record<string, unknown>;
        if (socket.readyState === WebSocket.CLOSED) throw new Error('closed before connection_ack');
        if (Date.now() > deadline) throw new Error('no connection_ack');
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    close() {
      socket.terminate();
    },
  };
}
