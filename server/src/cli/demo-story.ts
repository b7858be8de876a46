/**
 * `tsx src/cli/demo-story.ts --secrets data/demo-secrets.json --url http://127.0.0.1:4000/graphql`:
 * the demo's background life (server/src/demo/story.ts), started by `npm start`
 * after the server and the simulated lockers. Its tokens come from the secrets
 * file seed-demo wrote (`--story-people`).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DemoStory, type StoryTransport } from '../demo/story.js';
import { DEMO_DOMAIN } from '../demo/seed.js';

const { values } = parseArgs({
  options: {
    secrets: { type: 'string' },
    url: { type: 'string', default: 'http://127.0.0.1:4000/graphql' },
  },
});
if (!values.secrets) {
  console.error('usage: demo-story --secrets <file written by seed-demo --secrets-out> [--url <graphql url>]');
  process.exit(2);
}
const secrets = JSON.parse(readFileSync(values.secrets, 'utf8')) as {
  tokens: { mailroom: string };
  mailroomName?: string;
  studentId: string;
  kiosks: { bankId: string; token: string }[];
  cast?: { id: string; name: string; token: string }[];
};
if (!secrets.cast?.length) {
  console.error(`${values.secrets} has no story cast: run seed-demo with --story-people.`);
  process.exit(2);
}

const url = values.url;
const api: StoryTransport = async (query, variables, token) => {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as Awaited<ReturnType<StoryTransport>>;
};
const time = () => new Date().toTimeString().slice(0, 8);
const story = new DemoStory(
  api,
  {
    mailroom: { name: secrets.mailroomName ?? 'The mailroom', token: secrets.tokens.mailroom },
    students: secrets.cast,
    guest: { id: secrets.studentId, email: `student@${DEMO_DOMAIN}`, waiting: 2 },
    kiosks: secrets.kiosks,
  },
  { log: (line) => console.log(`${time()} ${line}`) },
);
story.start();
console.log(`${time()} the story begins: ${secrets.cast.map((c) => c.name).join(', ')} expect parcels.`);

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    story.stop();
    const c = story.counts;
    const n = (count: number, what: string) => `${count} ${what}${count === 1 ? '' : 's'}`;
    console.log(
      `${time()} the story ends: ${n(c.intakes, 'parcel')} taken in, ${n(c.pickups, 'parcel')} collected, ${n(c.resolved, 'alert')} resolved.`,
    );
    process.exit(0);
  });
}
