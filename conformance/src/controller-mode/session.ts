/**
 * What every scenario works with: the kit's server, the controller process,
 * the report, and waiting helpers that give up early when the controller
 * has exited.
 */
import type { Report } from '../report.js';
import type { StoredEvent } from './journal.js';
import type { Conn, KitServer } from './kit-server.js';
import type { ControllerProcess } from './process.js';

export class Session {
  /** Hook events the kit asked for, by their unique detail. */
  readonly hookEvents: { detail: string; label: string; kind: string; t: number }[] = [];
  /** Details of events the kit's log lost on purpose (restore scenario): they may arrive 0 times. */
  readonly forgotten = new Set<string>();

  constructor(
    readonly kit: KitServer,
    readonly proc: ControllerProcess,
    readonly report: Report,
  ) {}

  get gone(): boolean {
    return this.proc.exited !== undefined;
  }

  /** The capabilities of the latest connection_init. */
  get capabilities(): Set<string> {
    for (let i = this.kit.conns.length - 1; i >= 0; i--) {
      const init = this.kit.conns[i]!.init;
      const caps = (init?.controller as { capabilities?: unknown } | undefined)?.capabilities;
      if (init) return new Set(Array.isArray(caps) ? caps.filter((x): x is string => typeof x === 'string') : []);
    }
    return new Set();
  }

  waitFor(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
    return this.kit.waitFor(() => predicate() || this.gone, timeoutMs).then(() => predicate());
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  /**
   * The live connection once it is acknowledged and has subscribed to
   * commands (or, failing the subscription, once acknowledged for `subscribeGraceMs`).
   */
  async ready(timeoutMs = 20_000, subscribeGraceMs = 4000): Promise<Conn | undefined> {
    const acked = await this.waitFor(() => this.kit.live?.ackedAt !== undefined, timeoutMs);
    if (!acked) return undefined;
    await this.waitFor(() => this.kit.live?.commandsSubscribedAt !== undefined, subscribeGraceMs);
    await this.sleep(100); // let the subscription's first (pending) commands go out
    return this.kit.live;
  }

  /** The first connection accepted at or after `t` (kit time) that got its ack. */
  async ackedAfter(t: number, timeoutMs: number): Promise<Conn | undefined> {
    const find = () => this.kit.conns.find((c) => c.acceptedAt >= t && c.ackedAt !== undefined);
    await this.waitFor(() => !!find(), timeoutMs);
    return find();
  }

  /** The first connection attempt (accepted or refused) at or after `t`. */
  async attemptAfter(t: number, timeoutMs: number): Promise<{ at: number; refused: boolean } | undefined> {
    const find = () => this.kit.upgrades.find((u) => u.at >= t);
    await this.waitFor(() => !!find(), timeoutMs);
    return find();
  }

  /** Asks the controller, through the hooks, to record an event; its detail identifies it later. */
  hookEvent(label: string, kind: string, detail: string): boolean {
    const sent = this.proc.hook(`event ${label} ${kind} ${detail}`);
    if (sent) this.hookEvents.push({ detail, label, kind, t: this.kit.now() });
    return sent;
  }

  stored(detail: string): StoredEvent[] {
    return this.kit.journal.events().filter((e) => e.detail === detail);
  }

  async waitStored(details: readonly string[], timeoutMs: number): Promise<boolean> {
    return this.waitFor(() => details.every((d) => this.stored(d).length > 0), timeoutMs);
  }

  /** Why checks needing the hooks cannot run, or undefined when they can. */
  get noHooks(): string | undefined {
    return this.proc.hooks
      ? undefined
      : 'the controller offers no test hooks (it never printed "BAYLIGHT-HOOKS 1"; see conformance/README.md, Test hooks), so the kit cannot make it record events or read a QR';
  }

  skipAll(ids: readonly string[], reason: string): void {
    for (const id of ids) if (this.report.has(id)) this.report.skip(id, reason);
  }

  /** A short account of what the controller did lately, for FAIL texts. */
  recentTrace(sinceT: number, limit = 8): string {
    const lines = this.kit.trace.filter((e) => e.t >= sinceT).slice(-limit);
    return lines.map((e) => `[+${(e.t / 1000).toFixed(1)} s${e.conn ? ` #${e.conn}` : ''}] ${e.what}`).join(' | ');
  }
}

export const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
