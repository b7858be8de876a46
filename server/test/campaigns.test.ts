/**
 * Bulk handout campaigns against the real server and two connected simulated
 * banks: a CSV with bad lines is refused line by line and nothing stored; a
 * good one of 30 recipients is planned across two banks and slots within
 * capacity, prepared as compartments allow, loaded with the guided flow, and
 * its progress counts follow.
 */
import { describe, expect, it } from 'vitest';
import { eventually, person, type Person } from './helpers/parcels.js';
import { startTestServer } from './helpers/server.js';
import { asset, itBank, load } from './helpers/handouts.js';

const PLAN = `mutation ($input: PlanCampaignInput!) {
  planCampaign(input: $input) {
    applied campaign { id } errors { line field message } slots { bank { id } startsAt count }
    lines { line bank { id } slotStartsAt }
  }
}`;
const PROGRESS = `query ($id: ID!) { campaign(id: $id) { progress { total planned loading ready collected failed } } }`;

describe('bulk handout campaigns', () => {
  it('refuses a file with unknown tags, repeated lines and missing recipients, naming each line, and stores nothing', async () => {
    const server = await startTestServer();
    const bank = await itBank(server, { charging: 4, plain: 0 });
    const tech = await person(server, 'IT');
    const student = await person(server, 'STUDENT');
    const a = await asset(server, tech);
    const csv = [
      'Email,Tag',
      `${student.email},${a.tag}`,
      `${student.email},${a.tag}`,
      `nobody@nowhere.test,${a.tag}X`,
      `${student.email},NO-SUCH`,
    ].join('\n');
    const res = await server.gql(
      PLAN,
      { input: { name: 'Bad', csv, bankIds: [bank.bankId], startsAt: new Date().toISOString(), dryRun: false } },
      tech.token,
    );
    expect(res.data?.planCampaign.applied).toBe(false);
    expect(res.data?.planCampaign.errors).toEqual([
      { line: 3, field: null, message: 'The same as line 2.' },
      { line: 4, field: 'email', message: 'No recipient nobody@nowhere.test.' },
      { line: 5, field: 'tag', message: 'Unknown tag NO-SUCH.' },
    ]);
    expect((await server.gql(`{ campaigns { id } }`, {}, tech.token)).data?.campaigns).toEqual([]);
    const student2 = await server.gql(
      PLAN,
      { input: { name: 'x', csv, bankIds: [bank.bankId], startsAt: new Date().toISOString() } },
      student.token,
    );
    expect(student2.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('plans 30 recipients across two banks and slots within capacity, shows the plan first, then loads with live progress', async () => {
    const server = await startTestServer();
    const north = await itBank(server, { charging: 8, plain: 0, name: 'North' });
    const south = await itBank(server, { charging: 8, plain: 0, name: 'South' });
    const tech = await person(server, 'IT');
    const recipients: Person[] = [];
    const tags: string[] = [];
    for (let i = 0; i < 30; i++) {
      recipients.push(await person(server, 'STUDENT'));
      tags.push((await asset(server, tech)).tag);
    }
    const csv = ['email,tag', ...recipients.map((r, i) => `${r.email},${tags[i]}`)].join('\n');
    const startsAt = new Date();
    const input = {
      name: 'Semester start',
      csv,
      bankIds: [north.bankId, south.bankId],
      startsAt: startsAt.toISOString(),
      slotMinutes: 60,
    };
    const preview = (await server.gql(PLAN, { input }, tech.token)).data?.planCampaign;
    expect(preview).toMatchObject({ applied: false, campaign: null, errors: [] });
    expect(preview.lines).toHaveLength(30);
    // 8 charging compartments per bank: 16 in the first slot, 14 in the second, spread evenly.
    const bySlot = (banks: string) =>
      preview.slots.filter((s: { bank: { id: string } }) => s.bank.id === banks).map((s: { count: number }) => s.count);
    expect(bySlot(north.bankId)).toEqual([8, 7]);
    expect(bySlot(south.bankId)).toEqual([8, 7]);
    expect((await server.gql(`{ campaigns { id } }`, {}, tech.token)).data?.campaigns).toEqual([]);

    const confirmed = (await server.gql(PLAN, { input: { ...input, dryRun: false } }, tech.token)).data?.planCampaign;
    expect(confirmed.applied).toBe(true);
    const id = confirmed.campaign.id as string;
    const progress = async () => (await server.gql(PROGRESS, { id }, tech.token)).data?.campaign.progress;
    expect(await progress()).toMatchObject({ total: 30, planned: 30 });

    const prepared = (
      await server.gql(
        `mutation ($id: ID!) { prepareCampaign(campaignId: $id) { prepared waiting } }`,
        { id },
        tech.token,
      )
    ).data?.prepareCampaign;
    expect(prepared).toEqual({ prepared: 16, waiting: 14 });
    expect(await progress()).toMatchObject({ planned: 14, loading: 16 });
    // Staff load three with the guided flow: scan, the door opens, close it.
    const items = (
      await server.gql(
        `query ($id: ID!) { campaign(id: $id) { items { asset { tag } bank { id } progress } } }`,
        { id },
        tech.token,
      )
    ).data?.campaign.items.filter((i: { progress: string }) => i.progress === 'LOADING');
    for (const item of items.slice(0, 3)) {
      const bank = item.bank.id === north.bankId ? north : south;
      await load(server, bank, tech, item.asset.tag);
    }
    await eventually(async () => (await progress())?.ready === 3);
    expect(await progress()).toMatchObject({ total: 30, planned: 14, loading: 13, ready: 3, collected: 0, failed: 0 });
  });
});
