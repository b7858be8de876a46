/**
 * Notices leave through the transactional outbox: a real SMTP server and a
 * local push service receive them; a crash (kill -9) neither loses nor
 * duplicates one.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SimulatedController } from '@baylight/simulator';
import { describe, expect, it } from 'vitest';
import { demoLayout } from '../src/demo/seed.js';
import { track } from './helpers/disposables.js';
import { freePort } from './helpers/ports.js';
import { depositParcel, eventually, onlineBank, person, pickupCodeOf, readyParcel } from './helpers/parcels.js';
import { startPushService, verifyVapid } from './helpers/push-service.js';
import { startTestServer } from './helpers/server.js';
import { startSmtpServer } from './helpers/smtp.js';

const REGISTER = `mutation ($input: PushSubscriptionInput!) { registerPushSubscription(input: $input) { id label } }`;

describe('e-mail', () => {
  it('delivers the "parcel ready" notice with locker, compartment and code to a real SMTP server', async () => {
    const smtp = await startSmtpServer();
    const { server, student, parcelId, label } = await readyParcel(
      { SMTP_URL: smtp.url, DEV_OUTBOX: 'false' },
      { bank: { name: 'Library' } },
    );
    const mail = await eventually(() => smtp.received.find((m) => m.to.includes(student.email)));
    const code = await pickupCodeOf(server, student, parcelId);
    expect(mail.subject).toBe(`Your parcel is ready: Library, compartment ${label}`);
    expect(mail.raw).toContain(code);
    expect(mail.messageId).toMatch(/^<ntf_[a-f0-9]+@baylight>$/);
  });

  it('holds a notice during the recipient\u2019s quiet hours', async () => {
    const smtp = await startSmtpServer();
    const server = await startTestServer({ SMTP_URL: smtp.url });
    const bank = await onlineBank(server);
    const clerk = await person(server, 'MAILROOM');
    const student = await person(server, 'STUDENT');
    // Quiet all day except one minute that has just passed.
    const now = new Date();
    const hhmm = (d: Date) => d.toISOString().slice(11, 16);
    const end = new Date(now.getTime() - 60_000);
    await server.gql(
      `mutation ($i: UpdateMyPreferencesInput!) { updateMyPreferences(input: $i) { id } }`,
      { i: { quietHoursStart: hhmm(now), quietHoursEnd: hhmm(end) } },
      student.token,
    );
    await depositParcel(server, bank, clerk, student);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(smtp.received).toEqual([]);
    expect(await server.services.notify.store.countByStatus('PENDING')).toBe(1);
  });
});

describe('web push', () => {
  it('sends an encrypted payload with a valid VAPID signature that the subscriber can decrypt', async () => {
    const push = await startPushService();
    const server = await startTestServer({ VAPID_SUBJECT: 'mailto:lockers@uni.test' }, { pushAgent: push.agent });
    const bank = await onlineBank(server, { name: 'Union' });
    const clerk = await person(server, 'MAILROOM');
    const student = await person(server, 'STUDENT');
    const browser = push.subscribe('student-phone');
    const reg = await server.gql(
      REGISTER,
      { input: { endpoint: browser.endpoint, p256dh: browser.p256dh, auth: browser.auth, label: 'Phone' } },
      student.token,
    );
    expect(reg.data.registerPushSubscription.label).toBe('Phone');
    const { label } = await depositParcel(server, bank, clerk, student);
    const delivery = await eventually(() => push.deliveries.find((d) => d.path === '/push/student-phone'));
    expect(delivery.headers['content-encoding']).toBe('aes128gcm');
    const payload = JSON.parse(browser.decrypt(delivery.body));
    expect(payload).toMatchObject({ title: `Your parcel is ready: Union, compartment ${label}` });
    expect(payload.body).toMatch(/Pickup code \d{8}/);
    const vapid = await verifyVapid(String(delivery.headers.authorization));
    expect(vapid.claims).toMatchObject({ aud: push.origin, sub: 'mailto:lockers@uni.test' });
    const pushKey = (await server.gql(`{ pushPublicKey }`, {}, student.token)).data.pushPublicKey;
    expect(vapid.publicKey).toBe(pushKey);
  });

  it('forgets a device whose push endpoint answers 410 Gone', async () => {
    const push = await startPushService();
    const server = await startTestServer({}, { pushAgent: push.agent });
    const bank = await onlineBank(server);
    const clerk = await person(server, 'MAILROOM');
    const student = await person(server, 'STUDENT');
    const browser = push.subscribe('old-laptop');
    push.statusFor.set('/push/old-laptop', 410);
    await server.gql(
      REGISTER,
      { input: { endpoint: browser.endpoint, p256dh: browser.p256dh, auth: browser.auth } },
      student.token,
    );
    await depositParcel(server, bank, clerk, student);
    await eventually(() => push.deliveries.length === 1);
    const settings = await eventually(async () => {
      const r = await server.gql(`{ myNotificationSettings { devices { id } } }`, {}, student.token);
      return r.data.myNotificationSettings.devices.length === 0 ? r : null;
    });
    expect(settings.data.myNotificationSettings.devices).toEqual([]);
    expect(await server.services.notify.store.countByStatus('DROPPED')).toBe(1);
  });

  it('refuses a subscription with a non-https endpoint or malformed keys', async () => {
    const server = await startTestServer();
    const student = await person(server, 'STUDENT');
    const bad = await server.gql(
      REGISTER,
      { input: { endpoint: 'http://push.example/abc', p256dh: 'x', auth: 'y' } },
      student.token,
    );
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('outbox across a crash', () => {
  const serverDir = join(dirname(fileURLToPath(import.meta.url)), '..');
  const tsx = join(serverDir, '../node_modules/.bin/tsx');

  it('delivers every notice exactly once after the server is killed with SIGKILL mid-delivery', async () => {
    const smtp = await startSmtpServer({ acceptDelayMs: 120 });
    const dir = mkdtempSync(join(tmpdir(), 'baylight-kill-'));
    track(null, () => rmSync(dir, { recursive: true, force: true }));
    const port = await freePort();
    const env = {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_FILE: join(dir, 'baylight.db'),
      SMTP_URL: smtp.url,
      LOG_LEVEL: 'error',
      NOTIFY_LEASE_MS: '1000',
      DEVICE_OFFLINE_GRACE_MS: '60000',
    };
    const cli = (...args: string[]) => {
      const r = spawnSync(tsx, ['src/cli/admin.ts', ...args], { cwd: serverDir, env, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(r.stderr);
      return r.stdout.trim();
    };
    const admin = cli('create-token', '--role', 'ADMIN', '--name', 'ops');
    const clerk = cli('create-token', '--role', 'MAILROOM', '--name', 'desk');
    let child: ChildProcess | null = null;
    const startChild = async () => {
      // exec-style: tsx's own child is the server; kill the whole group.
      child = spawn(tsx, ['src/main.ts'], {
        cwd: serverDir,
        env,
        stdio: ['ignore', 'ignore', 'inherit'],
        detached: true,
      });
      track(null, () => {
        try {
          process.kill(-child!.pid!, 'SIGKILL');
        } catch {
          /* gone */
        }
      });
      await eventually(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, 20_000);
    };
    const post = (query: string, variables: Record<string, unknown>, token: string) =>
      fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
      });
    const gql = async (query: string, variables: Record<string, unknown>, token: string) => {
      let res;
      try {
        res = await post(query, variables, token);
      } catch (err) {
        // The CLI calls between requests can outlast the server's keep-alive timeout on a busy
        // machine: the pooled connection is closed as the request goes out, unread. Once more.
        if ((err as { cause?: { code?: string } }).cause?.code !== 'UND_ERR_SOCKET') throw err;
        res = await post(query, variables, token);
      }
      return (await res.json()) as { data: any; errors?: unknown };
    };

    await startChild();
    const site = await gql(`mutation { createSite(input: { name: "Campus" }) { id } }`, {}, admin);
    const bank = await gql(
      `mutation ($i: CreateLockerBankInput!) { createLockerBank(input: $i) { bank { id } deviceToken } }`,
      { i: { siteId: site.data.createSite.id, name: 'Hall', compartments: demoLayout(12) } },
      admin,
    );
    const recipients = Array.from({ length: 6 }, (_, i) => `r${i}@uni.test`);
    for (const email of recipients) cli('create-person', '--email', email, '--name', email, '--role', 'STUDENT');
    const people = await gql(`query { people(search: "uni.test", limit: 50) { id email } }`, {}, clerk);
    const controller = new SimulatedController({
      url: `ws://127.0.0.1:${port}/graphql`,
      deviceToken: bank.data.createLockerBank.deviceToken,
      closeAfterMs: Infinity,
      retry: { minMs: 50, maxMs: 300 },
    });
    track(controller, () => controller.stop());
    await controller.start();

    // Six deposits in a row: six notices queue up behind a slow mail server. The last one's
    // notice is still to be sent once they are all in, so a moment to kill comes after.
    let depositsDone = false;
    const midDelivery = smtp.inFlight(() => depositsDone && smtp.received.length >= 1);
    for (const p of people.data.people as { id: string }[]) {
      const command = controller.nextCommand();
      const r = await gql(
        `mutation ($i: IntakeParcelInput!) { intakeParcel(input: $i) { ... on ParcelReserved { compartment { label } } } }`,
        { i: { tracking: `T-${p.id}`, recipientId: p.id } },
        clerk,
      );
      const label = r.data.intakeParcel.compartment.label as string;
      await command;
      controller.record(label, 'OCCUPIED');
      controller.closeDoor(label);
      await controller.flush();
    }
    depositsDone = true;
    // Killed while a notice is on the wire (after at least one was delivered). Not in the
    // remaining window between the mail server's "250 OK" and the outbox noting it sent:
    // a resend there is unavoidable with SMTP, and carries the same Message-ID.
    let timer: NodeJS.Timeout | undefined;
    const mail = await Promise.race([
      midDelivery,
      new Promise<never>(
        (_, reject) => (timer = setTimeout(() => reject(new Error('no notice in flight within 10 s')), 10_000)),
      ),
    ]).finally(() => clearTimeout(timer));
    process.kill(-child!.pid!, 'SIGKILL');
    // The mail server answers only once the dead sender's connection is gone.
    await Promise.race([mail.closed, new Promise((r) => setTimeout(r, 10_000))]);
    mail.release();
    const beforeRestart = smtp.received.length;
    expect(beforeRestart).toBeLessThan(6); // the kill really interrupted delivery

    await startChild();
    await eventually(() => new Set(smtp.received.map((m) => m.messageId)).size === 6, 20_000);
    await new Promise((r) => setTimeout(r, 1_500)); // room for a duplicate to show up, if there were one
    const ids = smtp.received.map((m) => m.messageId);
    expect(new Set(ids).size).toBe(6);
    expect(ids).toHaveLength(6);
    expect(new Set(smtp.received.flatMap((m) => m.to))).toEqual(new Set(recipients));
  }, 90_000);
});
