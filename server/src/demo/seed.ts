/**
 * Demo data: one campus, three locker banks and a person of each role. Used by
 * `npm start` and by the end-to-end tests. Idempotent: a second run keeps what
 * is there and only issues fresh device tokens (the old ones cannot be read
 * back: only their hashes are stored).
 */
import type { Role } from '../people/types.js';
import type { Services } from '../services.js';

export const DEMO_DOMAIN = 'demo.baylight.dev';

export const demoPeople: { email: string; name: string; role: Role; department?: string }[] = [
  { email: `admin@${DEMO_DOMAIN}`, name: 'Alex Admin', role: 'ADMIN' },
  { email: `it@${DEMO_DOMAIN}`, name: 'Ira Technician', role: 'IT' },
  { email: `mailroom@${DEMO_DOMAIN}`, name: 'Mo Mailroom', role: 'MAILROOM' },
  { email: `courier@${DEMO_DOMAIN}`, name: 'Cory Courier', role: 'COURIER' },
  { email: `student@${DEMO_DOMAIN}`, name: 'Sam Student', role: 'STUDENT' },
  { email: `analyst@${DEMO_DOMAIN}`, name: 'Dana Analyst', role: 'DEPARTMENT', department: 'Engineering' },
];

/**
 * The demo's background cast (`npm start` only, not the e2e tests): students
 * the demo mailroom takes parcels in for and who come to collect them
 * (server/src/demo/story.ts), so the banks look lived in while the person
 * trying the demo uses the accounts above.
 */
export const storyPeople: { email: string; name: string; role: Role; department?: string }[] = [
  { email: `riley.reader@${DEMO_DOMAIN}`, name: 'Riley Reader', role: 'STUDENT' },
  { email: `priya.shah@${DEMO_DOMAIN}`, name: 'Priya Shah', role: 'STUDENT' },
  { email: `tomas.garcia@${DEMO_DOMAIN}`, name: 'Tomás García', role: 'STUDENT' },
  { email: `mei.chen@${DEMO_DOMAIN}`, name: 'Mei Chen', role: 'STUDENT', department: 'Engineering' },
  { email: `noah.okafor@${DEMO_DOMAIN}`, name: 'Noah Okafor', role: 'STUDENT', department: 'Engineering' },
  { email: `ines.moreau@${DEMO_DOMAIN}`, name: 'Inès Moreau', role: 'STUDENT' },
];

const demoBanks = [
  { name: 'Library', location: 'Main Library, ground floor by the east doors', department: null },
  { name: 'Student Union', location: 'Student Union, lower concourse', department: null },
  { name: 'Engineering', location: 'Engineering Building, lobby', department: 'Engineering' },
];

/**
 * A realistic bank layout: columns of four rows (A–D); the bottom row is
 * within reach from a wheelchair; sizes grow towards the bottom; every fourth
 * column has chargers (laptop lockers).
 */
export function demoLayout(count: number) {
  const rows = ['A', 'B', 'C', 'D'] as const;
  const sizes = { A: 'S', B: 'M', C: 'M', D: 'L' } as const;
  return Array.from({ length: count }, (_, i) => {
    const row = rows[i % 4] ?? 'A';
    const column = Math.floor(i / 4) + 1;
    return {
      label: `${row}${String(column).padStart(2, '0')}`,
      size: i % 11 === 10 ? ('XL' as const) : sizes[row],
      hasCharging: column % 4 === 0,
      accessible: row === 'D',
    };
  });
}

/** The demo's asset register: central IT's loaners and the Engineering department's own laptops. */
export const demoAssetsCsv = [
  'tag,serial,model,category,department,condition,notes',
  'LT-0001,PF3X9Z01,ThinkPad T14 Gen 4,laptop,,GOOD,Loaner pool',
  'LT-0002,PF3X9Z02,ThinkPad T14 Gen 4,laptop,,GOOD,Loaner pool',
  'LT-0003,PF3X9Z03,ThinkPad T14 Gen 4,laptop,,FAIR,Loaner pool; scuffed lid',
  'LT-0004,C02FK1AB,MacBook Air 13 M3,laptop,,NEW,Loaner pool',
  'EN-0101,5CG3301X,HP EliteBook 840 G10,laptop,Engineering,GOOD,CAD lab',
  'EN-0102,5CG3302X,HP EliteBook 840 G10,laptop,Engineering,GOOD,CAD lab',
  'CH-0001,,USB-C 65 W charger,charger,,GOOD,',
  'CH-0002,,USB-C 65 W charger,charger,,GOOD,',
].join('\n');

export async function seedDemo(services: Services, compartmentsPerBank = 24, opts: { storyPeople?: boolean } = {}) {
  const admin =
    (await services.people.findByEmail(`admin@${DEMO_DOMAIN}`)) ??
    (await services.people.createPerson({ email: `admin@${DEMO_DOMAIN}`, name: 'Alex Admin', role: 'ADMIN' }));
  for (const p of [...demoPeople, ...(opts.storyPeople ? storyPeople : [])]) {
    if (!(await services.people.findByEmail(p.email))) await services.people.createPerson(p);
  }
  const viewer = { personId: admin.id, role: admin.role, department: null, tokenId: 'seed' };
  const site =
    (await services.lockers.store.listSites()).find((s) => s.name === 'Main Campus') ??
    (await services.lockers.createSite(viewer, { name: 'Main Campus', timezone: 'Europe/London' }));
  const devices: { name: string; bankId: string; deviceToken: string }[] = [];
  for (const spec of demoBanks) {
    const existing = (await services.lockers.store.listBanks(site.id)).find((b) => b.name === spec.name);
    const { bank, deviceToken } = existing
      ? await services.devices.rotateDeviceToken(viewer, existing.id)
      : await services.lockers.createLockerBank(viewer, {
          siteId: site.id,
          ...spec,
          compartments: demoLayout(compartmentsPerBank),
        });
    devices.push({ name: bank.name, bankId: bank.id, deviceToken });
  }
  // The courier may drop off at the first two banks; each bank gets a kiosk.
  const courier = (await services.people.findByEmail(`courier@${DEMO_DOMAIN}`))!;
  await services.parcels.setCourierBanks(
    viewer,
    courier.id,
    devices.slice(0, 2).map((d) => d.bankId),
  );
  const kiosks: { bankId: string; name: string; token: string }[] = [];
  for (const d of devices) {
    const { token } = await services.kiosks.createCredential(viewer, d.bankId, `${d.name} kiosk`);
    kiosks.push({ bankId: d.bankId, name: d.name, token });
  }
  // IT's register: a few laptops and chargers (the same file again changes nothing).
  await services.assets.importCsv(viewer, demoAssetsCsv, false);
  const student = (await services.people.findByEmail(`student@${DEMO_DOMAIN}`))!;
  const mailroom = (await services.people.findByEmail(`mailroom@${DEMO_DOMAIN}`))!;
  await services.people.updatePreferences(
    { personId: student.id, role: student.role, department: null, tokenId: 'seed' },
    { preferredBankId: devices[0]?.bankId ?? null },
    () => true,
  );
  const cast: { id: string; name: string; token: string }[] = [];
  for (const p of opts.storyPeople ? storyPeople : []) {
    const row = (await services.people.findByEmail(p.email))!;
    cast.push({ id: row.id, name: row.name, token: await services.people.createApiToken(row.id, 'demo story') });
  }
  return {
    site,
    devices,
    kiosks,
    /** API tokens the demo launcher uses to load a few parcels once the lockers are online. */
    tokens: {
      admin: await services.people.createApiToken(admin.id, 'demo launcher'),
      mailroom: await services.people.createApiToken(mailroom.id, 'demo launcher'),
    },
    mailroomName: mailroom.name,
    studentId: student.id,
    people: demoPeople,
    /** The story's cast, each with an API token of their own (they collect their parcels themselves). */
    cast,
  };
}
