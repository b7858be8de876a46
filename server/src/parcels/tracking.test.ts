import { describe, expect, it } from 'vitest';
import { detectCarrier, normaliseTracking } from './tracking.js';

describe('tracking numbers', () => {
  it('normalises spaces, dashes and case so duplicates are found', () => {
    expect(normaliseTracking(' 1z 999-aa1 0123456784 ')).toBe('1Z999AA10123456784');
  });

  it.each([
    ['1Z999AA10123456784', 'UPS'],
    ['AB123456789GB', 'Royal Mail'],
    ['9400111899223856928499', 'USPS'],
    ['TBA123456789012', 'Amazon'],
    ['123456789012', 'FedEx'],
  ])('recognises %s as %s', (tracking, carrier) => {
    expect(detectCarrier(tracking)).toBe(carrier);
  });

  it('keeps unknown formats as free text with no carrier', () => {
    expect(detectCarrier('hand delivered by Prof. Li')).toBeNull();
  });
});
