/**
 * A minimal stand-in for the Baylight server's device protocol, for the
 * simulator's own tests. It executes operations against the real contract
 * (../../../schema.graphql), so a query the real server would reject fails
 * here too. Only the device side is implemented, in memory.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AckCompartment, LockerCommand, LockerEventInput } from '../types.js';

const schemaText = readFileSync(new URL('../../../schema.graphql', import.meta.url), 'utf8');

export interface FakeBank {
  id: string;
  name: string;
  token: string;
  compartments: AckCompartment[];
  /** Stored events, in seq order, gap-free. */
  log: LockerEventInput[];
  /** Every seq received more than once. */
  duplicateSeqs: number[];
  acks: { id: string; outcome: string }[];
  /** Commands not yet delivered (no subscriber when issued). */
  undelivered: LockerCommand[];
  /** What connection_ack lists for offline QR checks; tests set them. */
  pickupKeys: { kid: string; alg: 'EdDSA'; jwk: Record<string, unknown>; retiresAt: string | null }[];
  revokedPickupTokens: string[];
}

interface Connection {
  bank: FakeBank;
  socket: WebSocket;
  /** Delivers to this connection's commands subscription, once there is one. */
  push?: (command: LockerCommand) => void;
}

export interface FakeServerOptions {
  /**
   * Called after a batch is stored, before answering. Return 'drop' to close
   * the socket instead of answering (the answer is lost; the data is stored),
   * 'hang' to never answer and keep the socket open (a half-dead link).
   */
  beforeReply?: (bank: FakeBank, events: LockerEventInput[]) => 'drop' | 'hang' | void;
  /** Refuse batches larger than this with BAD_USER_INPUT and extensions.limit. */
  batchLimit?: number;
}

export class FakeServer {
  readonly banks = new Map<string, FakeBank>();
  /** connection_init attempts, accepted or not. */
  connectAttempts = 0;
  readonly #connections = new Set<Connection>();
  #http: Server | undefined;
  #wss: WebSocketServer | undefined;
  #disposeWs: (() => Promise<void>) | undefined;
  #port = 0;
  options: FakeServerOptions;

  constructor(options: FakeServerOptions = {}) {
    this.options = options;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.#port}/graphql`;
  }

  addBank(opts: {
    token: string;
    labels: string[];
    name?: string;
    charging?: string[];
    acceptedThroughSeq?: number;
  }): FakeBank {
    const id = `bank_${this.banks.size + 1}`;
    const log: LockerEventInput[] = [];
    for (let seq = 1; seq <= (opts.acceptedThroughSeq ?? 0); seq++) {
      log.push({ seq, label: opts.labels[0] ?? 'A01', kind: 'DOOR_CLOSED', at: new Date(0).toISOString() });
    }
    const bank: FakeBank = {
      id,
      name: opts.name ?? `Bank ${this.banks.size + 1}`,
      token: opts.token,
      compartments: opts.labels.map((label) => ({
        label,
        size: 'M',
        hasCharging: opts.charging?.includes(label) ?? false,
        depositId: null,
      })),
      log,
      duplicateSeqs: [],
      acks: [],
      undelivered: [],
      pickupKeys: [],
      revokedPickupTokens: [],
    };
    this.banks.set(opts.token, bank);
    return bank;
  }

  /** Open connections (acknowledged) for a bank. */
  connectionsOf(bank: FakeBank): number {
    return [...this.#connections].filter((c) => c.bank === bank).length;
  }

  /** Issues an OPEN_COMPARTMENT command. */
  issueOpen(
    bank: FakeBank,
    label: string,
    opts: { id?: string; ttlMs?: number; expiresInMs?: number; via?: string; depositId?: string } = {},
  ): LockerCommand {
    const now = Date.now();
    const command: LockerCommand = {
      id: opts.id ?? `cmd_${Math.random().toString(36).slice(2, 10)}`,
      kind: 'OPEN_COMPARTMENT',
      bankId: bank.id,
      compartmentLabel: label,
      issuedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + (opts.expiresInMs ?? 30_000)).toISOString(),
      ttlMs: opts.ttlMs ?? 30_000,
      status: 'PENDING',
      via: opts.via ?? null,
      depositId: opts.depositId ?? null,
    };
    this.#deliver(bank, command);
    return command;
  }

  /** Issues a REVOKE_PICKUP_TOKEN command. */
  issueRevoke(bank: FakeBank, tokenId: string, label = bank.compartments[0]?.label ?? 'A01'): LockerCommand {
    const now = Date.now();
    const command: LockerCommand = {
      id: `cmd_${Math.random().toString(36).slice(2, 10)}`,
      kind: 'REVOKE_PICKUP_TOKEN',
      bankId: bank.id,
      compartmentLabel: label,
      issuedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + 3_600_000).toISOString(),
      ttlMs: 3_600_000,
      status: 'PENDING',
      tokenId,
    };
    this.#deliver(bank, command);
    return command;
  }

  /** Sends a command object as given (e.g. a resend of one already delivered). */
  deliver(bank: FakeBank, command: LockerCommand): void {
    this.#deliver(bank, command);
  }

  #deliver(bank: FakeBank, command: LockerCommand): void {
    const live = [...this.#connections].filter((c) => c.bank === bank && c.push);
    if (live.length === 0) bank.undelivered.push(command);
    for (const c of live) c.push?.({ ...command, status: 'DELIVERED' });
  }

  /** Closes every controller socket with `code`, as a restarting server would. */
  closeAll(code = 1012, reason = 'Service Restart'): void {
    for (const c of this.#connections) c.socket.close(code, reason);
  }

  async start(port = 0): Promise<void> {
    const schema = buildSchema(schemaText);
    const http = createServer((_req, res) => {
      res.statusCode = 404;
      res.end();
    });
    const wss = new WebSocketServer({ server: http, path: '/graphql' });

    const roots = {
      query: {},
      mutation: {
        reportLockerEvents: (args: { events: LockerEventInput[] }, ctx: Connection) => this.#report(ctx, args.events),
        acknowledgeCommand: (args: { id: string; outcome: string }, ctx: Connection) => {
          ctx.bank.acks.push({ id: args.id, outcome: args.outcome });
          return {
            command: {
              id: args.id,
              status: args.outcome === 'OPENED' ? 'DONE' : args.outcome === 'EXPIRED' ? 'EXPIRED' : 'FAILED',
            },
          };
        },
      },
      subscription: {
        lockerCommands: (_args: unknown, ctx: Connection) => this.#commandStream(ctx),
      },
    };

    const connections = new WeakMap<object, Connection>();
    const disposable = useServer(
      {
        schema,
        roots,
        onConnect: (ctx) => {
          this.connectAttempts++;
          const token = ctx.connectionParams?.deviceToken;
          const bank = typeof token === 'string' ? this.banks.get(token) : undefined;
          if (!bank) return false; // graphql-ws closes with 4403 Forbidden
          for (const c of this.#connections) {
            if (c.bank === bank) {
              c.socket.close(4000, 'Replaced by a newer connection');
              this.#connections.delete(c);
            }
          }
          const connection: Connection = { bank, socket: ctx.extra.socket };
          connections.set(ctx.extra, connection);
          this.#connections.add(connection);
          return {
            bankId: bank.id,
            bankName: bank.name,
            acceptedThroughSeq: bank.log.length,
            compartments: bank.compartments,
            pickupKeys: bank.pickupKeys,
            revokedPickupTokens: bank.revokedPickupTokens,
          };
        },
        onClose: (ctx) => {
          const c = connections.get(ctx.extra);
          if (c) this.#connections.delete(c);
        },
        context: (ctx) => connections.get(ctx.extra),
      },
      wss,
    );

    await new Promise<void>((resolve) => http.listen(port || this.#port, '127.0.0.1', resolve));
    this.#port = (http.address() as AddressInfo).port;
    this.#http = http;
    this.#wss = wss;
    this.#disposeWs = async () => {
      await disposable.dispose();
    };
  }

  /** Stops listening and drops every connection (1001), like a server going down. */
  async stop(): Promise<void> {
    const http = this.#http;
    this.#http = undefined;
    await this.#disposeWs?.();
    for (const client of this.#wss?.clients ?? []) client.terminate();
    this.#connections.clear();
    if (http) {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
  }

  /** Starts again on the same port. */
  restart(): Promise<void> {
    return this.start(this.#port);
  }

  #report(ctx: Connection, events: LockerEventInput[]) {
    const bank = ctx.bank;
    const limit = this.options.batchLimit;
    if (limit !== undefined && events.length > limit) {
      const error = new Error(`At most ${limit} events per call`) as Error & { extensions: unknown };
      error.extensions = { code: 'BAD_USER_INPUT', limit };
      throw error;
    }
    let stored = 0;
    let duplicates = 0;
    let resendFromSeq: number | null = null;
    const rejected: { seq: number; reason: string }[] = [];
    const labels = new Set(bank.compartments.map((c) => c.label));
    for (const e of [...events].sort((a, b) => a.seq - b.seq)) {
      const accepted = bank.log.length;
      if (e.seq <= accepted) {
        duplicates++;
        bank.duplicateSeqs.push(e.seq);
      } else if (e.seq === accepted + 1) {
        bank.log.push({ ...e });
        stored++;
        if (!labels.has(e.label)) rejected.push({ seq: e.seq, reason: 'UNKNOWN_COMPARTMENT' });
      } else {
        resendFromSeq = accepted + 1;
        break;
      }
    }
    const fate = this.options.beforeReply?.(bank, events);
    if (fate === 'drop') ctx.socket.terminate(); // like a network drop: the client sees 1006
    if (fate) return new Promise(() => {}); // never answers
    return { acceptedThroughSeq: bank.log.length, resendFromSeq, stored, duplicates, rejected };
  }

  #commandStream(ctx: Connection): AsyncIterableIterator<{ lockerCommands: LockerCommand }> {
    const queue: LockerCommand[] = ctx.bank.undelivered.splice(0).map((c) => ({ ...c, status: 'DELIVERED' }));
    let wake: (() => void) | undefined;
    let done = false;
    ctx.push = (command) => {
      queue.push(command);
      wake?.();
    };
    const iterator: AsyncIterableIterator<{ lockerCommands: LockerCommand }> = {
      async next() {
        while (!done && queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
        const command = queue.shift();
        if (done || !command) return { done: true, value: undefined };
        return { done: false, value: { lockerCommands: command } };
      },
      return() {
        done = true;
        wake?.();
        return Promise.resolve({ done: true, value: undefined });
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }
}
