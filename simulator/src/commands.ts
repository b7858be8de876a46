/**
 * What a controller does with an OPEN_COMPARTMENT command: the decision alone,
 * without I/O, so its rules are unit-tested.
 */
import type { CommandOutcome, LockerCommand } from './types.js';

export interface CommandContext {
  /** When this controller received the command (its own clock, ms). */
  receivedAt: number;
  /** Now, on the same clock. */
  now: number;
  /** Labels of this bank, as learned from connection_ack. */
  labels: ReadonlySet<string>;
  /** Compartments whose lock does not release (simulated hardware failure). */
  jammed?: ReadonlySet<string>;
}

/**
 * - Expired when ttlMs has run out counting from receipt (robust to a wrong
 *   controller clock) or expiresAt has passed. An expired command is never
 *   carried out: a door must not open after the person has left.
 * - Unknown label: UNKNOWN_COMPARTMENT.
 * - A jammed lock: FAILED.
 */
export function decideOpen(
  command: Pick<LockerCommand, 'compartmentLabel' | 'expiresAt' | 'ttlMs'>,
  ctx: CommandContext,
): CommandOutcome {
  if (!(command.ttlMs > 0) || ctx.now - ctx.receivedAt >= command.ttlMs) return 'EXPIRED';
  const expiresAt = Date.parse(command.expiresAt);
  if (Number.isNaN(expiresAt) || expiresAt <= ctx.now) return 'EXPIRED';
  if (!ctx.labels.has(command.compartmentLabel)) return 'UNKNOWN_COMPARTMENT';
  if (ctx.jammed?.has(command.compartmentLabel)) return 'FAILED';
  return 'OPENED';
}

/**
 * Remembers what was done with recent command ids, so a command the server
 * resends (e.g. after a reconnect, because our acknowledgement was lost) is
 * acknowledged again with the same outcome instead of opening the door twice.
 * Bounded: the oldest entries are forgotten first.
 */
export class CommandMemory {
  readonly #limit: number;
  readonly #outcomes = new Map<string, CommandOutcome | 'IN_PROGRESS'>();

  constructor(limit = 1000) {
    this.#limit = limit;
  }

  get(id: string): CommandOutcome | 'IN_PROGRESS' | undefined {
    return this.#outcomes.get(id);
  }

  set(id: string, outcome: CommandOutcome | 'IN_PROGRESS'): void {
    this.#outcomes.delete(id);
    this.#outcomes.set(id, outcome);
    while (this.#outcomes.size > this.#limit) {
      const oldest = this.#outcomes.keys().next();
      if (oldest.done) break;
      this.#outcomes.delete(oldest.value);
    }
  }
}
