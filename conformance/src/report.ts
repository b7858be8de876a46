/**
 * The kit's report: one line per rule checked, PASS, FAIL or SKIP, and on a
 * FAIL what was expected, what happened and where PROTOCOL.md says so.
 */

export type Status = 'PASS' | 'FAIL' | 'SKIP';

/** A rule the kit checks. `section` points into server/src/devices/PROTOCOL.md. */
export interface CheckDef {
  id: string;
  title: string;
  section: string;
  /** The group of the run that checks it; `--only` selects groups. */
  scenario: string;
  /** What the check verifies, in a sentence or two (README and `--list`). */
  verifies: string;
}

export interface CheckResult {
  id: string;
  title: string;
  section: string;
  status: Status;
  /** FAIL: what the protocol asks for. */
  expected?: string;
  /** FAIL: what the kit saw; PASS: what it saw, briefly. */
  actual?: string;
  /** SKIP: why the check could not be made. */
  reason?: string;
}

export interface ReportJson {
  kit: 'baylight-conformance';
  kitVersion: string;
  protocolVersion: number;
  mode: 'controller' | 'server';
  target: string;
  startedAt: string;
  durationMs: number;
  summary: { passed: number; failed: number; skipped: number };
  checks: CheckResult[];
  /** Lines that help reading a FAIL (the controller's last output, the kit's trace). */
  notes: string[];
}

interface Entry {
  def: CheckDef;
  passes: string[];
  failures: { expected: string; actual: string }[];
  skip?: string;
}

export class Report {
  readonly #entries = new Map<string, Entry>();
  readonly #catalog: ReadonlySet<string>;
  readonly #startedAt = new Date();
  readonly notes: string[] = [];

  constructor(
    readonly mode: 'controller' | 'server',
    readonly target: string,
    catalog: readonly CheckDef[],
    scenarios?: ReadonlySet<string>,
  ) {
    this.#catalog = new Set(catalog.map((d) => d.id));
    for (const def of catalog) {
      if (!scenarios || scenarios.has(def.scenario)) this.#entries.set(def.id, { def, passes: [], failures: [] });
    }
  }

  /** True when the check is part of this run (its scenario was selected). */
  has(id: string): boolean {
    return this.#entries.has(id);
  }

  #entry(id: string): Entry | undefined {
    // A typo in a check id is a bug of the kit, not of what it checks.
    if (!this.#catalog.has(id)) throw new Error(`conformance kit: no check named ${id}`);
    return this.#entries.get(id);
  }

  pass(id: string, actual = ''): void {
    const entry = this.#entry(id);
    if (entry && !entry.skip) entry.passes.push(actual);
  }

  fail(id: string, expected: string, actual: string): void {
    const entry = this.#entry(id);
    if (!entry) return;
    entry.skip = undefined;
    entry.failures.push({ expected, actual });
  }

  /** PASS or FAIL by a condition, with the two texts. */
  check(id: string, ok: boolean, expected: string, actual: string): boolean {
    if (ok) this.pass(id, actual);
    else this.fail(id, expected, actual);
    return ok;
  }

  skip(id: string, reason: string): void {
    const entry = this.#entry(id);
    if (!entry || entry.failures.length) return;
    entry.skip = reason;
  }

  /** Whether a check already has a verdict. */
  decided(id: string): boolean {
    const entry = this.#entries.get(id);
    return !!entry && (entry.passes.length > 0 || entry.failures.length > 0 || entry.skip !== undefined);
  }

  failed(id: string): boolean {
    return (this.#entries.get(id)?.failures.length ?? 0) > 0;
  }

  /** Checks of the run that got no verdict: they fail, so a scenario that ended early is seen. */
  closeUndecided(why: string): void {
    for (const [id, entry] of this.#entries) {
      if (!this.decided(id)) entry.failures.push({ expected: 'the check to run', actual: why });
    }
  }

  results(): CheckResult[] {
    return [...this.#entries.values()].map(({ def, passes, failures, skip }) => {
      const base = { id: def.id, title: def.title, section: def.section };
      if (failures.length) {
        const first = failures[0]!;
        const more = failures.length > 1 ? ` (and ${failures.length - 1} more: ${summarise(failures.slice(1))})` : '';
        return { ...base, status: 'FAIL' as const, expected: first.expected, actual: first.actual + more };
      }
      if (skip !== undefined) return { ...base, status: 'SKIP' as const, reason: skip };
      if (passes.length) {
        const actual = passes.filter(Boolean).slice(0, 3).join('; ');
        return { ...base, status: 'PASS' as const, ...(actual ? { actual } : {}) };
      }
      return { ...base, status: 'FAIL' as const, expected: 'the check to run', actual: 'no verdict was recorded' };
    });
  }

  toJSON(kitVersion: string, protocolVersion: number): ReportJson {
    const checks = this.results();
    return {
      kit: 'baylight-conformance',
      kitVersion,
      protocolVersion,
      mode: this.mode,
      target: this.target,
      startedAt: this.#startedAt.toISOString(),
      durationMs: Date.now() - this.#startedAt.getTime(),
      summary: {
        passed: checks.filter((c) => c.status === 'PASS').length,
        failed: checks.filter((c) => c.status === 'FAIL').length,
        skipped: checks.filter((c) => c.status === 'SKIP').length,
      },
      checks,
      notes: this.notes,
    };
  }
}

function summarise(failures: { actual: string }[]): string {
  const text = failures.map((f) => f.actual).join(' | ');
  return text.length > 400 ? `${text.slice(0, 400)}…` : text;
}

/** The checks as the Markdown table of conformance/README.md (`--list --markdown`). */
export function markdownTable(checks: readonly CheckDef[]): string {
  const lines = ['| check | scenario | what it verifies | PROTOCOL.md |', '| --- | --- | --- | --- |'];
  for (const c of checks) {
    lines.push(`| \`${c.id}\` | ${c.scenario} | **${c.title}.** ${c.verifies.replaceAll('|', '\\|')} | ${c.section} |`);
  }
  return lines.join('\n');
}

/** The report as text for people: one line per check, details under each FAIL and SKIP. */
export function formatReport(report: ReportJson, options: { color?: boolean } = {}): string {
  const paint = (code: string, text: string) => (options.color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const label: Record<Status, string> = {
    PASS: paint('32', 'PASS'),
    FAIL: paint('31;1', 'FAIL'),
    SKIP: paint('33', 'SKIP'),
  };
  const width = Math.max(...report.checks.map((c) => c.id.length), 10);
  const lines = [
    `Baylight conformance kit ${report.kitVersion}: protocol version ${report.protocolVersion}, ` +
      (report.mode === 'controller'
        ? `the kit plays the server against the controller ${report.target}`
        : `the kit plays a controller against the server ${report.target}`),
    '',
  ];
  for (const c of report.checks) {
    lines.push(`${label[c.status]}  ${c.id.padEnd(width)}  ${c.title} (PROTOCOL.md ${c.section})`);
    const indent = ' '.repeat(width + 8);
    if (c.status === 'FAIL') {
      lines.push(`${indent}expected: ${c.expected ?? ''}`);
      lines.push(`${indent}happened: ${c.actual ?? ''}`);
    } else if (c.status === 'SKIP') {
      lines.push(`${indent}skipped:  ${c.reason ?? ''}`);
    }
  }
  if (report.notes.length && report.summary.failed) {
    lines.push('', 'Notes:', ...report.notes.map((n) => `  ${n}`));
  }
  const { passed, failed, skipped } = report.summary;
  lines.push(
    '',
    `${passed} passed, ${failed} failed, ${skipped} skipped (${(report.durationMs / 1000).toFixed(1)} s)` +
      (failed ? ': NOT conformant' : ': conformant for every rule checked'),
  );
  return lines.join('\n');
}
