/**
 * graphql-transport-ws spoken by hand over `ws`, for the kit playing a
 * controller: every frame it sends is the one the check needs (a late init,
 * a second init, a subscribe before the ack, an oversized frame), and every
 * close code is seen as the server sent it.
 */
import WebSocket from 'ws';
import { rawText, SUBPROTOCOL } from '../protocol.js';

export interface Closed {
  code: number;
  reason: string;
}

export interface GqlError {
  message: string;
  extensions?: { code?: string; [key: string]: unknown };
}

export interface Result<T = unknown> {
  data?: T | null;
  errors?: GqlError[];
  /** The operation was answered with an `error` message (refused before running). */
  refused?: boolean;
  closed?: Closed;
  timedOut?: boolean;
}

interface Message {
  type: string;
  id?: string;
  payload?: unknown;
}

export class DeviceSocket {
  readonly closed: Promise<Closed>;
  closedWith: Closed | undefined;
  closedAt: number | undefined;
  /** WebSocket ping frames from the server (answered by `ws` itself). */
  pings: { at: number }[] = [];
  ack: Record<string, unknown> | undefined;
  readonly openedAt = Date.now();
  #nextId = 1;
  readonly #listeners = new Set<(m: Message) => void>();

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => {
      ws.once('close', (code, reason) => {
        this.closedWith = { code, reason: String(reason) };
        this.closedAt = Date.now();
        resolve(this.closedWith);
      });
    });
    ws.on('ping', () => this.pings.push({ at: Date.now() }));
    ws.on('error', () => {}); // the close event carries what matters
    ws.on('message', (data) => {
      let message: Message;
      try {
        message = JSON.parse(rawText(data)) as Message;
      } catch {
        return;
      }
      for (const listener of this.#listeners) listener(message);
    });
  }

  /** Opens a socket (subprotocol graphql-transport-ws unless told otherwise). */
  static open(url: string, options: { protocol?: string | null; timeoutMs?: number } = {}): Promise<DeviceSocket> {
    const protocol = options.protocol === undefined ? SUBPROTOCOL : options.protocol;
    const ws = protocol === null ? new WebSocket(url) : new WebSocket(url, protocol);
    const socket = new DeviceSocket(ws);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error(`no WebSocket connection to ${url} within ${options.timeoutMs ?? 10_000} ms`));
      }, options.timeoutMs ?? 10_000);
      ws.once('open', () => {
        clearTimeout(timer);
        resolve(socket);
      });
      ws.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`WebSocket connection to ${url} failed: ${err.message}`));
      });
    });
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(message: unknown): void {
    if (this.isOpen) this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Waits for the next message matching `predicate`, or undefined on close or timeout. */
  next(predicate: (m: Message) => boolean, timeoutMs: number): Promise<Message | undefined> {
    return new Promise((resolve) => {
      const done = (m: Message | undefined) => {
        clearTimeout(timer);
        this.#listeners.delete(listener);
        resolve(m);
      };
      const listener = (m: Message) => {
        if (predicate(m)) done(m);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      this.#listeners.add(listener);
      void this.closed.then(() => done(undefined));
    });
  }

  /** Sends connection_init; resolves with the ack's payload or the close. */
  async init(
    payload: Record<string, unknown>,
    timeoutMs = 5000,
  ): Promise<{ ack?: Record<string, unknown>; closed?: Closed }> {
    const acked = this.next((m) => m.type === 'connection_ack', timeoutMs);
    this.send({ type: 'connection_init', payload });
    const message = await acked;
    if (message) {
      this.ack = (message.payload ?? {}) as Record<string, unknown>;
      return { ack: this.ack };
    }
    const closed = await this.waitClosed(500);
    return closed ? { closed } : {};
  }

  /** One query or mutation: its result, or how it ended otherwise. */
  request<T = unknown>(query: string, variables: Record<string, unknown> = {}, timeoutMs = 15_000): Promise<Result<T>> {
    const id = String(this.#nextId++);
    return new Promise((resolve) => {
      let result: Result<T> = {};
      const done = (r: Result<T>) => {
        clearTimeout(timer);
        this.#listeners.delete(listener);
        resolve(r);
      };
      const listener = (m: Message) => {
        if (m.id !== id) return;
        if (m.type === 'next') result = m.payload as Result<T>;
        else if (m.type === 'error') done({ errors: m.payload as GqlError[], refused: true });
        else if (m.type === 'complete') done(result);
      };
      const timer = setTimeout(() => done({ timedOut: true }), timeoutMs);
      this.#listeners.add(listener);
      void this.closed.then((closed) => done({ closed }));
      this.send({ id, type: 'subscribe', payload: { query, variables } });
    });
  }

  /** A subscription whose results collect in `items`. */
  subscribe(query: string, variables: Record<string, unknown> = {}): Subscription {
    const id = String(this.#nextId++);
    const sub = new Subscription(id, () => this.send({ id, type: 'complete' }));
    const listener = (m: Message) => {
      if (m.id !== id) return;
      if (m.type === 'next') sub.push(m.payload as Result);
      else if (m.type === 'error') sub.end(m.payload as GqlError[]);
      else if (m.type === 'complete') sub.end(null);
    };
    this.#listeners.add(listener);
    void this.closed.then(() => sub.end(null));
    this.send({ id, type: 'subscribe', payload: { query, variables } });
    return sub;
  }

  async waitClosed(timeoutMs: number): Promise<Closed | undefined> {
    if (this.closedWith) return this.closedWith;
    return Promise.race([this.closed, new Promise<undefined>((r) => setTimeout(() => r(undefined), timeoutMs))]);
  }

  close(code = 1000, reason = 'conformance kit done'): void {
    if (this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
    else if (this.ws.readyState === WebSocket.OPEN) this.ws.close(code, reason);
  }

  terminate(): void {
    this.ws.terminate();
  }
}

export class Subscription {
  readonly items: Result[] = [];
  errors: GqlError[] | null | undefined;
  readonly #waiters = new Set<() => void>();

  constructor(
    readonly id: string,
    readonly unsubscribe: () => void,
  ) {}

  get ended(): boolean {
    return this.errors !== undefined;
  }

  push(item: Result): void {
    this.items.push(item);
    for (const w of this.#waiters) w();
  }

  end(errors: GqlError[] | null): void {
    if (this.errors === undefined) this.errors = errors;
    for (const w of this.#waiters) w();
  }

  /** Waits until `predicate` holds or the subscription ends; returns whether it holds. */
  async until(predicate: (items: Result[]) => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.items) && !this.ended) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.#waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, left);
        this.#waiters.add(done);
      });
    }
    return predicate(this.items);
  }
}

/** From what a person types (http://host:4000, …/graphql, ws://…) to the HTTP and WebSocket URLs of /graphql. */
export function endpoints(input: string): { http: string; ws: string } {
  const url = new URL(/^[a-z]+:\/\//i.test(input) ? input : `http://${input}`);
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/graphql';
  const secure = url.protocol === 'https:' || url.protocol === 'wss:';
  const http = new URL(url);
  http.protocol = secure ? 'https:' : 'http:';
  const ws = new URL(url);
  ws.protocol = secure ? 'wss:' : 'ws:';
  return { http: http.toString(), ws: ws.toString() };
}
