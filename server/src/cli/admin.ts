/**
 * `npm run admin -- <command>`: administration against the database the server
 * uses (DATABASE_FILE). Tokens are printed once; only their hashes are kept.
 *
 *   create-token --role ADMIN --name ops [--email ops@example.edu] [--days 90]
 *   create-person --email a@b.edu --name "Ada" --role STUDENT [--department Physics]
 *   rotate-pickup-key
 *   export [--out campus.jsonl]             (src/cli/transfer.ts)
 *   import --from campus.jsonl --to postgres://…
 *   help
 */
import { parseArgs } from 'node:util';
import { openCliServices } from './services.js';
import { runTransfer, transferUsage } from './transfer.js';
import { ROLES, type Role } from '../../../drizzle/schema/people.js';

const usage = `Usage: npm run admin -- <command> [options]

Commands:
  create-token   --role <ROLE> --name <name> [--email <address>] [--days <n>]
                 Creates (or reuses) a service account and prints a new API token once.
                 It expires after <n> days (default API_TOKEN_TTL_DAYS).
  create-person  --email <address> --name <name> --role <ROLE> [--department <dept>]
  rotate-pickup-key
                 Adds a new pickup QR signing key to PICKUP_SIGNING_KEY_FILE; it signs from now on,
                 the previous one stays valid for PICKUP_KEY_GRACE_HOURS. Running servers pick it up
                 within seconds. With PICKUP_SIGNING_KEYS, prints the new JSON to install instead.
${transferUsage}

Roles: ${ROLES.join(', ')}
The database is DATABASE_FILE (default data/baylight.db).`;

function fail(message: string): never {
  console.error(`error: ${message}\n\n${usage}`);
  process.exit(2);
}

function parseRole(value: string | undefined): Role {
  const role = value?.toUpperCase();
  if (!role || !(ROLES as readonly string[]).includes(role)) fail(`--role must be one of ${ROLES.join(', ')}`);
  return role as Role;
}

const [command, ...rest] = process.argv.slice(2);
if (!command || command === 'help' || command === '--help') {
  console.log(usage);
  process.exit(0);
}
const { values } = parseArgs({
  args: rest,
  options: {
    role: { type: 'string' },
    name: { type: 'string' },
    email: { type: 'string' },
    department: { type: 'string' },
    days: { type: 'string' },
    out: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
  },
});

if (command === 'export' || command === 'import') {
  const code = await runTransfer(command, values).catch((err: unknown) =>
    fail(err instanceof Error ? err.message : String(err)),
  );
  process.exit(code);
}

function parseDays(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const days = Number(value);
  if (!Number.isInteger(days) || days < 1 || days > 3650) fail('--days must be a whole number from 1 to 3650');
  return days;
}

const { services, close } = await openCliServices();

try {
  switch (command) {
    case 'create-token': {
      const role = parseRole(values.role);
      const days = parseDays(values.days) ?? services.config.API_TOKEN_TTL_DAYS;
      const name = values.name?.trim() || fail('--name is required');
      const email = (
        values.email ?? `${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}@service.baylight.local`
      ).toLowerCase();
      const person =
        (await services.people.findByEmail(email)) ??
        (await services.people.createPerson({ email, name, role, department: values.department ?? null }));
      if (person.role !== role) fail(`${email} exists with role ${person.role}, not ${role}`);
      const token = await services.people.createApiToken(person.id, name, days);
      const expires = new Date(Date.now() + days * 24 * 3_600_000).toISOString().slice(0, 10);
      console.error(
        `API token for ${person.name} <${person.email}> (${person.role}), valid for ${days} days (until ${expires}). It is shown once; store it now.`,
      );
      console.log(token);
      break;
    }
    case 'create-person': {
      const person = await services.people.createPerson({
        email: values.email ?? fail('--email is required'),
        name: values.name ?? fail('--name is required'),
        role: parseRole(values.role),
        department: values.department ?? null,
      });
      console.log(`created ${person.name} <${person.email}> ${person.role} (${person.id})`);
      break;
    }
    case 'rotate-pickup-key': {
      const { added, retiring, ring } = await services.pickupKeys.rotate();
      const until = retiring.map((k) => `${k.kid} stays valid until ${k.retiresAt}`).join('; ');
      if (services.pickupKeys.source === 'env') {
        console.error(
          `New signing key ${added.kid}. PICKUP_SIGNING_KEYS is set, which this command cannot change: ` +
            `set it on every instance to the JSON below (it holds private keys) and restart them.${until ? ` ${until}.` : ''}`,
        );
        console.log(JSON.stringify(ring));
      } else {
        console.log(
          `New signing key ${added.kid} in ${services.config.PICKUP_SIGNING_KEY_FILE}; it signs from now on.` +
            `${until ? ` ${until}.` : ''} Running servers pick it up within seconds; connected controllers reconnect to learn it.`,
        );
      }
      break;
    }
    default:
      fail(`unknown command ${command}`);
  }
} catch (err) {
  fail(err instanceof Error ? err.message : String(err));
} finally {
  await close();
}
