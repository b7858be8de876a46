import { describe, expect, it } from 'vitest';
import {
  commandDeadline,
  formatPickupCode,
  groupParcels,
  looksLikeEmail,
  secondsUntil,
  spokenPickupCode,
  staffStatusText,
  timeLeft,
  whereText,
} from './describe';
import { qrDataUrl, qrSvg } from './qr';

describe('pickup code', () => {
  it('groups 8 digits 4 + 4', () => {
    expect(formatPickupCode('12345678')).toBe('1234 5678');
    expect(formatPickupCode('1234 5678')).toBe('1234 5678');
  });
  it('leaves anything else alone', () => {
    expect(formatPickupCode('1234')).toBe('1234');
    expect(formatPickupCode('abcdefgh')).toBe('abcdefgh');
  });
  it('spells the code out for screen readers', () => {
    expect(spokenPickupCode('12345678')).toBe('1 2 3 4, 5 6 7 8');
  });
});

describe('time left', () => {
  const now = Date.parse('2026-11-27T08:00:00.000Z');
  it('speaks in minutes, hours and days', () => {
    expect(timeLeft('2026-11-27T08:20:30.000Z', now)).toBe('20 min left');
    expect(timeLeft('2026-11-27T13:00:00.000Z', now)).toBe('5 h left');
    expect(timeLeft('2026-11-30T08:00:00.000Z', now)).toBe('3 days left');
    expect(timeLeft('2026-11-27T08:00:30.000Z', now)).toBe('less than a minute left');
    expect(timeLeft('2026-11-27T07:00:00.000Z', now)).toBe('time is up');
  });
  it('counts whole seconds down to zero', () => {
    expect(secondsUntil(now + 30_000, now)).toBe(30);
    expect(secondsUntil(now + 29_001, now)).toBe(30);
    expect(secondsUntil(now - 5_000, now)).toBe(0);
  });
});

describe('groupParcels', () => {
  it('puts lockers and desk first, picked-up parcels in history, newest first', () => {
    const p = (id: string, status: Parameters<typeof groupParcels>[0][number]['status'], day: number) => ({
      id,
      status,
      createdAt: `2026-11-${String(day).padStart(2, '0')}T08:00:00.000Z`,
    });
    const groups = groupParcels([
      p('a', 'PICKED_UP', 1),
      p('b', 'READY_FOR_PICKUP', 2),
      p('c', 'AT_DESK', 3),
      p('d', 'READY_FOR_PICKUP', 4),
      p('e', 'RECALL_PENDING', 5),
    ]);
    expect(groups.inLockers.map((x) => x.id)).toEqual(['e', 'd', 'b']);
    expect(groups.atDesk.map((x) => x.id)).toEqual(['c']);
    expect(groups.pickedUp.map((x) => x.id)).toEqual(['a']);
  });
});

describe('looksLikeEmail', () => {
  it('accepts addresses and refuses the rest', () => {
    expect(looksLikeEmail(' ada@uni.edu ')).toBe(true);
    expect(looksLikeEmail('ada@uni')).toBe(false);
    expect(looksLikeEmail('ada')).toBe(false);
  });
});

describe('QR code', () => {
  it('draws a square SVG with a quiet zone', () => {
    const svg = qrSvg('eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJwY2xfMSJ9.c2lnbmF0dXJl');
    const match = /viewBox="0 0 (\d+) (\d+)"/.exec(svg);
    expect(match).not.toBeNull();
    expect(match?.[1]).toBe(match?.[2]);
    // Version ≥ 1 is 21 modules, plus 4 on each side.
    expect(Number(match?.[1])).toBeGreaterThanOrEqual(29);
    expect(svg).toContain('<path d="M');
  });
  it('is usable as an image URL', () => {
    expect(qrDataUrl('x')).toMatch(/^data:image\/svg\+xml;charset=utf-8,%3Csvg/);
  });
  it('gives the same drawing for the same token (stable offline)', () => {
    expect(qrSvg('token-1')).toBe(qrSvg('token-1'));
    expect(qrSvg('token-1')).not.toBe(qrSvg('token-2'));
  });
});

describe('door command countdown', () => {
  it('runs for the command’s ttlMs from when the answer arrived, whatever the clocks say', () => {
    const received = Date.parse('2026-11-27T10:00:00Z');
    expect(commandDeadline({ ttlMs: 45_000 }, received)).toBe(received + 45_000);
    expect(secondsUntil(commandDeadline({ ttlMs: 12_000 }, received)!, received)).toBe(12);
  });
  it('has no countdown without a usable command', () => {
    expect(commandDeadline(null, 0)).toBeNull();
    expect(commandDeadline(undefined, 0)).toBeNull();
    expect(commandDeadline({ ttlMs: 0 }, 0)).toBeNull();
    expect(commandDeadline({ ttlMs: Number.NaN }, 0)).toBeNull();
  });
});

describe('staff list wording', () => {
  it('adds the desk reason only at the desk, and says where a parcel is', () => {
    expect(staffStatusText({ status: 'AT_DESK', deskReason: 'LOCKERS_FULL' })).toBe(
      'At the mailroom desk (Lockers full)',
    );
    expect(staffStatusText({ status: 'PICKED_UP', deskReason: 'RECALLED' })).toBe('Picked up');
    expect(whereText({ bank: { name: 'Library' }, compartment: { label: 'B03' } })).toBe('Library B03');
    expect(whereText({ bank: { name: 'Library' }, compartment: null })).toBe('Library');
    expect(whereText({ bank: null, compartment: null })).toBe('Desk');
  });
});
