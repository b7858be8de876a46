/**
 * `--controller "<command>"`: the kit plays the server. It starts its strict
 * server on a free port, runs the controller, drives the scenarios, then
 * judges what it saw over the whole run.
 */
import { isZonedTime } from '../protocol.js';
import { Report, type ReportJson } from '../report.js';
import { KIT_VERSION } from '../version.js';
import { CONTROLLER_CHECKS, CONTROLLER_SCENARIOS, type ControllerScenario } from './checks.js';
import { KitServer, type Conn } from './kit-server.js';
import { ControllerProcess } from './process.js';
import {
  closesScenario,
  commandBasicsScenario,
  dedupScenario,
  journalScenario,
  numberingScenario,
  QR_DEPOSITS,
  qrScenario,
  REVOKED_IN_ACK,
} from './scenarios.js';
import { DEVICE_MUTATIONS } from './schema.js';
import { Session, seconds } from './session.js';

export interface ControllerRunOptions {
  /** The command to run, with {url} and {token} replaced. */
  command: string;
  /** Where the command runs (default: the current directory). */
  cwd?: string;
  /** Scenarios to run (default: all). `connect` always runs. */
  only?: readonly ControllerScenario[];
  /** How long the controller may take to connect the first time. Default 30 s. */
  connectTimeoutMs?: number;
  /** Every trace line and controller output line, as it happens. */
  log?: (line: string) => void;
}

/** How long the first connection is kept up (health every 2 s, pings every 1.5 s). */
const SOAK_MS = 7500;

const SCENARIO_RUNNERS: Record<Exclude<ControllerScenario, 'connect'>, (s: Session) => Promise<void>> = {
  commands: dedupScenario,
  journal: journalScenario,
  numbering: numberingScenario,
  qr: qrScenario,
  closes: closesScenario,
};

export async function runControllerConformance(options: ControllerRunOptions): Promise<ReportJson> {
  const selected = new Set<ControllerScenario>(['connect', ...(options.only ?? CONTROLLER_SCENARIOS)]);
  const log = options.log;
  const kit = new KitServer({
    ...(log
      ? { onTrace: (e) => log(`kit [+${(e.t / 1000).toFixed(2)} s${e.conn ? ` #${e.conn}` : ''}] ${e.what}`) }
      : {}),
  });
  for (const [label, dep] of Object.entries(QR_DEPOSITS)) kit.deposits.set(label, dep);
  kit.revokedTokens.push(REVOKED_IN_ACK);
  const url = await kit.start();
  const report = new Report('controller', JSON.stringify(options.command), CONTROLLER_CHECKS, selected);
  const proc = new ControllerProcess(options.command, {
    url,
    token: kit.token,
    cwd: options.cwd ?? process.cwd(),
    now: () => kit.now(),
    ...(log ? { onLine: (line: string) => log(`controller | ${line}`) } : {}),
    onChange: () => kit.emit('change'),
  });
  const session = new Session(kit, proc, report);
  const run = async (name: string, scenario: () => Promise<void>) => {
    kit.note(`=== scenario ${name} ===`);
    try {
      await scenario();
    } catch (err) {
      report.notes.push(`scenario ${name} stopped: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
  };
  report.notes.push(`kit server ${url}; controller command: ${proc.command.replace(kit.token, '{token}')}`);
  try {
    proc.start();
    const connected = await session.waitFor(
      () => kit.conns.some((c) => c.ackedAt !== undefined),
      options.connectTimeoutMs ?? 30_000,
    );
    if (!connected) {
      const why = proc.exited
        ? `the controller exited (${proc.exited.signal ?? `code ${proc.exited.code}`}) without completing a connection`
        : `the controller did not complete a connection to ${url} within ${seconds(options.connectTimeoutMs ?? 30_000)}`;
      judgeInit(session); // a refused init says why
      judgeWire(session);
      report.closeUndecided(why);
      report.notes.push(...proc.tail().map((l) => `controller | ${l}`));
      return report.toJSON(KIT_VERSION, 2);
    }
    await session.ready();
    await session.waitFor(() => proc.hooks, 1500);
    // The first connection is kept up a while: keep-alive, health reports, one subscription.
    // The commands that do not cut the link run meanwhile.
    if (selected.has('commands')) await run('commands (basics)', () => commandBasicsScenario(session));
    const first = kit.live;
    if (first?.ackedAt !== undefined) {
      await session.waitFor(() => kit.live !== first, Math.max(0, first.ackedAt + SOAK_MS - kit.now()));
    }
    for (const scenario of CONTROLLER_SCENARIOS) {
      if (scenario === 'connect' || !selected.has(scenario)) continue;
      if (session.gone) break;
      await run(scenario, () => SCENARIO_RUNNERS[scenario](session));
    }
    // Let the last connection live long enough to judge keep-alive and health on it.
    if (!session.gone && kit.live) await session.sleep(500);
    judgeAll(session);
    const why = proc.exited
      ? `the controller exited (${proc.exited.signal ?? `code ${proc.exited.code}`}) before this check`
      : 'this check could not be made (see the notes)';
    report.closeUndecided(why);
    if (report.toJSON(KIT_VERSION, 2).summary.failed) {
      report.notes.push('Last lines of the controller:', ...proc.tail(15).map((l) => `  ${l}`));
    }
    return report.toJSON(KIT_VERSION, 2);
  } finally {
    await proc.stop();
    await kit.stop();
  }
}

/** Checks judged over the whole run. */
function judgeAll(s: Session): void {
  judgeInit(s);
  judgeWire(s);
  judgeSubscriptions(s);
  judgeKeepAlive(s);
  judgeHealth(s);
  judgeEvents(s);
}

function acked(s: Session): Conn[] {
  return s.kit.conns.filter((c) => c.ackedAt !== undefined);
}

function lifetime(s: Session, c: Conn): number {
  return (c.closedAt ?? s.kit.now()) - (c.ackedAt ?? c.acceptedAt);
}

function judgeInit(s: Session): void {
  const { report, kit } = s;
  const inits = kit.conns.filter((c) => c.init);
  if (!inits.length) return;
  for (const conn of inits) {
    const init = conn.init!;
    const v = init.protocolVersion;
    report.check(
      'C.init.version',
      typeof v === 'number' && Number.isInteger(v) && v >= 2,
      'protocolVersion: 2 in connection_init',
      v === undefined ? 'no protocolVersion: version 1 (deprecated)' : `protocolVersion: ${JSON.stringify(v)}`,
    );
    report.check(
      'C.init.token',
      init.deviceToken === kit.token,
      'deviceToken: the token the kit gave ({token})',
      typeof init.deviceToken === 'string' ? 'another token' : `deviceToken ${JSON.stringify(init.deviceToken)}`,
    );
    const controller = init.controller;
    const isObject = typeof controller === 'object' && controller !== null && !Array.isArray(controller);
    const ctl = (isObject ? controller : {}) as Record<string, unknown>;
    const textProblems = ['model', 'serial', 'firmware']
      .filter((f) => ctl[f] !== undefined && ctl[f] !== null)
      .filter((f) => typeof ctl[f] !== 'string' || ctl[f].length > 100);
    report.check(
      'C.init.controller',
      isObject && textProblems.length === 0,
      'a `controller` object whose model, serial and firmware are text of at most 100 characters',
      !isObject
        ? `controller: ${JSON.stringify(controller) ?? 'absent'}`
        : textProblems.length
          ? `bad: ${textProblems.join(', ')}`
          : `model ${JSON.stringify(ctl.model)}`,
    );
    const caps = ctl.capabilities;
    const capsOk =
      Array.isArray(caps) && caps.length <= 32 && caps.every((x) => typeof x === 'string' && x.length <= 40);
    report.check(
      'C.init.capabilities',
      capsOk,
      'controller.capabilities: a list of at most 32 strings of at most 40 characters',
      `capabilities: ${JSON.stringify(caps) ?? 'absent'}`,
    );
    report.check(
      'C.init.time',
      isZonedTime(ctl.time),
      'controller.time: the controller clock as ISO 8601 with a zone',
      `time: ${JSON.stringify(ctl.time) ?? 'absent'}`,
    );
  }
}

function judgeWire(s: Session): void {
  const bad = s.kit.conns.filter((c) => c.violation);
  s.report.check(
    'C.wire.clean',
    bad.length === 0,
    'no socket closed by the server for a protocol error',
    bad.length
      ? bad.map((c) => `connection #${c.id} closed ${c.violation}`).join('; ')
      : `${s.kit.conns.length} connections, no protocol error`,
  );
  const inline = s.kit.ops.filter((o) => o.inlineArguments.length && DEVICE_MUTATIONS.some((m) => o.field.includes(m)));
  if (s.kit.ops.length) {
    s.report.check(
      'C.variables',
      inline.length === 0,
      'arguments of device operations passed as variables',
      inline.length
        ? inline
            .slice(0, 3)
            .map((o) => o.inlineArguments.join(', '))
            .join('; ')
        : `${s.kit.ops.length} operations, values all in variables`,
    );
  }
}

function judgeSubscriptions(s: Session): void {
  const { report } = s;
  const judged = acked(s).filter((c) => lifetime(s, c) >= 3000);
  if (!judged.length) return report.skip('C.commands.subscribe', 'no connection stayed up for 3 s');
  for (const conn of judged) {
    const subs = conn.ops.filter((o) => o.field === 'lockerCommands');
    const first = subs[0];
    const inTime = first !== undefined && first.at - conn.ackedAt! <= 3000;
    report.check(
      'C.commands.subscribe',
      subs.length === 1 && inTime,
      `one lockerCommands subscription within 3 s of the ack on connection #${conn.id}`,
      subs.length === 0
        ? `connection #${conn.id}: none in ${seconds(lifetime(s, conn))}`
        : subs.length > 1
          ? `connection #${conn.id}: ${subs.length} subscriptions (the second is answered ALREADY_SUBSCRIBED)`
          : `connection #${conn.id}: subscribed ${seconds(first!.at - conn.ackedAt!)} after the ack`,
    );
  }
}

function judgeKeepAlive(s: Session): void {
  const missed = s.kit.conns.filter((c) => c.missedPong);
  const pongs = s.kit.conns.reduce((n, c) => n + c.pongs, 0);
  if (!missed.length && pongs === 0) return s.report.skip('C.keepalive', 'no connection lasted long enough for a ping');
  s.report.check(
    'C.keepalive',
    missed.length === 0,
    `a pong for every ping, before the next one (${s.kit.limits.keepAliveMs} ms)`,
    missed.length
      ? `${missed.length > 1 ? 'connections' : 'connection'} ${missed.map((c) => `#${c.id}`).join(', ')} did not answer a ping in time and ${missed.length > 1 ? 'were' : 'was'} terminated`
      : `${pongs} pings answered`,
  );
}

function judgeHealth(s: Session): void {
  const { report, kit } = s;
  const ids = ['C.health.first', 'C.health.interval', 'C.health.fields'];
  if (!s.capabilities.has('HEALTH_REPORT')) {
    if (kit.health.length === 0) return s.skipAll(ids, 'the controller does not state the capability HEALTH_REPORT');
  }
  const intervalMs = kit.limits.healthIntervalSeconds * 1000;
  const judged = acked(s).filter((c) => lifetime(s, c) >= 3000);
  if (!judged.length) s.skipAll(['C.health.first'], 'no connection stayed up for 3 s');
  for (const conn of judged) {
    const reports = kit.health.filter((h) => h.conn === conn.id);
    const first = reports[0];
    report.check(
      'C.health.first',
      first !== undefined && first.at - conn.ackedAt! <= 3000,
      `reportControllerHealth within 3 s of the ack on connection #${conn.id}`,
      first ? `after ${seconds(first.at - conn.ackedAt!)}` : `none in ${seconds(lifetime(s, conn))}`,
    );
  }
  const long = judged.filter((c) => lifetime(s, c) >= 7000);
  if (!long.length) s.skipAll(['C.health.interval'], 'no connection stayed up for 7 s');
  for (const conn of long) {
    const times = [conn.ackedAt!, ...kit.health.filter((h) => h.conn === conn.id).map((h) => h.at)];
    const end = conn.closedAt ?? kit.now();
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    const tooClose = gaps.slice(1).filter((g) => g < intervalMs / 2);
    const tooLong = [...gaps, end - times.at(-1)!].filter((g) => g > 2 * intervalMs + 1000);
    report.check(
      'C.health.interval',
      tooClose.length === 0 && tooLong.length === 0,
      `on connection #${conn.id}, reports about every ${kit.limits.healthIntervalSeconds} s (limits.healthIntervalSeconds)`,
      `${times.length - 1} reports in ${seconds(end - conn.ackedAt!)}; gaps ${gaps.map(seconds).join(', ') || 'none'}`,
    );
  }
  if (!kit.health.length) return s.skipAll(['C.health.fields'], 'no health report arrived');
  for (const h of kit.health) {
    const i = h.input;
    const problems = [
      isZonedTime(i.at) ? '' : `at ${JSON.stringify(i.at)}`,
      i.uptimeSeconds == null || (i.uptimeSeconds as number) >= 0 ? '' : 'uptimeSeconds < 0',
      i.outboxDepth == null || (i.outboxDepth as number) >= 0 ? '' : 'outboxDepth < 0',
      i.batteryPercent == null || ((i.batteryPercent as number) >= 0 && (i.batteryPercent as number) <= 100)
        ? ''
        : 'batteryPercent outside 0–100',
    ].filter(Boolean);
    report.check('C.health.fields', problems.length === 0, 'valid health fields', problems.join('; ') || 'valid');
  }
}

function judgeEvents(s: Session): void {
  const { report, kit } = s;
  const breaches = (id: string) => kit.breaches.get(id) ?? [];
  const judge = (id: string, expected: string, passText: string) => {
    if (!report.has(id)) return;
    const list = breaches(id);
    if (list.length) for (const b of list) report.fail(id, expected, b);
    else if (!report.decided(id)) report.pass(id, passText);
  };
  if (!kit.reports.length) {
    s.skipAll(
      ['C.events.wellformed', 'C.events.limits', 'C.events.one-batch', 'C.events.no-resend', 'C.events.once'],
      s.noHooks ?? 'the controller sent no events',
    );
  } else {
    const events = kit.reports.reduce((n, r) => n + r.events.length, 0);
    const biggest = Math.max(...kit.reports.map((r) => r.events.length));
    judge('C.events.wellformed', 'every event well-formed (PROTOCOL.md 3 table, 4)', `${events} events checked`);
    judge(
      'C.events.limits',
      `batches of 1–${kit.limits.maxBatchEvents} events, each at most ${kit.limits.maxEventBytes} bytes`,
      `${kit.reports.length} batches, the largest of ${biggest} events`,
    );
    judge(
      'C.events.one-batch',
      'one reportLockerEvents at a time per connection',
      `${kit.reports.length} batches, one at a time`,
    );
    judge('C.events.no-resend', 'no seq sent again once an answer or ack covering it was received', 'none resent');
    judgeOnce(s);
  }
  if (report.has('C.events.rejected') && breaches('C.events.rejected').length) {
    for (const b of breaches('C.events.rejected'))
      report.fail('C.events.rejected', 'a rejected event not sent again', b);
  }
  if (report.has('C.events.lost-range')) {
    const bad = kit.lost.filter((l) => l.error);
    if (!kit.lost.length)
      report.skip('C.events.lost-range', 'the controller never declared events lost (it did not need to)');
    else {
      report.check(
        'C.events.lost-range',
        bad.length === 0,
        'markLockerEventsLost(fromSeq = acceptedThroughSeq + 1, throughSeq ≥ fromSeq, reason of 1–500 characters)',
        bad.length
          ? bad
              .map((l) => `(${String(l.from)}, ${String(l.through)}, ${JSON.stringify(l.reason)}): ${l.error}`)
              .join('; ')
          : kit.lost.map((l) => `${String(l.from)}–${String(l.through)} "${String(l.reason)}"`).join('; '),
      );
    }
  }

  const ups = kit.upgrades;
  const tight: string[] = [];
  for (let i = 1; i < ups.length; i++) {
    if (ups[i - 1]!.refused && ups[i]!.at - ups[i - 1]!.at < 250) {
      tight.push(`attempts at +${seconds(ups[i - 1]!.at)} and +${seconds(ups[i]!.at)}`);
    }
  }
  if (report.has('C.reconnect.spaced')) {
    const refused = ups.filter((u) => u.refused).length;
    if (!refused && !report.decided('C.reconnect.spaced')) {
      report.pass('C.reconnect.spaced', 'no attempt while the kit refused connections');
    } else {
      report.check(
        'C.reconnect.spaced',
        tight.length === 0,
        'attempts at least 250 ms apart while the server refuses connections',
        tight.length
          ? `${tight.length} pairs too close, e.g. ${tight.slice(0, 2).join('; ')}`
          : `${refused} refused attempts, spaced`,
      );
    }
  }
}

/** C.events.once: every hook event stored exactly once; no seq reused for other content outside the conflict scenario. */
function judgeOnce(s: Session): void {
  const { report, kit } = s;
  if (!report.has('C.events.once')) return;
  const problems: string[] = [];
  for (const h of s.hookEvents) {
    const n = s.stored(h.detail).length;
    if (n > 1) problems.push(`${h.detail} stored ${n} times`);
    // The rejected-event probe has its own check (a controller may decline to record a door it lacks).
    if (n === 0 && !s.forgotten.has(h.detail) && h.label !== 'Z9') problems.push(`${h.detail} never stored`);
  }
  const foreign = new Set(
    kit.journal
      .events()
      .filter((e) => e.foreign)
      .map((e) => e.seq),
  );
  for (const r of kit.reports) {
    for (const c of r.answer?.conflicts ?? []) {
      if (!foreign.has(c.seq)) problems.push(`seq ${c.seq} sent with other content than stored (a seq reused)`);
    }
  }
  if (!s.hookEvents.length && !problems.length) return report.skip('C.events.once', s.noHooks ?? 'no hook events');
  report.check(
    'C.events.once',
    problems.length === 0,
    'each event recorded through the hooks stored exactly once, no seq reused',
    problems.length ? problems.slice(0, 6).join('; ') : `${s.hookEvents.length} events, each stored once`,
  );
}
