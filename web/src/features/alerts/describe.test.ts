import { describe, expect, it } from 'vitest';
import { ALERT_EXPLANATION, ALERT_LABEL, BANK_PAGE_KINDS, alertExplanation, alertLabel } from './describe';

describe('alert kinds in words', () => {
  it('has a label and an explanation for every kind, the new ones included', () => {
    for (const kind of ['COMMAND_FAILED', 'EVENTS_LOST', 'EVENT_REJECTED', 'CLOCK_OFF', 'BANK_CONDITION'] as const) {
      expect(alertLabel(kind)).toBe(ALERT_LABEL[kind]);
      expect(alertExplanation(kind)).toBe(ALERT_EXPLANATION[kind]);
      // Each points at the bank's controller and event log.
      expect(BANK_PAGE_KINDS.has(kind)).toBe(true);
    }
  });
  it('shows a kind newer than the page in words rather than nothing', () => {
    expect(alertLabel('DOOR_ON_FIRE')).toBe('door on fire');
    expect(alertExplanation('DOOR_ON_FIRE')).toBeNull();
  });
});
