/**
 * `GET /readyz`: may this instance take traffic? Each check runs with a time
 * limit; the answer lists every check, and names the failing ones.
 *
 * - database: a trivial query answers;
 * - migrations: the newest migration recorded in the database is the newest
 *   this code ships (drizzle/migrations/meta/_journal.json, or
 *   drizzle/migrations-pg's on PostgreSQL). Behind means the
 *   schema is older than the code: not ready. Ahead (a newer instance has
 *   migrated during a rolling upgrade) is ready, with a note: migrations add
 *   before they remove, so the older code keeps working until it is replaced;
 * - redis: when REDIS_URL is configured, the Bus's own `ready` probe.
 *
 * `/healthz` is the liveness probe and touches none of these.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bus } from '../bus/index.js';
import { migrationsFolder, type DatabaseProbe } from '../db/index.js';

export type { DatabaseProbe };

export interface CheckResult {
  name: string;
  ok: boolean;
  /** Milliseconds the check took. */
  ms: number;
  /** What was found (e.g. "6 of 6 applied"), or why it failed. */
  detail?: string;
}

export interface Readiness {
  ok: boolean;
  checks: CheckResult[];
  /** The names of the failing checks, for the 503 answer. */
  failing: string[];
}

export interface ReadinessCheck {
  name: string;
  /** Resolves with a detail when fine; throws (with the reason) when not. */
  run(): Promise<string | undefined>;
}

/** The migrations this code ships, oldest first (the journal drizzle-kit writes). */
export interface JournalEntry {
  tag: string;
  when: number;
}

export function readMigrationJournal(folder = migrationsFolder): JournalEntry[] {
  const journal = JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8')) as {
    entries: JournalEntry[];
  };
  return journal.entries.map(({ tag, when }) => ({ tag, when })).sort((a, b) => a.when - b.when);
}

/** Compares what the database applied with the journal; throws when the database is behind. */
export function describeMigrations(applied: readonly number[], journal: readonly JournalEntry[]): string {
  const newestApplied = applied.length ? Math.max(...applied) : -Infinity;
  // drizzle applies every journal entry newer than the newest it recorded: those are what is missing.
  const missing = journal.filter((e) => e.when > newestApplied);
  if (missing.length) {
    throw new Error(
      `behind: ${journal.length - missing.length} of ${journal.length} applied, missing ${missing.map((m) => m.tag).join(', ')}`,
    );
  }
  const newestKnown = journal.at(-1)?.when ?? -Infinity;
  const ahead = applied.filter((w) => w > newestKnown).length;
  return ahead
    ? `current (${journal.length} known; the database has ${ahead} newer, from a newer release)`
    : `current (${journal.length} of ${journal.length} applied)`;
}

export function readinessChecks(opts: {
  probe: DatabaseProbe;
  journal: readonly JournalEntry[];
  bus: Pick<Bus, 'ready'>;
  redisConfigured: boolean;
}): ReadinessCheck[] {
  const checks: ReadinessCheck[] = [
    {
      name: 'database',
      run: async () => {
        await opts.probe.ping();
        return undefined;
      },
    },
    { name: 'migrations', run: async () => describeMigrations(await opts.probe.appliedMigrations(), opts.journal) },
  ];
  if (opts.redisConfigured) {
    const ready = opts.bus.ready?.bind(opts.bus);
    checks.push({
      name: 'redis',
      run: async () => {
        // REDIS_URL says several instances share one Bus; one that cannot reach it must not take traffic.
        if (!ready) throw new Error('REDIS_URL is set but the Bus in use is in-process: it reaches no other instance');
        await ready();
        return undefined;
      },
    });
  }
  return checks;
}

async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<CheckResult> {
  const start = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const ms = () => Math.round((performance.now() - start) * 10) / 10;
  try {
    const detail = await Promise.race([
      check.run(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { name: check.name, ok: true, ms: ms(), ...(detail ? { detail } : {}) };
  } catch (err) {
    return { name: check.name, ok: false, ms: ms(), detail: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs the checks side by side. Probes that arrive while a round runs share
 * it, so a load balancer (or a flood) polling every instance costs one round
 * of queries at a time, never a queue of them.
 */
export function createReadiness(checks: readonly ReadinessCheck[], timeoutMs = 2_000) {
  let round: Promise<Readiness> | null = null;
  return {
    check(): Promise<Readiness> {
      round ??= Promise.all(checks.map((c) => runCheck(c, timeoutMs))).then((results) => {
        round = null;
        const failing = results.filter((r) => !r.ok).map((r) => r.name);
        return { ok: failing.length === 0, checks: results, failing };
      });
      return round;
    },
  };
}
