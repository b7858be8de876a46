import { describe, expect, it } from 'vitest';
import { countdownMilestone } from './useCountdown';

describe('countdown milestones', () => {
  it('announces the start, the last 10 seconds and the end only', () => {
    expect(countdownMilestone(60)).toBe('start');
    expect(countdownMilestone(11)).toBe('start');
    expect(countdownMilestone(10)).toBe('last-seconds');
    expect(countdownMilestone(1)).toBe('last-seconds');
    expect(countdownMilestone(0)).toBe('over');
  });
});
