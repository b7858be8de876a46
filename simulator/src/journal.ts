/**
 * Where the outbox (outbox.ts) keeps its events across restarts of the
 * controller: PROTOCOL.md 3 says keep the journal, and the seq counter with it,
 * in persistent storage until the server has acknowledged every event.
 *
 * - MemoryJournal keeps a copy in memory: a new SimulatedController given the
 *   same MemoryJournal behaves like the same controller after a reboot (tests).
 * - FileJournal writes a JSON file, atomically (temp file + rename), on every
 *   change, before the change is acted on: an event is on disk before it is
 *   sent, and a renumbering before the renumbered events go out.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { LockerEventInput } from './types.js';

export interface JournalEntry {
  event: LockerEventInput;
  /** Put in a batch at least once (so the server may have stored it). */
  sent: boolean;
}

export interface JournalSnapshot {
  version: 1;
  /** The token generation the numbering belongs to; null before the first version 2 connection_ack. */
  generation: number | null;
  /** Highest seq the server confirmed storing (or accepted as lost). */
  acceptedThroughSeq: number;
  /** The seq counter: the highest seq ever given to an event. */
  lastSeq: number;
  /** Unacknowledged events, oldest first. */
  events: JournalEntry[];
}

export interface JournalStore {
  /** The saved journal; undefined when there is none yet. */
  load(): JournalSnapshot | undefined;
  /** Replaces the saved journal. Synchronous: it returns once the journal is stored. */
  save(snapshot: JournalSnapshot): void;
}

const seq = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const snapshotSchema = z.object({
  version: z.literal(1),
  generation: z.number().int().min(1).nullable(),
  acceptedThroughSeq: seq,
  lastSeq: seq,
  events: z.array(
    z.object({
      sent: z.boolean(),
      event: z.object({
        seq: seq.min(1),
        label: z.string().optional(),
        kind: z.string(),
        at: z.string(),
        code: z.string().optional(),
        detail: z.string().optional(),
      }),
    }),
  ),
});

function copy(snapshot: JournalSnapshot): JournalSnapshot {
  return { ...snapshot, events: snapshot.events.map((e) => ({ sent: e.sent, event: { ...e.event } })) };
}

export class MemoryJournal implements JournalStore {
  #saved: JournalSnapshot | undefined;

  constructor(initial?: JournalSnapshot) {
    this.#saved = initial ? copy(initial) : undefined;
  }

  load(): JournalSnapshot | undefined {
    return this.#saved ? copy(this.#saved) : undefined;
  }

  save(snapshot: JournalSnapshot): void {
    this.#saved = copy(snapshot);
  }
}

export class FileJournal implements JournalStore {
  constructor(readonly path: string) {}

  load(): JournalSnapshot | undefined {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new Error(`journal ${this.path} is not JSON (${(error as Error).message}); move it away to start afresh`);
    }
    const parsed = snapshotSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(
        `journal ${this.path} is not one this simulator wrote` +
          (issue ? ` (${issue.path.join('.') || 'root'}: ${issue.message})` : '') +
          '; move it away to start afresh',
      );
    }
    return parsed.data;
  }

  save(snapshot: JournalSnapshot): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(snapshot)}\n`);
    renameSync(tmp, this.path);
  }
}
