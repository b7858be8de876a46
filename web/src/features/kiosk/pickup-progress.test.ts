import { describe, expect, it } from 'vitest';
import {
  DoorHistory,
  PICKUP_GIVE_UP_MARGIN_MS,
  PICKUP_SLOW_MS,
  pickupProgress,
  watchPickup,
  type DoorSnapshot,
} from './pickup-progress';

const ISSUED = '2026-12-02T10:00:00.000Z';
const EXPIRES = '2026-12-02T10:00:30.000Z';
const at = (seconds: number) => new Date(Date.parse(ISSUED) + seconds * 1000).toISOString();

/** A compartment holding a parcel, door closed, as the kiosk knew it when the code was sent. */
const held: DoorSnapshot = { version: 10, door: 'CLOSED', state: 'IN_USE', occupancy: 'OCCUPIED', updatedAt: at(-60) };
const v = (version: number, patch: Partial<DoorSnapshot>, seconds = 1): DoorSnapshot => ({
  ...held,
  version,
  updatedAt: at(seconds),
  ...patch,
});

const T0 = 1_000_000; // the kiosk's clock when the answer arrived: unrelated to the server's
const watch = (before: DoorSnapshot | null = held) =>
  watchPickup('A01', before, { issuedAt: ISSUED, expiresAt: EXPIRES }, T0);

describe('following the door after a pickup code', () => {
  it('waits, sees the door open, then collected once it closes with the compartment empty', () => {
    const opened = v(11, { door: 'OPEN' });
    const taken = v(12, { door: 'OPEN', occupancy: 'EMPTY', state: 'AVAILABLE' }, 2);
    const closed = v(13, { door: 'CLOSED', occupancy: 'EMPTY', state: 'AVAILABLE' }, 3);
    expect(pickupProgress(watch(), [held], T0)).toEqual({ step: 'waiting', slow: false });
    expect(pickupProgress(watch(), [held, opened], T0 + 500)).toEqual({ step: 'open' });
    expect(pickupProgress(watch(), [held, opened, taken], T0 + 1_000)).toEqual({ step: 'open' });
    expect(pickupProgress(watch(), [held, opened, taken, closed], T0 + 1_500)).toEqual({ step: 'collected' });
  });

  it('says the parcel is still inside when the door opened and closed with it there', () => {
    const snapshots = [held, v(11, { door: 'OPEN' }), v(12, { door: 'CLOSED' }, 2)];
    expect(pickupProgress(watch(), snapshots, T0 + 1_000)).toEqual({ step: 'left-inside' });
  });

  it('does not thank anyone for a door that was open and closed before the command (the reported race)', () => {
    // The kiosk held an older version; the door's open and close of a moment ago arrive late, out of order.
    const stale = { ...held, version: 8 };
    const openBefore = v(9, { door: 'OPEN' }, -5);
    const closedBefore = v(10, { door: 'CLOSED' }, -4);
    const snapshots = [closedBefore, stale, openBefore];
    expect(pickupProgress(watch(stale), snapshots, T0 + 800)).toEqual({ step: 'waiting', slow: false });
  });

  it('ignores versions the kiosk already had, whatever the door said then', () => {
    const openAtSend = { ...held, door: 'OPEN' as const };
    // Open when the code was sent: it is open for this person, and its closing ends the pickup.
    expect(pickupProgress(watch(openAtSend), [openAtSend], T0)).toEqual({ step: 'open' });
    const shut = v(11, { door: 'CLOSED', occupancy: 'EMPTY', state: 'AVAILABLE' });
    expect(pickupProgress(watch(openAtSend), [openAtSend, shut], T0 + 100)).toEqual({ step: 'collected' });
  });

  it('takes an update order-independently and skips duplicates', () => {
    const snapshots = [
      v(13, { door: 'CLOSED', occupancy: 'EMPTY', state: 'AVAILABLE' }, 3),
      v(11, { door: 'OPEN' }),
      v(11, { door: 'OPEN' }),
      held,
    ];
    expect(pickupProgress(watch(), snapshots, T0 + 100)).toEqual({ step: 'collected' });
  });

  it('reads a door that opened and shut within one report (one merged update) as collected when the parcel left', () => {
    const merged = v(13, { door: 'CLOSED', occupancy: 'EMPTY', state: 'AVAILABLE' });
    expect(pickupProgress(watch(), [held, merged], T0 + 100)).toEqual({ step: 'collected' });
  });

  it('keeps waiting through unrelated changes of a closed door', () => {
    const charger = v(11, { door: 'CLOSED', occupancy: 'OCCUPIED', state: 'IN_USE' });
    expect(pickupProgress(watch(), [held, charger], T0 + 100)).toEqual({ step: 'waiting', slow: false });
  });

  it('says it is slow after a while, and that the door did not open once the command has run out', () => {
    expect(pickupProgress(watch(), [held], T0 + PICKUP_SLOW_MS)).toEqual({ step: 'waiting', slow: true });
    const giveUp = T0 + 30_000 + PICKUP_GIVE_UP_MARGIN_MS;
    expect(pickupProgress(watch(), [held], giveUp - 1)).toEqual({ step: 'waiting', slow: true });
    expect(pickupProgress(watch(), [held], giveUp)).toEqual({ step: 'not-opened', reason: 'expired' });
    // A late opening still counts: the door did open after all.
    expect(pickupProgress(watch(), [held, v(11, { door: 'OPEN' }, 31)], giveUp + 10)).toEqual({ step: 'open' });
  });

  it('counts from the kiosk’s own clock, so a kiosk whose clock is hours off still waits the command’s lifetime', () => {
    const w = watchPickup('A01', held, { issuedAt: ISSUED, expiresAt: EXPIRES }, Date.parse(ISSUED) + 2 * 3_600_000);
    expect(w.giveUpAt - w.answeredAt).toBe(30_000 + PICKUP_GIVE_UP_MARGIN_MS);
  });

  it('stops waiting when the compartment reports a fault instead of opening', () => {
    expect(pickupProgress(watch(), [held, v(11, { state: 'FAULT' })], T0 + 100)).toEqual({
      step: 'not-opened',
      reason: 'fault',
    });
  });

  it('works without a known version (the kiosk had not loaded the compartment yet)', () => {
    const early = v(3, { door: 'OPEN' }, -10);
    expect(pickupProgress(watch(null), [early], T0)).toEqual({ step: 'waiting', slow: false });
    expect(pickupProgress(watch(null), [early, v(4, { door: 'OPEN' })], T0)).toEqual({ step: 'open' });
  });
});

describe('door history', () => {
  it('keeps each version once, in order, and a bounded number per label', () => {
    const h = new DoorHistory(3);
    expect(h.record('A01', v(12, {}))).toBe(true);
    expect(h.record('A01', v(11, {}))).toBe(true);
    expect(h.record('A01', v(12, { door: 'OPEN' }))).toBe(false);
    h.record('A01', v(13, {}));
    h.record('A01', v(14, {}));
    expect(h.of('A01').map((s) => s.version)).toEqual([12, 13, 14]);
    expect(h.newest('A01')?.version).toBe(14);
    expect(h.newest('B01')).toBeNull();
  });
});
