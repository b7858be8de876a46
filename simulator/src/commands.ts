/**
 * What a controller does with a command: the decision alone, without I/O, so
 * its rules are unit-tested.
 */
import type { CommandOutcome, LockerCommand } from './types.js';

export interface CommandContext {
  /** When this controller received the command, on a monotonic clock (ms). */
  receivedAt: number;
  /** Now, on the same clock. */
  now: number;
  /** Labels of this bank, as learned from connection_ack. */
  labels: ReadonlySet<string>;
  /** Compartments whose lock does not release (simulated hardware failure). */
  jammed?: ReadonlySet<string>;
}

/**
 * - Expired once ttlMs has run out counting from receipt, on a monotonic
 *   clock. Nothing else: PROTOCOL.md 5 says expiry never depends on the
 *   controller's wall clock, and `expiresAt` is for display (a controller
 *   whose clock is an hour fast would otherwise refuse every command). An
 *   expired command is never carried out: a door must not open after the
 *   person has left. ttlMs is a SafeInt and may exceed 2^31: it is compared,
 *   never handed to setTimeout.
 * - Unknown label: UNKNOWN_COMPARTMENT.
 * - A jammed lock: FAILED.
 */
export function decideOpen(
  command: Pick<LockerCommand, 'compartmentLabel' | 'ttlMs'>,
  ctx: CommandContext,
): CommandOutcome {
  if (!(command.ttlMs > 0) || ctx.now - ctx.receivedAt >= command.ttlMs) return 'EXPIRED';
  if (!ctx.labels.has(command.compartmentLabel)) return 'UNKNOWN_COMPARTMENT';
  if (ctx.jammed?.has(command.compartmentLabel)) return 'FAILED';
  return 'OPENED';
}

/** PROTOCOL.md 5: keep the ids of at least the last 10 minutes' commands. */
export const COMMAND_MEMORY_MS = 10 * 60_000;

export type RememberedOutcome = CommandOutcome | 'IN_PROGRESS';

/**
 * Remembers what was done with recent command ids, so a command the server
 * resends (e.g. after a reconnect, because our acknowledgement was lost) is
 * acknowledged again with the same outcome instead of opening the door twice.
 *
 * Forgetting is by time, never by count: an id is kept for at least
 * COMMAND_MEMORY_MS, and for as long as the command itself was valid when it
 * arrived (a revocation's ttl may be weeks; the server may resend it until
 * then). Pruned as new ids come in, on a monotonic clock.
 */
export class CommandMemory {
  readonly #minKeepMs: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, { outcome: RememberedOutcome; keepUntil: number }>();

  constructor(options: { minKeepMs?: number; now?: () => number } = {}) {
    this.#minKeepMs = options.minKeepMs ?? COMMAND_MEMORY_MS;
    this.#now = options.now ?? (() => performance.now());
  }

  get size(): number {
    return this.#entries.size;
  }

  get(id: string): RememberedOutcome | undefined {
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    if (entry.keepUntil < this.#now()) {
      this.#entries.delete(id);
      return undefined;
    }
    return entry.outcome;
  }

  /** @param ttlMs the command's ttl when it arrived; kept at least that long (and ≥ 10 minutes). */
  set(id: string, outcome: RememberedOutcome, ttlMs = 0): void {
    const now = this.#now();
    const previous = this.#entries.get(id);
    const keepFor = Math.max(this.#minKeepMs, Number.isFinite(ttlMs) ? ttlMs : 0);
    const keepUntil = Math.max(previous?.keepUntil ?? 0, now + keepFor);
    this.#entries.set(id, { outcome, keepUntil });
    this.#prune(now);
  }

  #prune(now: number): void {
    for (const [id, entry] of this.#entries) {
      if (entry.keepUntil < now) this.#entries.delete(id);
    }
  }
}
