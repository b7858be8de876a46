import { describe, expect, it } from 'vitest';
import {
  capabilityText,
  clockText,
  eventKindText,
  eventNotes,
  eventProblem,
  eventWhereText,
  formatDuration,
  protocolText,
  type LockerEvent,
} from './describe';

const event = (patch: Partial<LockerEvent>): LockerEvent => ({
  id: 'evt_1',
  bankId: 'bank_1',
  compartmentLabel: 'A01',
  kind: 'DOOR_OPENED',
  reportedKind: 'DOOR_OPENED',
  seq: 12,
  generation: 1,
  occurredAt: '2026-12-02T10:00:00.000Z',
  receivedAt: '2026-12-02T10:00:01.000Z',
  reportedAt: null,
  rejection: null,
  flags: [],
  code: null,
  faultCode: null,
  detail: null,
  ...patch,
});

describe('the controller in words', () => {
  it('marks protocol version 1 as deprecated', () => {
    expect(protocolText(1)).toBe('version 1 — deprecated');
    expect(protocolText(2)).toBe('version 2');
  });
  it('says how far off the clock is, which way, and whether its times are corrected', () => {
    expect(clockText({ clockOffsetMs: 7_200_000, clockTrusted: false })).toBe('2 h 0 min fast — corrected');
    expect(clockText({ clockOffsetMs: -90_000, clockTrusted: false })).toBe('1 min 30 s slow — corrected');
    expect(clockText({ clockOffsetMs: 4_000, clockTrusted: true })).toBe('4 s fast — trusted');
    expect(clockText({ clockOffsetMs: 300, clockTrusted: true })).toBe('in step with the server — trusted');
    expect(clockText({ clockOffsetMs: null, clockTrusted: false })).toBe('not measured (the controller sent no time)');
  });
  it('formats durations with the two units that matter', () => {
    expect(formatDuration(45)).toBe('45 s');
    expect(formatDuration(3 * 86_400 + 4 * 3_600 + 59)).toBe('3 d 4 h');
    expect(formatDuration(5 * 3_600 + 12 * 60)).toBe('5 h 12 min');
  });
  it('keeps capability names it does not know as sent', () => {
    expect(capabilityText('OFFLINE_QR')).toBe('Offline QR check');
    expect(capabilityText('LASER_DOORS')).toBe('LASER_DOORS');
  });
});

describe('the event log in words', () => {
  it('names an unrecognised kind by what the controller sent', () => {
    const e = event({ kind: 'UNRECOGNISED', reportedKind: 'DOOR_FORCED', rejection: 'UNKNOWN_KIND' });
    expect(eventKindText(e)).toBe('unrecognised: DOOR_FORCED');
    expect(eventProblem(e)).toBe('unrecognised');
    expect(eventNotes(e)).toEqual(['Rejected: a kind this server does not know']);
  });
  it('says why an event was rejected', () => {
    const e = event({ compartmentLabel: 'Z99', rejection: 'UNKNOWN_COMPARTMENT' });
    expect(eventProblem(e)).toBe('rejected');
    expect(eventNotes(e)).toEqual(['Rejected: no compartment with that label in this bank']);
  });
  it('gives flags with the time the controller reported', () => {
    const e = event({ flags: ['CLOCK_CORRECTED', 'TRUNCATED'], reportedAt: '2026-12-02T12:00:00+02:00' });
    expect(eventProblem(e)).toBe('flagged');
    expect(eventNotes(e)).toEqual(['Clock corrected (reported 2026-12-02T12:00:00+02:00)', 'Text cut to its limit']);
    const bad = event({ rejection: 'INVALID_TIME', reportedAt: 'yesterday noon' });
    expect(eventNotes(bad)).toEqual([
      'Rejected: its time had no zone — stored with the time it arrived',
      'Reported time: yesterday noon',
    ]);
  });
  it('shows fault codes, standard or not, with the detail', () => {
    expect(
      eventNotes(event({ kind: 'FAULT', faultCode: 'LOCK_JAMMED', code: 'LOCK_JAMMED', detail: 'bolt stuck' })),
    ).toEqual(['Fault code LOCK_JAMMED (Lock jammed)', 'bolt stuck']);
    expect(eventNotes(event({ kind: 'FAULT', faultCode: 'OTHER', code: 'E42' }))).toEqual([
      'Fault code E42 (not a standard code)',
    ]);
  });
  it('says which range was lost, and that bank-level events belong to no compartment', () => {
    const lost = event({
      kind: 'EVENTS_LOST',
      compartmentLabel: null,
      seq: null,
      detail: 'seq 120–180: journal wiped',
    });
    expect(eventProblem(lost)).toBe('lost');
    expect(eventWhereText(lost)).toBe('Whole bank');
    expect(eventNotes(lost)).toEqual(['Lost: seq 120–180: journal wiped']);
    expect(eventKindText(event({ kind: 'POWER_LOST', compartmentLabel: null }))).toBe('Power lost');
    expect(eventWhereText(event({}))).toBe('A01');
    expect(eventProblem(event({}))).toBeNull();
  });
});
