#!/usr/bin/env node
// `npm start`: the whole demo on the embedded default — server on :4000 (SQLite,
// in-process pub/sub), web app on :3000, three simulated locker banks, demo people.
//
// It listens on 127.0.0.1 only: the demo runs in development mode with the dev
// outbox on, and its sign-in codes are printed here. `npm start -- --lan` (or
// BAYLIGHT_DEMO_LAN=1) opens both to the network, e.g. to try a phone as a kiosk.
import { mkdirSync, readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { bin, root, run, start, waitForUrl } from './lib.mjs';

const SERVER_PORT = process.env.PORT ?? '4000';
const WEB_PORT = process.env.WEB_PORT ?? '3000';
const lan = process.argv.includes('--lan') || process.env.BAYLIGHT_DEMO_LAN === '1';
/** This machine's first non-internal IPv4 address: what other devices on the network reach. */
const lanAddress = () =>
  Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
const HOST = lan ? '0.0.0.0' : '127.0.0.1';
// Links for browsers: localhost on this machine, the LAN address for other devices.
const publicHost = lan ? (lanAddress() ?? 'localhost') : 'localhost';
// The script's own requests: the address the server surely listens on.
const local = `http://127.0.0.1:${SERVER_PORT}`;
const dataDir = join(root, 'data');
const database = join(dataDir, 'demo.db');
const devices = join(dataDir, 'demo-devices.json');
const secrets = join(dataDir, 'demo-secrets.json');
mkdirSync(dataDir, { recursive: true });

const env = {
  TURBO_TELEMETRY_DISABLED: '1',
  NEXT_TELEMETRY_DISABLED: '1',
  DATABASE_FILE: database,
  DEV_OUTBOX: 'true',
  PORT: SERVER_PORT,
  HOST,
  WEB_ORIGINS: [`http://localhost:${WEB_PORT}`, `http://127.0.0.1:${WEB_PORT}`]
    .concat(lan && publicHost !== 'localhost' ? [`http://${publicHost}:${WEB_PORT}`] : [])
    .join(','),
};
// The web app's API URL is read by `next start` (web/app/config.js/route.ts), not built in,
// so the demo and the e2e tests share one build of web/.next.
const webEnv = {
  ...env,
  BAYLIGHT_API_URL:
    process.env.BAYLIGHT_API_URL ?? process.env.NEXT_PUBLIC_API_URL ?? `http://${publicHost}:${SERVER_PORT}/graphql`,
};
if (lan) {
  console.warn(
    [
      '',
      '  WARNING: --lan opens the demo to your network. It runs in development mode with the',
      '  dev outbox on and well-known demo accounts: anyone who can reach this machine can',
      '  sign in as them (sign-in codes are printed here). Use it only on a network you trust.',
      '',
    ].join('\n'),
  );
}

console.log('Baylight demo: generating types and building the web app (cached after the first run)…');
if (run(bin('turbo'), ['run', 'build', '--filter=@baylight/web', '--output-logs=errors-only'], { env }) !== 0) {
  console.error('The web app did not build; see the errors above.');
  process.exit(1);
}
if (
  run(bin('tsx'), ['src/cli/seed-demo.ts', '--devices-out', devices, '--secrets-out', secrets], {
    cwd: join(root, 'server'),
    env,
  }) !== 0
) {
  process.exit(1);
}

const procs = [];
const stopAll = () => {
  for (const p of procs.reverse()) p.stop();
};
process.on('SIGINT', () => {
  stopAll();
  process.exit(0);
});
process.on('SIGTERM', () => {
  stopAll();
  process.exit(0);
});

procs.push(
  start('server', bin('tsx'), ['src/main.ts'], {
    cwd: join(root, 'server'),
    // Development on purpose (the dev outbox is refused in production), whatever the shell says.
    env: { ...env, NODE_ENV: 'development', LOG_PRETTY: 'true' },
  }),
);
await waitForUrl(`${local}/healthz`);
procs.push(start('web', bin('next'), ['start', '-p', WEB_PORT, '-H', HOST], { cwd: join(root, 'web'), env: webEnv }));
await waitForUrl(`http://127.0.0.1:${WEB_PORT}/offline`);
procs.push(
  start('lockers', bin('tsx'), ['src/cli.ts', '--devices', devices, '--rate', '1'], {
    cwd: join(root, 'simulator'),
    env: { ...env, SERVER_URL: `ws://127.0.0.1:${SERVER_PORT}/graphql` },
  }),
);
for (const p of procs) {
  p.child.on('exit', (code) => {
    if (code !== 0 && code !== null) {
      console.error(`A demo process exited with code ${code}; stopping the demo.`);
      stopAll();
      process.exit(1);
    }
  });
}

// A few parcels for the demo student, taken in by the mailroom once the
// simulated lockers are online (the simulator puts them in and closes the doors).
const demo = JSON.parse(readFileSync(secrets, 'utf8'));
const api = async (query, variables, token) => {
  const res = await fetch(`${local}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return res.json();
};
const waitOnline = async () => {
  for (let i = 0; i < 80; i++) {
    const r = await api('{ lockerBanks { status } }', {}, demo.tokens.mailroom);
    if (r.data?.lockerBanks.every((b) => b.status === 'ONLINE')) return true;
    await new Promise((res) => setTimeout(res, 250));
  }
  return false;
};
if (await waitOnline()) {
  const mine = await api('{ parcels(search: "student@demo") { id status } }', {}, demo.tokens.mailroom);
  const waiting = (mine.data?.parcels ?? []).filter(
    (p) => p.status === 'READY_FOR_PICKUP' || p.status === 'AWAITING_DEPOSIT',
  );
  for (let i = waiting.length; i < 2; i++) {
    await api(
      'mutation ($i: IntakeParcelInput!) { intakeParcel(input: $i) { __typename } }',
      {
        i: {
          tracking: `1Z999AA1${String(Date.now()).slice(-8)}${i}`,
          recipientId: demo.studentId,
          size: i === 0 ? 'S' : 'M',
        },
      },
      demo.tokens.mailroom,
    );
  }
}

console.log(`
  Baylight is running.

    Web app        http://${publicHost}:${WEB_PORT}
    GraphQL API    http://${publicHost}:${SERVER_PORT}/graphql   (WebSocket on the same URL)
    Database       ${database}
    Listening on   ${lan ? 'your network (--lan)' : '127.0.0.1 only (npm start -- --lan to open it)'}

  Sign in with any of these; the one-time code is printed in this terminal,
  in the server's "dev outbox: Your Baylight sign-in code: 123456" line:
    admin@demo.baylight.dev      ADMIN
    it@demo.baylight.dev         IT
    mailroom@demo.baylight.dev   MAILROOM
    courier@demo.baylight.dev    COURIER (drop-off at Library and Student Union)
    student@demo.baylight.dev    STUDENT
    analyst@demo.baylight.dev    DEPARTMENT (Engineering)

  Three simulated locker banks are opening and closing doors, and the
  student has parcels waiting. Ctrl+C stops everything.

  Kiosks (the lockers' touchscreens): open the link, paste the token once.
${demo.kiosks.map((k) => `    ${k.name.padEnd(22)} http://${publicHost}:${WEB_PORT}/kiosk/${k.bankId}\n    ${''.padEnd(22)} ${k.token}`).join('\n')}
`);
