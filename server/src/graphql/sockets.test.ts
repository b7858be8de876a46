import { describe, expect, it } from 'vitest';
import { createInProcessBus } from '../bus/index.js';
import { publishRevocation, RevocationCloseCode } from '../bus/revocations.js';
import { pino } from 'pino';
import { createSocketRegistry, matches, type SocketPrincipal } from './sockets.js';

const alice: SocketPrincipal = { kind: 'person', tokenId: 'tok_1', personId: 'per_a' };
const kiosk: SocketPrincipal = { kind: 'kiosk', tokenId: 'ksk_1', kioskId: 'ksk_1', bankId: 'bank_1' };

describe('socket registry', () => {
  it('matches on every field a revocation gives, and never on an empty one', () => {
    expect(matches(alice, { personId: 'per_a' })).toBe(true);
    expect(matches(alice, { personId: 'per_a', tokenId: 'tok_2' })).toBe(false);
    expect(matches(kiosk, { kind: 'kiosk', bankId: 'bank_1' })).toBe(true);
    expect(matches(alice, {})).toBe(false);
  });

  it('closes only the matching sockets when a revocation is published, and forgets them', async () => {
    const bus = createInProcessBus();
    const registry = createSocketRegistry({ bus, logger: pino({ level: 'silent' }) });
    registry.start();
    const closed: [string, number][] = [];
    const socket = (name: string) => ({ close: (code: number) => closed.push([name, code]) });
    const a1 = socket('alice-1');
    registry.register(a1, alice);
    registry.register(socket('alice-2'), { ...alice, tokenId: 'tok_2' });
    registry.register(socket('kiosk'), kiosk);
    publishRevocation(bus, { match: { tokenId: 'tok_1' }, code: RevocationCloseCode.Revoked, reason: 'Signed out' });
    await new Promise((r) => setImmediate(r));
    expect(closed).toEqual([['alice-1', 4403]]);
    publishRevocation(bus, {
      match: { personId: 'per_a' },
      code: RevocationCloseCode.Reconnect,
      reason: 'Role changed',
    });
    await new Promise((r) => setImmediate(r));
    expect(closed).toEqual([
      ['alice-1', 4403],
      ['alice-2', 4001],
    ]);
    expect(registry.size).toBe(1);
    registry.stop();
    expect(bus.listenerCount('auth:revocations')).toBe(0);
  });
});
