/**
 * `npm run admin -- <command>`: administration against the database the server
 * uses (DATABASE_FILE). Tokens are printed once; only their hashes are kept.
 *
 *   create-token --role ADMIN --name ops [--email ops@example.edu]
 *   create-person --email a@b.edu --name "Ada" --role STUDENT [--department Physics]
 *   help
 */
import { parseArgs } from 'node:util';
import { openCliServices } from './services.js';
import { ROLES, type Role } from '../../../drizzle/schema/people.js';

const usage = `Usage: npm run admin -- <command> [options]

Commands:
  create-token   --role <ROLE> --name <name> [--email <address>]
                 Creates (or reuses) a service account and prints a new API token once.
  create-person  --email <address> --name <name> --role <ROLE> [--department <dept>]

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
  },
});

const { services, close } = await openCliServices();

try {
  switch (command) {
    case 'create-token': {
      const role = parseRole(values.role);
      const name = values.name?.trim() || fail('--name is required');
      const email = (
        values.email ?? `${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}@service.baylight.local`
      ).toLowerCase();
      const person =
        services.people.findByEmail(email) ??
        services.people.createPerson({ email, name, role, department: values.department ?? null });
      if (person.role !== role) fail(`${email} exists with role ${person.role}, not ${role}`);
      const token = services.people.createApiToken(person.id, name);
      console.error(`API token for ${person.name} <${person.email}> (${person.role}). It is shown once; store it now.`);
      console.log(token);
      break;
    }
    case 'create-person': {
      const person = services.people.createPerson({
        email: values.email ?? fail('--email is required'),
        name: values.name ?? fail('--name is required'),
        role: parseRole(values.role),
        department: values.department ?? null,
      });
      console.log(`created ${person.name} <${person.email}> ${person.role} (${person.id})`);
      break;
    }
    default:
      fail(`unknown command ${command}`);
  }
} catch (err) {
  fail(err instanceof Error ? err.message : String(err));
} finally {
  close();
}
