/**
 * What the document limits let through costs: execution time of the clients'
 * heaviest queries and of the heaviest hostile ones that pass the limits, on a
 * large campus (5 sites × 10 banks × 30 compartments, 500 events and 500
 * parcels on a bank). The figures go into docs/security.md.
 *
 *   npm run bench:limits -w server
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../src/app.js';
import { parse } from 'graphql';
import { parseConfig } from '../src/config/index.js';
import { buildSchema } from '../src/graphql/schema.js';
import { operationCost } from '../src/limits/document-limits.js';
import { demoLayout } from '../src/demo/seed.js';

const dir = mkdtempSync(join(tmpdir(), 'baylight-bench-limits-'));
const server = await startServer({
  config: parseConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_FILE: join(dir, 'b.db'),
    PICKUP_SIGNING_KEY_FILE: join(dir, 'keys.json'),
    LOG_LEVEL: 'silent',
    RATE_LIMIT_TOKEN_BURST: '100000',
    RATE_LIMIT_CLIENT_BURST: '100000',
  }),
});
const { services } = server;
const admin = await services.people.createPerson({ email: 'bench@uni.test', name: 'Bench', role: 'ADMIN' });
const token = await services.people.createApiToken(admin.id, 'bench');
const viewer = { personId: admin.id, role: 'ADMIN' as const, department: null, tokenId: 'x' };
let firstBank = '';
let firstDeviceToken = '';
for (let s = 0; s < 5; s++) {
  const site = await services.lockers.createSite(viewer, { name: `Site ${s}` });
  for (let b = 0; b < 10; b++) {
    const { bank, deviceToken } = await services.lockers.createLockerBank(viewer, {
      siteId: site.id,
      name: `Bank ${s}.${b}`,
      compartments: demoLayout(30),
    });
    firstBank ||= bank.id;
    firstDeviceToken ||= deviceToken;
  }
}
const gql = async (query: string, variables: Record<string, unknown> = {}) => {
  const started = performance.now();
  const res = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  return {
    ms: performance.now() - started,
    bytes: text.length,
    errors: (JSON.parse(text) as { errors?: unknown[] }).errors,
  };
};

// 500 events with 500-character details on the first bank, through the device protocol's service.
const events = Array.from({ length: 500 }, (_, i) => ({
  seq: i + 1,
  label: 'A01',
  kind: i % 2 ? 'DOOR_CLOSED' : 'DOOR_OPENED',
  at: new Date(),
  detail: 'd'.repeat(500),
}));
const device = (await services.devices.authenticate(firstDeviceToken))!.identity;
for (let i = 0; i < 500; i += 100) await services.devices.reportEvents(device, events.slice(i, i + 100));

const cases: [string, string][] = [
  [
    'web: the board (LockerBoard)',
    `{ sites { id name timezone banks { id version name location status lastSeenAt counts { total available inUse open unavailable }
       compartments { id version bankId label size hasCharging accessible door occupancy charging state updatedAt } } } }`,
  ],
  [
    'hostile: depth-8 chain through lists',
    `{ lockerBank(id: "${firstBank}") { site { banks { compartments { bank { site { banks { id } } } } } } } }`,
  ],
  [
    'hostile: 500 events of one bank, 500-character details',
    `{ lockerBank(id: "${firstBank}") { events(limit: 500) { id kind compartmentLabel occurredAt receivedAt detail } } }`,
  ],
  [
    'hostile: 15 aliased boards (within the alias limit)',
    `{ ${Array.from({ length: 15 }, (_, i) => `b${i}: lockerBanks { id compartments { id label state } }`).join(' ')} }`,
  ],
];
const schema = buildSchema();
for (const [name, query] of cases) {
  const cost = operationCost(schema, parse(query));
  const runs = [];
  for (let i = 0; i < 5; i++) runs.push(await gql(query));
  const last = runs.at(-1)!;
  const ms = runs.map((r) => r.ms).sort((a, b) => a - b)[2]!;
  console.log(
    `${name}: estimated cost ${cost}, ${last.errors ? `refused (${JSON.stringify(last.errors).slice(0, 120)})` : 'accepted'}, ` +
      `median ${ms.toFixed(1)} ms, ${(last.bytes / 1024).toFixed(0)} KiB`,
  );
}
await server.close();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
