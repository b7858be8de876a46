/**
 * A controller on a flaky link: it loses its connection for 10 s while its
 * doors keep moving. Nothing is lost, nothing is stored twice, and everyone
 * watching ends up seeing the final state.
 */
import { SimulatedController } from '@baylight/simulator';
import { describe, expect, it } from 'vitest';
import { track } from './helpers/disposables.js';
import { collect, sleep, startTestServer } from './helpers/server.js';

describe('controller outage', () => {
  it('stores every event exactly once after a 10 s disconnection, and subscribers see the final state', async () => {
    const server = await startTestServer({ DEVICE_OFFLINE_GRACE_MS: '1000' });
    const { bankId, deviceToken } = await server.createBank({ count: 12 });
    const controller = new SimulatedController({
      url: server.wsUrl,
      deviceToken,
      closeAfterMs: Infinity,
      retry: { minMs: 50, maxMs: 200 },
    });
    track(controller, () => controller.stop());
    await controller.start();
    const watcher = collect(
      server.wsClient({ authorization: `Bearer ${server.adminToken}` }),
      `subscription ($b: ID) { compartmentUpdated(bankId: $b) { label door occupancy state version } }`,
      { b: bankId },
    );
    const banks = collect(
      server.wsClient({ authorization: `Bearer ${server.adminToken}` }),
      `subscription { lockerBankUpdated { status } }`,
    );
    await sleep(50);

    const labels = controller.labels;
    let i = 0;
    const act = () => {
      const label = labels[i % labels.length]!;
      // Open, then on the next visit close: a door ends open or closed depending on the count.
      if (controller.compartment(label)?.door === 'OPEN') controller.closeDoor(label);
      else controller.openDoor(label);
      if (i % 5 === 0) controller.record(label, i % 10 === 0 ? 'OCCUPIED' : 'EMPTY');
      i++;
    };
    for (let k = 0; k < 20; k++) act();
    await controller.flush();

    await controller.disconnect();
    const outageStart = Date.now();
    while (Date.now() - outageStart < 10_000) {
      act();
      await sleep(100);
    }
    expect(controller.pendingEvents).toBeGreaterThan(100);
    await banks.until((items) => items.some((x) => x.data?.lockerBankUpdated.status === 'OFFLINE'));

    await controller.reconnect();
    for (let k = 0; k < 20; k++) act();
    await controller.flush({ timeoutMs: 20_000 });

    const recorded = controller.nextSeq - 1;
    const stored = await server.services.lockers.store.countControllerEvents(bankId);
    expect(stored).toBe(recorded);
    expect(controller.lastAcceptedSeq).toBe(recorded);
    const log = (await server.services.lockers.store.recentEvents(bankId, 10_000)).filter((e) => e.seq !== null);
    expect(new Set(log.map((e) => e.seq)).size).toBe(recorded);

    // What the server holds is what the controller sees physically, and the
    // newest version each subscriber got is that same state.
    const rows = await server.services.lockers.store.compartmentsByBankIds([bankId]);
    for (const c of rows) {
      const physical = controller.compartment(c.label)!;
      expect(c.door).toBe(physical.door);
    }
    await watcher.until((items) => {
      const newest = new Map<string, { door: string; version: number }>();
      for (const it of items) {
        const u = it.data!.compartmentUpdated;
        const prev = newest.get(u.label);
        if (!prev || u.version > prev.version) newest.set(u.label, u);
      }
      return rows.every(
        (c) => c.version === 1 || (newest.get(c.label)?.version === c.version && newest.get(c.label)?.door === c.door),
      );
    }, 10_000);
    await banks.until((items) => items.at(-1)?.data?.lockerBankUpdated.status === 'ONLINE');
  }, 60_000);
});
