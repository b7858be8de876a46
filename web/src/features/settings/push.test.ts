import { describe, expect, it } from 'vitest';
import { parsePushPayload, payloadFromText } from '@/shared/push-payload';
import { base64UrlToBytes, deviceLabel, quietHoursProblem, subscriptionInput } from './push';

describe('base64UrlToBytes', () => {
  it('decodes base64url without padding', () => {
    expect(Array.from(base64UrlToBytes('AQID_-8'))).toEqual([1, 2, 3, 255, 239]);
  });
  it('decodes a 65-byte VAPID key', () => {
    const key = 'BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3qBUYIHBQFLXYp5Nksh8U';
    expect(base64UrlToBytes(key)).toHaveLength(65);
  });
});

describe('subscriptionInput', () => {
  it('takes endpoint and keys', () => {
    expect(
      subscriptionInput(
        { endpoint: 'https://push.example/abc', keys: { p256dh: 'P', auth: 'A' } },
        'Chrome on Android',
      ),
    ).toEqual({ endpoint: 'https://push.example/abc', p256dh: 'P', auth: 'A', label: 'Chrome on Android' });
  });
  it('refuses an incomplete subscription', () => {
    expect(subscriptionInput({ endpoint: 'https://push.example/abc', keys: { p256dh: 'P' } }, 'x')).toBeNull();
  });
});

describe('deviceLabel', () => {
  it('names browser and system', () => {
    expect(
      deviceLabel(
        'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36',
      ),
    ).toBe('Chrome on Android');
    expect(
      deviceLabel(
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
      ),
    ).toBe('Safari on iPhone');
    expect(deviceLabel('Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0')).toBe(
      'Firefox on Windows',
    );
  });
});

describe('quietHoursProblem', () => {
  it('wants both ends or neither, different, HH:MM', () => {
    expect(quietHoursProblem('', '')).toBeNull();
    expect(quietHoursProblem('22:00', '07:00')).toBeNull();
    expect(quietHoursProblem('22:00', '')).toBe('both-or-neither');
    expect(quietHoursProblem('22:00', '22:00')).toBe('same');
    expect(quietHoursProblem('25:00', '07:00')).toBe('format');
  });
});

describe('push payload', () => {
  const origin = 'https://lockers.example';
  it('reads title, body, url and tag', () => {
    expect(parsePushPayload({ title: 'Parcel', body: 'In Library B03', url: '/parcels', tag: 'p1' }, origin)).toEqual({
      title: 'Parcel',
      body: 'In Library B03',
      url: '/parcels',
      tag: 'p1',
    });
  });
  it('keeps links on this site', () => {
    expect(parsePushPayload({ url: 'https://lockers.example/parcels?x=1' }, origin).url).toBe('/parcels?x=1');
    expect(parsePushPayload({ url: 'https://evil.example/' }, origin).url).toBe('/parcels');
    expect(parsePushPayload({ url: '//evil.example/x' }, origin).url).toBe('/parcels');
  });
  it('shows plain text and malformed payloads harmlessly', () => {
    expect(payloadFromText('Hello', origin)).toEqual({
      title: 'Baylight',
      body: 'Hello',
      url: '/parcels',
      tag: undefined,
    });
    expect(payloadFromText('{"title":5}', origin).title).toBe('Baylight');
  });
});
