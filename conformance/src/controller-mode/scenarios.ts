/**
 * The situations the kit provokes, one function per scenario (checks.ts says
 * which rules each one judges). Each waits for the controller with generous
 * timeouts (a busy machine), and records PASS/FAIL/SKIP with what it saw.
 */
import { generateSigningKey, signPickupToken, type PickupClaims, type SigningKey } from '../jws.js';
import { KIT_BANK_ID, type KitCommand } from './kit-server.js';
import { FUTURE_COMMAND_KIND } from './schema.js';
import { seconds, type Session } from './session.js';

const HOUR = 3_600_000;
const ROUNDS_4000 = 4;
/**
 * How long to wait for a reconnect while the back-off grows: PROTOCOL.md 2 caps
 * a delay at 30 s, so a controller in its fifth supersede in a row may
 * rightly wait that long (the simulator draws from [1 s, 30 s] there).
 */
const RECONNECT_WAIT_MS = 40_000;

function answerText(command: KitCommand): string {
  if (!command.answers.length) return 'no acknowledgeCommand arrived';
  return command.answers
    .map((a) => `acknowledgeCommand(${a.outcome}${a.detail ? `, "${a.detail}"` : ''})`)
    .join(', then ');
}

// =============================================================================
// commands
// =============================================================================

export async function commandBasicsScenario(s: Session): Promise<void> {
  const { kit, proc, report } = s;
  const live = await s.ready();
  if (!live) {
    for (const id of ['C.cmd.open', 'C.cmd.expired', 'C.cmd.ttl', 'C.cmd.unknown-kind', 'C.cmd.revoke', 'C.cmd.dedup'])
      report.fail(id, 'a live connection to send commands on', 'the controller was not connected');
    return;
  }
  const t0 = kit.now();
  const open = kit.newCommand({ kind: 'OPEN_COMPARTMENT', compartmentLabel: 'A13', via: 'REMOTE' }, 20_000);
  const expired = kit.newCommand({ kind: 'OPEN_COMPARTMENT', compartmentLabel: 'A14', via: 'REMOTE' }, 600_000);
  expired.forceTtlMs = 0;
  const wallClock = kit.newCommand({ kind: 'OPEN_COMPARTMENT', compartmentLabel: 'A15', via: 'REMOTE' }, 20_000);
  wallClock.displayExpiresAt = new Date(Date.now() - HOUR);
  const future = kit.newCommand({ kind: FUTURE_COMMAND_KIND, compartmentLabel: 'A13' }, 20_000);
  const revoke = kit.newCommand(
    { kind: 'REVOKE_PICKUP_TOKEN', compartmentLabel: 'A12', tokenId: 'qr_kit_revocation_probe' },
    600_000,
  );
  const all = [open, expired, wallClock, future, revoke];
  for (const command of all) kit.issue(command);
  await s.waitFor(() => all.every((c) => c.answers.length > 0), 6000);
  if (proc.hooks) await s.sleep(1000); // unlock lines may trail the answers

  const hooks = proc.hooks;
  const first = (c: KitCommand) => c.answers[0];
  report.check(
    'C.cmd.open',
    first(open)?.outcome === 'OPENED' && (!hooks || proc.unlocksOf('A13', t0) >= 1),
    `acknowledgeCommand(OPENED) within 5 s${hooks ? ', and "BAYLIGHT-UNLOCK A13"' : ''}`,
    `${answerText(open)}${hooks ? `; A13 unlocked ${proc.unlocksOf('A13', t0)} time(s)` : ''}`,
  );
  report.check(
    'C.cmd.expired',
    first(expired)?.outcome === 'EXPIRED' && proc.unlocksOf('A14', t0) === 0,
    'acknowledgeCommand(EXPIRED) and the door A14 left locked: the command arrived with ttlMs 0',
    `${answerText(expired)}${hooks ? `; A14 unlocked ${proc.unlocksOf('A14', t0)} time(s)` : ''}`,
  );
  report.check(
    'C.cmd.ttl',
    first(wallClock)?.outcome === 'OPENED',
    'acknowledgeCommand(OPENED): ttlMs was 20000 on receipt; expiresAt (an hour ago) is for display, the wall clock may be wrong',
    answerText(wallClock),
  );
  const futureAnswer = first(future);
  report.check(
    'C.cmd.unknown-kind',
    futureAnswer?.outcome === 'FAILED' && /unsupported/i.test(futureAnswer.detail ?? ''),
    `acknowledgeCommand(FAILED, detail "unsupported") for the unknown kind ${FUTURE_COMMAND_KIND}`,
    answerText(future),
  );
  report.check(
    'C.cmd.revoke',
    first(revoke)?.outcome === 'DONE',
    'acknowledgeCommand(DONE) for REVOKE_PICKUP_TOKEN',
    answerText(revoke),
  );
}

/** De-duplication: the acknowledgement is lost with the link, the command comes again. */
export async function dedupScenario(s: Session): Promise<void> {
  const { kit, proc, report } = s;
  const live = await s.ready();
  if (!live) return report.fail('C.cmd.dedup', 'a live connection', 'the controller was not connected');
  const t0 = kit.now();
  const command = kit.newCommand({ kind: 'OPEN_COMPARTMENT', compartmentLabel: 'A16', via: 'REMOTE' }, 60_000);
  command.dropNextAnswer = true;
  kit.issue(command);
  const answered = await s.waitFor(() => command.answers.length > 0, 6000);
  if (!answered) return report.fail('C.cmd.dedup', 'an acknowledgement of the command for A16', 'none within 6 s');
  const tCut = kit.now() + 300; // the kit cuts the link 300 ms after the swallowed acknowledgement
  const again = await s.ackedAfter(tCut, 20_000);
  recordLinkLost(s, tCut, again?.acceptedAt);
  if (!again) return report.fail('C.cmd.dedup', 'a reconnect after the cut', 'no connection within 20 s');
  await s.waitFor(() => command.deliveries.length >= 2 && command.answers.length >= 2, 8000);
  if (proc.hooks) await s.sleep(1500);
  const redelivered = command.deliveries.length >= 2;
  const answeredAgain = command.answers.length >= 2;
  if (!redelivered) {
    return report.fail(
      'C.cmd.dedup',
      'the controller to subscribe to lockerCommands after the reconnect, so the kit can deliver the command again',
      'the command could not be delivered again',
    );
  }
  if (proc.hooks) {
    const unlocks = proc.unlocksOf('A16', t0);
    report.check(
      'C.cmd.dedup',
      unlocks === 1 && answeredAgain,
      'the same command id, delivered again after the reconnect, answered again and A16 unlocked once only',
      `${answerText(command)}; A16 unlocked ${unlocks} time(s)`,
    );
    return;
  }
  const doorEvents = kit.journal.events().filter((e) => e.label === 'A16' && e.kind === 'DOOR_OPENED').length;
  if (doorEvents === 0) {
    report.skip(
      'C.cmd.dedup',
      `${s.noHooks ?? ''}; nor did it report DOOR_OPENED for A16, so a second opening cannot be seen (it ${
        answeredAgain ? 'did' : 'did not'
      } answer the command again)`,
    );
    return;
  }
  report.check(
    'C.cmd.dedup',
    doorEvents === 1 && answeredAgain,
    'the command delivered again answered again, and A16 opened once (one DOOR_OPENED)',
    `${answerText(command)}; ${doorEvents} DOOR_OPENED events for A16`,
  );
}

/** C.reconnect.link-lost: after a cut at `tCut`, did the controller come back? */
function recordLinkLost(s: Session, tCut: number, acceptedAt: number | undefined): void {
  s.report.check(
    'C.reconnect.link-lost',
    acceptedAt !== undefined,
    'a new connection within 20 s after the link was cut without a close frame',
    acceptedAt !== undefined
      ? `reconnected after ${seconds(acceptedAt - tCut)}`
      : `no connection within 20 s (${s.recentTrace(tCut, 4)})`,
  );
}

// =============================================================================
// journal
// =============================================================================

const JOURNAL_EVENTS: [string, string][] = [
  ['A05', 'DOOR_OPENED'],
  ['A05', 'OCCUPIED'],
  ['A05', 'DOOR_CLOSED'],
  ['A06', 'DOOR_OPENED'],
  ['A06', 'EMPTY'],
  ['A06', 'DOOR_CLOSED'],
  ['A07', 'TAMPER'],
  ['A07', 'DOOR_OPENED'],
  ['A07', 'CHARGING'],
  ['A07', 'CHARGED'],
  ['A07', 'DOOR_CLOSED'],
  ['A08', 'FAULT_CLEARED'],
];

export async function journalScenario(s: Session): Promise<void> {
  const { kit, report } = s;
  const ids = ['C.journal.kept', 'C.journal.first', 'C.journal.lost-answer'];
  if (s.noHooks) {
    s.skipAll(ids, s.noHooks);
    // A cut link can be judged without hooks.
    if (await s.ready()) {
      const tCut = kit.now();
      kit.cutLive();
      recordLinkLost(s, tCut, (await s.ackedAfter(tCut, 20_000))?.acceptedAt);
    }
    return;
  }
  const live = await s.ready();
  if (!live) {
    for (const id of ids) report.fail(id, 'a live connection', 'the controller was not connected');
    return;
  }
  const tCut = kit.now();
  kit.refuseConnections = true;
  kit.cutLive();
  await s.sleep(300);
  const details: string[] = [];
  JOURNAL_EVENTS.forEach(([label, kind], i) => {
    const detail = `kit-journal-${String(i + 1).padStart(2, '0')}`;
    if (s.hookEvent(label, kind, detail)) details.push(detail);
  });
  await s.sleep(600);
  kit.dropNextReport = true;
  kit.refuseConnections = false;
  const tOpen = kit.now();
  const back = await s.ackedAfter(tOpen, 25_000);
  recordLinkLost(s, tCut, back?.acceptedAt);
  if (!back) {
    kit.dropNextReport = false;
    for (const id of ids) report.fail(id, 'a reconnect after the server was reachable again', 'none within 25 s');
    return;
  }
  const newDetail = 'kit-journal-after-reconnect';
  s.hookEvent('A08', 'DOOR_OPENED', newDetail);
  await s.waitStored([...details, newDetail], 20_000);
  kit.dropNextReport = false;

  // kept: each journal event stored once, consecutive seqs in the order recorded.
  const seqs = details.map((d) => s.stored(d).map((e) => e.seq));
  const missing = details.filter((_, i) => seqs[i]!.length === 0);
  const twice = details.filter((_, i) => seqs[i]!.length > 1);
  const firstSeqs = seqs.map((list) => list[0]);
  const consecutive = firstSeqs.every((seq, i) => i === 0 || (seq !== undefined && seq === firstSeqs[i - 1]! + 1));
  report.check(
    'C.journal.kept',
    missing.length === 0 && twice.length === 0 && consecutive,
    `the ${details.length} events recorded while disconnected stored once each, in the order recorded, with consecutive seqs`,
    missing.length
      ? `${missing.length} never arrived (${missing.join(', ')}); stored seqs: ${firstSeqs.map((x) => x ?? '–').join(', ')}`
      : twice.length
        ? `stored twice: ${twice.join(', ')}`
        : consecutive
          ? `stored as seqs ${firstSeqs[0]}–${firstSeqs.at(-1)}`
          : `stored out of order or with gaps: seqs ${firstSeqs.join(', ')}`,
  );

  const after = s.stored(newDetail)[0];
  const lastJournal = Math.max(...firstSeqs.map((x) => x ?? -1));
  report.check(
    'C.journal.first',
    after !== undefined && after.seq > lastJournal,
    'the event recorded just after the reconnect numbered and stored after the whole journal',
    after === undefined
      ? 'the event recorded after the reconnect never arrived'
      : `it got seq ${after.seq}; the journal ended at seq ${lastJournal}`,
  );

  const dropped = kit.reports.find((r) => r.dropped && r.at >= tOpen);
  if (!dropped) {
    report.fail('C.journal.lost-answer', 'a batch after the reconnect', 'the controller sent no batch to drop');
    return;
  }
  const droppedSeqs = new Set(dropped.events.map((e) => e.seq));
  const resent = kit.reports.some(
    (r) => r.conn !== dropped.conn && r.events.some((e) => droppedSeqs.has(e.seq) || isSameEvent(e, dropped.events)),
  );
  report.check(
    'C.journal.lost-answer',
    resent,
    `the events of the batch left unanswered (seqs ${[...droppedSeqs].join(', ')}) sent again after the next reconnect`,
    resent ? 'sent again and stored' : `never sent again (${s.recentTrace(dropped.at, 6)})`,
  );
}

function isSameEvent(e: { detail?: string | null }, list: readonly { detail?: string | null }[]): boolean {
  return !!e.detail && list.some((x) => x.detail === e.detail);
}

// =============================================================================
// numbering: rejections, conflicts, a restored server
// =============================================================================

export async function numberingScenario(s: Session): Promise<void> {
  const { kit, report } = s;
  const ids = ['C.events.rejected', 'C.events.conflict', 'C.events.resend-from'];
  if (s.noHooks) {
    s.skipAll(ids, s.noHooks);
    return;
  }

  // --- a rejected event does not block the journal ---------------------------
  let live = await s.ready();
  if (!live) {
    for (const id of ids) report.fail(id, 'a live connection', 'the controller was not connected');
    return;
  }
  s.hookEvent('Z9', 'DOOR_OPENED', 'kit-rejected-z9');
  s.hookEvent('A06', 'DOOR_CLOSED', 'kit-after-rejected');
  await s.waitStored(['kit-after-rejected'], 10_000);
  await s.sleep(1500);
  const z9 = s.stored('kit-rejected-z9')[0];
  const next = s.stored('kit-after-rejected')[0];
  if (!z9) {
    report.skip(
      'C.events.rejected',
      'the controller did not report the event for door Z9 that the kit asked for through the hooks (the `event` hook must record events as given)',
    );
  } else if (!next) {
    report.fail(
      'C.events.rejected',
      'the event after the rejected one (A06) stored: a rejection never blocks the journal',
      `it never arrived (${s.recentTrace(kit.now() - 10_000, 5)})`,
    );
  } else if (!report.failed('C.events.rejected')) {
    report.pass('C.events.rejected', `Z9 (seq ${z9.seq}) rejected ${z9.rejection}, A06 stored as seq ${next.seq}`);
  }

  // --- a conflict: the next seqs are taken ---------------------------------------
  live = await s.ready();
  if (!live) {
    report.fail('C.events.conflict', 'a live connection', 'the controller was not connected');
  } else {
    const taken = kit.journal.insertForeign(5, new Date().toISOString());
    kit.note(`kit: seqs ${taken.from}–${taken.through} taken by another device (conflict scenario)`);
    const details = ['kit-conflict-1', 'kit-conflict-2', 'kit-conflict-3'];
    s.hookEvent('A07', 'OCCUPIED', details[0]!);
    s.hookEvent('A07', 'DOOR_CLOSED', details[1]!);
    s.hookEvent('A08', 'TAMPER', details[2]!);
    const tConflict = kit.now();
    await s.waitStored(details, 15_000);
    const conflicted = kit.reports.some((r) => r.at >= tConflict && (r.answer?.conflicts.length ?? 0) > 0);
    const stored = details.map((d) => s.stored(d)[0]);
    const firstSent = details.map((d) => kit.reports.flatMap((r) => r.events).find((e) => e.detail === d));
    const problems: string[] = [];
    details.forEach((d, i) => {
      const e = stored[i];
      if (!e) problems.push(`${d} never stored`);
      else if (e.seq <= taken.through) problems.push(`${d} stored as seq ${e.seq}, inside the taken range`);
      else if (firstSent[i] && firstSent[i].at !== e.at) problems.push(`${d} changed its at`);
    });
    if (!conflicted && problems.length === 0) {
      report.skip('C.events.conflict', 'no conflict arose: the controller numbered after the taken seqs by itself');
    } else {
      report.check(
        'C.events.conflict',
        problems.length === 0,
        `after the conflict, the three events renumbered from ${taken.through + 1} with their at unchanged, and stored`,
        problems.length
          ? `${problems.join('; ')} (${s.recentTrace(tConflict, 5)})`
          : `stored as seqs ${stored.map((e) => e!.seq).join(', ')}`,
      );
    }
  }

  // --- a restored server: its log ends before what it acknowledged -------------
  live = await s.ready();
  if (!live) {
    report.fail('C.events.resend-from', 'a live connection', 'the controller was not connected');
    return;
  }
  while (kit.journal.acceptedThroughSeq < 3) {
    const detail = `kit-filler-${kit.journal.acceptedThroughSeq}`;
    if (!s.hookEvent('A05', 'TAMPER', detail) || !(await s.waitStored([detail], 10_000))) break;
  }
  const tCut = kit.now();
  kit.refuseConnections = true;
  kit.cutLive();
  await s.sleep(300);
  const details = ['kit-restore-1', 'kit-restore-2'];
  s.hookEvent('A05', 'DOOR_OPENED', details[0]!);
  s.hookEvent('A05', 'DOOR_CLOSED', details[1]!);
  await s.sleep(300);
  const before = kit.journal.acceptedThroughSeq;
  const keep = Math.max(0, before - 2);
  for (const e of kit.journal.events()) if (e.seq > keep && e.detail) s.forgotten.add(e.detail);
  kit.journal.truncateTo(keep);
  kit.note(`kit: restored from a backup; the log ends at ${keep} again (it had ${before})`);
  kit.refuseConnections = false;
  const back = await s.ackedAfter(kit.now(), 25_000);
  recordLinkLost(s, tCut, back?.acceptedAt);
  const ok = await s.waitStored(details, 15_000);
  const lost = kit.lost.filter((l) => l.at >= tCut && !l.error);
  const how = lost.length
    ? `declared ${lost.map((l) => `${String(l.from)}–${String(l.through)}`).join(', ')} lost, then resent`
    : 'resent or renumbered';
  report.check(
    'C.events.resend-from',
    ok,
    `the two events recorded meanwhile stored within 15 s of the reconnect (the ack said acceptedThroughSeq ${keep})`,
    ok
      ? `${how}: stored as seqs ${details.map((d) => s.stored(d)[0]!.seq).join(', ')}`
      : `not stored (${s.recentTrace(tCut, 8)})`,
  );
}

// =============================================================================
// qr
// =============================================================================

const QR_IDS = [
  'C.qr.online',
  'C.qr.offline-valid',
  'C.qr.offline-once',
  'C.qr.offline-deposit',
  'C.qr.offline-expiry',
  'C.qr.offline-revoked',
  'C.qr.offline-forged',
  'C.qr.offline-keys',
];
const OFFLINE_IDS = QR_IDS.slice(1);

/** Deposits the kit's acks state from the start (the QR scenario relies on them). */
export const QR_DEPOSITS: Record<string, string> = Object.fromEntries(
  ['A02', 'A04', 'A05', 'A06', 'A07', 'A08', 'A09', 'A10', 'A11', 'A12'].map((l) => [l, `dep_${l}`]),
);
QR_DEPOSITS.A03 = 'dep_A03_old';
export const REVOKED_IN_ACK = 'qr_kit_revoked_in_ack';

export async function qrScenario(s: Session): Promise<void> {
  const { kit, proc, report } = s;
  if (s.noHooks) return s.skipAll(QR_IDS, s.noHooks);
  const caps = s.capabilities;
  const online = caps.has('QR_READER') || caps.has('OFFLINE_QR');
  if (!online) {
    return s.skipAll(QR_IDS, 'the controller states neither QR_READER nor OFFLINE_QR in its capabilities');
  }
  if (!caps.has('OFFLINE_QR')) s.skipAll(OFFLINE_IDS, 'the controller does not state the capability OFFLINE_QR');

  // A fresh ack whose server clock is 2 h ahead of the controller's.
  kit.serverShiftMs = 2 * HOUR;
  let live = await s.ready();
  if (live) {
    kit.closeLive(1012, 'service restart');
    live = await s.ackedAfter(kit.now(), 25_000);
    live = live ? await s.ready() : undefined;
  }
  if (!live) {
    kit.serverShiftMs = 0;
    for (const id of QR_IDS)
      if (!report.decided(id)) report.fail(id, 'a live connection', 'the controller was not connected');
    return;
  }
  const serverNowS = () => Math.floor(kit.serverNow() / 1000);
  let n = 0;
  const token = (cmp: string, claims: Partial<PickupClaims> = {}, key: SigningKey = kit.keys.current, header = {}) =>
    signPickupToken(
      key,
      {
        sub: `pcl_kit_${++n}`,
        dep: QR_DEPOSITS[cmp] ?? `dep_${cmp}`,
        bank: KIT_BANK_ID,
        cmp,
        jti: `qr_kit_${n}_${cmp}`,
        exp: serverNowS() + 600,
        ...claims,
      },
      header,
    );

  // --- online ------------------------------------------------------------------
  const onlineToken = token('A09');
  kit.onlineQr.set(onlineToken, { label: 'A09', used: false });
  const tOnline = kit.now();
  proc.hook(`qr ${onlineToken}`);
  const redeemed = await s.waitFor(() => kit.qrRedeems.some((r) => r.token === onlineToken), 5000);
  await s.waitFor(() => proc.unlocksOf('A09', tOnline) > 0, 5000);
  const sent = [...kit.commands.values()].find((c) => c.compartmentLabel === 'A09' && c.via === 'QR');
  const delivered = sent?.deliveries[0]?.at;
  const unlockedAt = proc.unlocks.find((u) => u.label === 'A09' && u.t >= tOnline)?.t;
  report.check(
    'C.qr.online',
    redeemed && delivered !== undefined && unlockedAt !== undefined && unlockedAt >= delivered,
    'redeemPickupQr with the token, then A09 unlocked once OPEN_COMPARTMENT arrived (half a second after the answer)',
    !redeemed
      ? 'no redeemPickupQr within 5 s'
      : unlockedAt === undefined
        ? 'A09 was not unlocked'
        : delivered === undefined || unlockedAt < delivered
          ? `A09 was unlocked ${seconds((delivered ?? kit.now()) - unlockedAt)} before the command arrived: it opened on the answer`
          : `unlocked ${seconds(unlockedAt - delivered)} after the command`,
  );
  if (!caps.has('OFFLINE_QR')) {
    kit.serverShiftMs = 0;
    return;
  }

  // --- what changes while online: a revocation and a new deposit in A03 ---------
  const revokedByCommandJti = 'qr_kit_revoked_by_command';
  const revokedByCommand = token('A04', { jti: revokedByCommandJti });
  const revoke = kit.issue(
    kit.newCommand(
      { kind: 'REVOKE_PICKUP_TOKEN', compartmentLabel: 'A04', tokenId: revokedByCommandJti },
      7 * 24 * HOUR,
    ),
  );
  const deposit = kit.issue(
    kit.newCommand({ kind: 'OPEN_COMPARTMENT', compartmentLabel: 'A03', depositId: 'dep_A03_new', via: 'DEPOSIT' }),
  );
  await s.waitFor(() => revoke.answers.length > 0 && deposit.answers.length > 0, 6000);
  kit.deposits.set('A03', 'dep_A03_new');
  await s.sleep(700); // the unlock of A03 by that command is not one of the offline ones

  // --- offline -------------------------------------------------------------------
  const forger = generateSigningKey(kit.keys.current.kid);
  const shown: { name: string; cmp: string; token: string }[] = [
    { name: 'old deposit', cmp: 'A03', token: token('A03', { dep: 'dep_A03_old' }) },
    { name: 'new deposit', cmp: 'A03', token: token('A03', { dep: 'dep_A03_new' }) },
    { name: 'valid', cmp: 'A02', token: token('A02') },
    { name: 'revoked by command', cmp: 'A04', token: revokedByCommand },
    { name: 'revoked in the ack', cmp: 'A05', token: token('A05', { jti: REVOKED_IN_ACK }) },
    { name: 'expired on the server time line', cmp: 'A06', token: token('A06', { exp: serverNowS() - 400 }) },
    { name: 'retiring key', cmp: 'A07', token: token('A07', {}, kit.keys.retiring) },
    { name: 'forged signature', cmp: 'A08', token: token('A08', {}, forger) },
    { name: 'retired key', cmp: 'A10', token: token('A10', {}, kit.keys.retired) },
    { name: 'other bank', cmp: 'A11', token: token('A11', { bank: 'bank_somewhere_else' }) },
    { name: 'wrong typ', cmp: 'A11', token: token('A11', {}, kit.keys.current, { typ: 'JWT' }) },
    { name: 'no dep', cmp: 'A12', token: token('A12', { dep: undefined }) },
    { name: 'door without deposit', cmp: 'A01', token: token('A01', { dep: 'dep_A01_none' }) },
    { name: 'no such door', cmp: 'A99', token: token('A99') },
  ];
  const valid = shown.find((t) => t.name === 'valid')!;
  const tOff = kit.now();
  kit.refuseConnections = true;
  kit.cutLive();
  await s.sleep(500);
  for (const t of [...shown.slice(0, 3), valid, ...shown.slice(3)]) {
    proc.hook(`qr ${t.token}`);
    await s.sleep(100);
  }
  s.hookEvent('A12', 'TAMPER', 'kit-qr-marker');
  await s.sleep(1000);
  kit.refuseConnections = false;
  const back = await s.ackedAfter(kit.now(), 25_000);
  recordLinkLost(s, tOff, back?.acceptedAt);
  await s.waitStored(['kit-qr-marker'], 20_000);
  await s.sleep(500);
  kit.serverShiftMs = 0;

  const unlocks = (label: string) => proc.unlocksOf(label, tOff);
  const events = (t: { token: string }) =>
    kit.journal.events().filter((e) => e.kind === 'PICKUP_QR_OFFLINE' && e.detail === t.token);
  const byName = (name: string) => shown.find((t) => t.name === name)!;
  const refusedText = (names: string[]) =>
    names
      .map((name) => {
        const t = byName(name);
        const opened = unlocks(t.cmp);
        const reported = events(t).length;
        return opened || reported ? `${name} (${t.cmp}): opened ${opened}×, reported ${reported}×` : '';
      })
      .filter(Boolean)
      .join('; ');
  const refused = (names: string[], id: string, expected: string) => {
    const wrong = refusedText(names);
    report.check(id, wrong === '', expected, wrong || 'all refused');
  };

  const validEvents = events(valid);
  report.check(
    'C.qr.offline-valid',
    unlocks('A02') >= 1 && validEvents.length >= 1 && validEvents.every((e) => e.label === 'A02'),
    'A02 unlocked offline, and after the reconnect a PICKUP_QR_OFFLINE event with label A02 and the token as detail',
    `A02 unlocked ${unlocks('A02')}×; ${validEvents.length} PICKUP_QR_OFFLINE event(s) with the token${
      validEvents.length ? ` (label ${validEvents.map((e) => e.label).join(', ')})` : ''
    }`,
  );
  report.check(
    'C.qr.offline-once',
    unlocks('A02') <= 1 && validEvents.length <= 1,
    'the token shown a second time refused: A02 opens once and one event is reported',
    `A02 unlocked ${unlocks('A02')}×; ${validEvents.length} event(s)`,
  );
  const newDep = events(byName('new deposit'));
  const depProblems = [
    unlocks('A03') === 1 && newDep.length === 1
      ? ''
      : `A03 unlocked ${unlocks('A03')}× offline, ${newDep.length} event(s) for the token naming dep_A03_new (expected 1 and 1)`,
    events(byName('old deposit')).length ? 'the token naming dep_A03_old was reported as a pickup' : '',
    refusedText(['no dep', 'door without deposit']),
  ].filter(Boolean);
  report.check(
    'C.qr.offline-deposit',
    depProblems.length === 0,
    'A03 opened by the token naming the deposit from the OPEN_COMPARTMENT (dep_A03_new), not by the one naming the deposit of the ack; tokens without dep or for a door holding none refused',
    depProblems.join('; ') || 'as expected',
  );
  refused(
    ['expired on the server time line'],
    'C.qr.offline-expiry',
    'the token with exp 400 s before the server time (per connection_ack.server.time, 2 h ahead of the controller clock) refused',
  );
  refused(
    ['revoked by command', 'revoked in the ack'],
    'C.qr.offline-revoked',
    'tokens revoked by REVOKE_PICKUP_TOKEN (A04) and listed in revokedPickupTokens (A05) refused',
  );
  refused(
    ['forged signature', 'other bank', 'wrong typ', 'no such door'],
    'C.qr.offline-forged',
    'tokens with a forged signature, another bank, typ "JWT", or a door not in the ack refused',
  );
  const retiring = events(byName('retiring key'));
  const keyProblems = [
    unlocks('A07') === 1 && retiring.length === 1
      ? ''
      : `the token signed by the retiring key (retiresAt tomorrow): A07 unlocked ${unlocks('A07')}×, ${retiring.length} event(s) (expected 1 and 1)`,
    refusedText(['retired key']),
  ].filter(Boolean);
  report.check(
    'C.qr.offline-keys',
    keyProblems.length === 0,
    'a token signed by the key retiring tomorrow opens A07; one signed by the key retired yesterday does not open A10',
    keyProblems.join('; ') || 'as expected',
  );
}

// =============================================================================
// closes
// =============================================================================

export async function closesScenario(s: Session): Promise<void> {
  const { kit, report } = s;

  // --- 4001 ---------------------------------------------------------------------
  let live = await s.ready();
  if (!live) {
    for (const id of ['C.close.4001', 'C.close.4002', 'C.close.4000', 'C.close.4000-growing', 'C.close.4403'])
      report.fail(id, 'a live connection', 'the controller was not connected');
    return;
  }
  let t = kit.now();
  kit.closeLive(4001, 'pickup keys rotated');
  const back = await s.ackedAfter(t, 15_000);
  report.check(
    'C.close.4001',
    !!back,
    'a new connection within 15 s after 4001',
    back ? `reconnected after ${seconds(back.acceptedAt - t)}` : 'no connection within 15 s',
  );

  // --- 4002 -----------------------------------------------------------------------
  live = await s.ready();
  if (live) {
    kit.nextInitClose = { code: 4002, reason: 'superseded by a newer connection' };
    kit.closeLive(1012, 'service restart');
    const superseded = () => kit.conns.find((c) => c.kitClose?.code === 4002 && c.closedAt !== undefined);
    const refusedConn = await s.waitFor(() => !!superseded(), 20_000);
    const closed = superseded();
    if (!refusedConn || !closed) {
      kit.nextInitClose = undefined;
      report.fail('C.close.4002', 'a reconnect the kit could answer with 4002', 'the controller did not connect again');
    } else {
      const next = await s.attemptAfter(closed.closedAt! + 1, 15_000);
      const delay = next ? next.at - closed.closedAt! : undefined;
      report.check(
        'C.close.4002',
        delay !== undefined && delay >= 500,
        'a new connection after 4002, no sooner than 0.5 s (back-off from 1 s ± 50 %) and within 15 s',
        delay === undefined ? 'no connection within 15 s' : `reconnected after ${seconds(delay)}`,
      );
    }
  } else report.fail('C.close.4002', 'a live connection', 'the controller was not connected');

  // --- 4000 four times in a row -------------------------------------------------
  // Back-off is random: one delay proves little. Four in a row tell a back-off
  // that restarts at its minimum after each 4000 (about 1 s every time) from one
  // that keeps growing (1, 2, 4, 8 s ± 50 %, or full jitter under a doubling ceiling).
  const delays: number[] = [];
  for (let i = 0; i < ROUNDS_4000; i++) {
    live = await s.ready(RECONNECT_WAIT_MS);
    if (!live) break;
    t = kit.now();
    kit.closeLive(4000, 'replaced by a newer connection');
    const next = await s.attemptAfter(t + 1, RECONNECT_WAIT_MS);
    if (!next) break;
    delays.push(next.at - t);
  }
  const tooSoon = delays.filter((d) => d < 500);
  report.check(
    'C.close.4000',
    delays.length === ROUNDS_4000 && tooSoon.length === 0,
    `after each of ${ROUNDS_4000} 4000s in a row (and no other connection held), a new connection, never sooner than 0.5 s`,
    delays.length < ROUNDS_4000
      ? `after 4000 #${delays.length + 1} no connection came within ${seconds(RECONNECT_WAIT_MS)} (4000 is not final: reconnect with back-off)`
      : `delays ${delays.map(seconds).join(', ')}`,
  );
  if (delays.length === ROUNDS_4000) {
    const late = Math.max(...delays.slice(2));
    report.check(
      'C.close.4000-growing',
      late > 1500 && late > delays[0]!,
      'one of the last two delays longer than 1.5 s and than the first (the back-off keeps growing over 4000s in a row)',
      `delays ${delays.map(seconds).join(', ')}`,
    );
  } else {
    report.skip('C.close.4000-growing', 'the controller did not reconnect after every 4000 (see C.close.4000)');
  }

  // --- 4403: last, the controller must stop for good -----------------------------
  live = await s.ready(RECONNECT_WAIT_MS);
  if (!live) {
    report.skip(
      'C.close.4403',
      'the controller did not come back after the 4000s, so there was no connection to refuse',
    );
    return;
  }
  t = kit.now();
  kit.closeLive(4403, 'device token refused');
  const again = await s.attemptAfter(t + 1, 8000);
  report.check(
    'C.close.4403',
    !again,
    'no new connection in the 8 s after 4403 (stop and alert the operator)',
    again ? `reconnected after ${seconds(again.at - t)}` : 'no reconnect',
  );
}
