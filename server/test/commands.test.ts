/** OPEN_COMPARTMENT commands: delivery to the right bank only, acknowledgement, and expiry. */
import { describe, expect, it } from 'vitest';
import { collect, connected, execute, sleep, startTestServer } from './helpers/server.js';

const OPEN = `mutation ($input: OpenCompartmentInput!) {
  openCompartment(input: $input) {
    __typename
    ... on CommandIssued { command { id compartmentLabel status expiresAt ttlMs } }
    ... on OpenRefused { reason message }
  }
}`;
const COMMANDS = `subscription { lockerCommands { id kind bankId compartmentLabel expiresAt ttlMs } }`;
const ACK = `mutation ($id: ID!, $outcome: CommandOutcome!) { acknowledgeCommand(id: $id, outcome: $outcome) { command { id status } } }`;

describe('staff open', () => {
  it('reaches only the bank it is for, and is acknowledged', async () => {
    const server = await startTestServer();
    const a = await server.createBank({ name: 'A' });
    const b = await server.createBank({ name: 'B' });
    const ctrlA = server.wsClient({ deviceToken: a.deviceToken });
    const ctrlB = server.wsClient({ deviceToken: b.deviceToken });
    await Promise.all([connected(ctrlA), connected(ctrlB)]);
    const cmdsA = collect(ctrlA, COMMANDS);
    const cmdsB = collect(ctrlB, COMMANDS);
    await sleep(50);
    const it = await server.tokenFor('IT');
    const res = await server.gql(OPEN, { input: { bankId: a.bankId, label: 'b01', reason: 'stuck laptop' } }, it);
    expect(res.data.openCompartment).toMatchObject({
      __typename: 'CommandIssued',
      command: { compartmentLabel: 'B01' },
    });
    const [first] = await cmdsA.until((items) => items.length === 1);
    const cmd = first!.data!.lockerCommands;
    expect(cmd).toMatchObject({ kind: 'OPEN_COMPARTMENT', bankId: a.bankId, compartmentLabel: 'B01' });
    expect(cmd.ttlMs).toBeGreaterThan(25_000);
    const ack = await execute(ctrlA, ACK, { id: cmd.id, outcome: 'OPENED' });
    expect(ack.data.acknowledgeCommand.command.status).toBe('DONE');
    // Another bank's controller can neither see nor acknowledge it.
    const foreign = await execute(ctrlB, ACK, { id: cmd.id, outcome: 'FAILED' });
    expect(foreign.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    await sleep(100);
    expect(cmdsB.items).toEqual([]);
  });

  it('is refused with BANK_OFFLINE when the bank is OFFLINE (no controller): nothing is queued', async () => {
    const server = await startTestServer();
    const a = await server.createBank();
    const res = await server.gql(OPEN, { input: { bankId: a.bankId, label: 'A01', reason: 'test' } });
    expect(res.data.openCompartment).toMatchObject({ __typename: 'OpenRefused', reason: 'BANK_OFFLINE' });
    const ctrl = server.wsClient({ deviceToken: a.deviceToken });
    await connected(ctrl);
    const cmds = collect(ctrl, COMMANDS);
    await sleep(200);
    expect(cmds.items).toEqual([]);
  });

  it('answers an unknown label and a missing reason clearly, and refuses students', async () => {
    const server = await startTestServer();
    const a = await server.createBank();
    const ctrl = server.wsClient({ deviceToken: a.deviceToken });
    await connected(ctrl);
    collect(ctrl, COMMANDS);
    await sleep(50);
    const unknown = await server.gql(OPEN, { input: { bankId: a.bankId, label: 'Z99', reason: 'test' } });
    expect(unknown.data.openCompartment).toMatchObject({ reason: 'UNKNOWN_COMPARTMENT' });
    const noReason = await server.gql(OPEN, { input: { bankId: a.bankId, label: 'A01', reason: ' ' } });
    expect(noReason.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const student = await server.gql(
      OPEN,
      { input: { bankId: a.bankId, label: 'A01', reason: 'mine' } },
      await server.tokenFor('STUDENT'),
    );
    expect(student.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('command expiry', () => {
  it('sends a still-valid pending command on reconnect, but never one that expired meanwhile', async () => {
    const server = await startTestServer({ DEVICE_OFFLINE_GRACE_MS: '5000' });
    const a = await server.createBank();
    // The controller went away a moment ago: the bank is ONLINE for the grace period, so commands are kept.
    const away = server.wsClient({ deviceToken: a.deviceToken });
    await connected(away);
    await away.dispose();
    const issue = (label: string, ttlMs: number) =>
      server.services.devices.requestOpen({
        bankId: a.bankId,
        label,
        via: 'TEST',
        requestedBy: null,
        reason: null,
        ttlMs,
      });
    const stale = await issue('A01', 150);
    const fresh = await issue('B01', 30_000);
    expect(stale.__typename).toBe('CommandIssued');
    expect(fresh.__typename).toBe('CommandIssued');
    await sleep(300);

    const ctrl = server.wsClient({ deviceToken: a.deviceToken });
    await connected(ctrl);
    const cmds = collect(ctrl, COMMANDS);
    await cmds.until((items) => items.length >= 1);
    await sleep(200);
    expect(cmds.items.map((i) => i.data?.lockerCommands.compartmentLabel)).toEqual(['B01']);
    const staleId = stale.__typename === 'CommandIssued' ? stale.command.id : '';
    expect((await server.services.devices.getCommand(staleId))?.status).toBe('EXPIRED');
  });
});
