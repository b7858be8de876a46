import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/index.js';
import {
  buildConnectionAck,
  deviceLimits,
  initRefusalReason,
  negotiateVersion,
  parseConnectionInit,
  readServerVersion,
} from './handshake.js';
import { VERSION_1_DEPRECATION } from './protocol.js';

const refusedField = (payload: Record<string, unknown>) => {
  const r = parseConnectionInit(payload);
  return r.ok ? null : r.field;
};

describe('parseConnectionInit', () => {
  it('reads a version 2 init: what the controller said, its clock, unknown capabilities kept', () => {
    const r = parseConnectionInit({
      deviceToken: 'bld_x',
      protocolVersion: 2,
      controller: {
        model: 'Acme LB-24',
        serial: 'LB24-000193',
        firmware: '3.4.1',
        capabilities: ['KEYPAD', 'TELEPORT', 'KEYPAD'],
        time: '2026-11-27T08:00:00.120+01:00',
        somethingNewer: true,
      },
    });
    expect(r).toEqual({
      ok: true,
      init: {
        requestedVersion: 2,
        model: 'Acme LB-24',
        serial: 'LB24-000193',
        firmware: '3.4.1',
        capabilities: ['KEYPAD', 'TELEPORT'],
        time: new Date('2026-11-27T07:00:00.120Z'),
      },
    });
  });

  it('reads a version 1 init (token only) as version 1 with nothing stated', () => {
    expect(parseConnectionInit({ deviceToken: 'bld_x' })).toEqual({
      ok: true,
      init: { requestedVersion: 1, model: null, serial: null, firmware: null, capabilities: [], time: null },
    });
  });

  it.each([
    ['protocolVersion', { protocolVersion: 0 }],
    ['protocolVersion', { protocolVersion: 1.5 }],
    ['protocolVersion', { protocolVersion: '2' }],
    ['protocolVersion', { protocolVersion: -3 }],
    ['controller', { controller: 'Acme' }],
    ['controller', { controller: [] }],
    ['controller.model', { controller: { model: 'x'.repeat(101) } }],
    ['controller.serial', { controller: { serial: 42 } }],
    ['controller.firmware', { controller: { firmware: 'f'.repeat(101) } }],
    ['controller.capabilities', { controller: { capabilities: 'KEYPAD' } }],
    ['controller.capabilities', { controller: { capabilities: Array.from({ length: 33 }, (_, i) => `C${i}`) } }],
    ['controller.capabilities[1]', { controller: { capabilities: ['KEYPAD', 7] } }],
    ['controller.capabilities[0]', { controller: { capabilities: ['K'.repeat(41)] } }],
    ['controller.time', { controller: { time: '2026-11-27T08:00:00' } }],
    ['controller.time', { controller: { time: 1_764_230_400_000 } }],
  ])('refuses a malformed %s', (field, payload) => {
    expect(refusedField({ deviceToken: 'bld_x', ...payload })).toBe(field);
  });

  it('takes the limits themselves: 100 characters, 32 capabilities of 40', () => {
    const r = parseConnectionInit({
      protocolVersion: 2,
      controller: { model: 'm'.repeat(100), capabilities: Array.from({ length: 32 }, () => 'K'.repeat(40)) },
    });
    expect(r.ok).toBe(true);
  });

  it('keeps a close reason within the 123 bytes a close frame carries', () => {
    const reason = initRefusalReason('controller.capabilities[31]', 'is longer than 40 characters');
    expect(Buffer.byteLength(reason)).toBeLessThanOrEqual(123);
    expect(reason).toContain('controller.capabilities[31]');
    expect(Buffer.byteLength(initRefusalReason('controller.model', 'ü'.repeat(200)))).toBeLessThanOrEqual(123);
  });
});

describe('negotiation and the ack', () => {
  it('speaks the lower of the two versions', () => {
    expect(negotiateVersion(1)).toBe(1);
    expect(negotiateVersion(2)).toBe(2);
    expect(negotiateVersion(9)).toBe(2);
  });

  it('states the configured limits, and sets a deprecation for version 1 only', () => {
    const config = parseConfig({ WS_KEEPALIVE_MS: '9000', DEVICE_OFFLINE_GRACE_MS: '20000' });
    const limits = deviceLimits(config);
    expect(limits).toMatchObject({ keepAliveMs: 9000, offlineGraceMs: 20000, maxFrameBytes: 1024 * 1024 });
    const base = {
      serverVersion: '0.1.0',
      now: new Date('2026-11-27T08:00:00.000Z'),
      limits,
      bank: { id: 'bank_1', name: 'Library', deviceGeneration: 3, lastSeq: 41 },
      clockOffsetMs: -60,
      extension: { compartments: [], pickupKeys: [], revokedPickupTokens: [] },
    };
    const v2 = buildConnectionAck({ ...base, protocolVersion: 2 });
    expect(v2).toMatchObject({
      protocolVersion: 2,
      deprecation: null,
      server: { name: 'baylight', version: '0.1.0', protocolVersions: [1, 2], time: '2026-11-27T08:00:00.000Z' },
      bankId: 'bank_1',
      generation: 3,
      acceptedThroughSeq: 41,
      clockOffsetMs: -60,
    });
    expect(buildConnectionAck({ ...base, protocolVersion: 1 }).deprecation).toBe(VERSION_1_DEPRECATION);
  });

  it('reads the server version from the root package.json', () => {
    expect(readServerVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
