/**
 * Identity: bearer tokens (web sessions and API tokens) and e-mail sign-in
 * with one-time codes. Tokens and codes are stored only as hashes.
 */
import { z } from 'zod';
import type { AttemptService } from '../attempts/service.js';
import type { Bus } from '../bus/index.js';
import { publishRevocation, RevocationCloseCode } from '../bus/revocations.js';
import type { Db } from '../db/index.js';
import type { Mailer } from '../notify/mailer.js';
import type { Clock } from '../shared/clock.js';
import { hmac, numericCode, safeEqualHex, sha256 } from '../shared/crypto.js';
import { badInput, conflict, notFound } from '../shared/errors.js';
import { newId, randomToken } from '../shared/ids.js';
import type { Logger } from '../shared/logger.js';
import { authorize, checkAccess, grantOf } from '../access/authorize.js';
import { parseCsv } from '../shared/csv.js';
import { createPeopleStore } from './store.js';
import { ROLES } from '../../../drizzle/schema/people.js';
import type { PersonRow, Role, Viewer } from './types.js';

export const SIGN_IN_CODE_TTL_MS = 10 * 60_000;
/** Wrong tries one issued code takes before it is burnt. */
export const SIGN_IN_TRIES_PER_CODE = 5;
/** Codes one address may request per quarter hour; more are silently not sent. */
export const SIGN_IN_CODES_PER_WINDOW = 5;
const SIGN_IN_WINDOW_MS = 15 * 60_000;
/** A courier's exact lookup answers at most this many people (namesakes). */
export const COURIER_SEARCH_LIMIT = 3;

export const emailSchema = z.string().trim().toLowerCase().email().max(254);

/**
 * Why an import line goes beyond contact details (a mailroom's scope): it
 * gives someone a role other than STUDENT, changes a role, or moves an existing
 * person to another department. Null when it does not.
 */
function beyondContacts(existing: PersonRow | undefined, role: Role | null, department: string | null): string | null {
  if (!existing)
    return role && role !== 'STUDENT'
      ? `only an ADMIN assigns roles: ${role} refused (new people are added as STUDENT)`
      : null;
  if (role && role !== existing.role) return `only an ADMIN changes roles: ${existing.role} to ${role} refused`;
  if (department && department !== existing.department) return 'only an ADMIN changes a department: refused';
  return null;
}

export type SignInResult =
  | { __typename: 'SignInSuccess'; token: string; expiresAt: Date; person: PersonRow }
  | { __typename: 'SignInFailure'; reason: 'CODE_NOT_VALID' | 'LOCKED_OUT'; message: string };

export interface PeopleServiceDeps {
  db: Db;
  /** Revocations are published here, so every instance closes the sockets they concern. */
  bus: Bus;
  clock: Clock;
  logger: Logger;
  mailer: Mailer;
  secret: string;
  sessionTtlMs: number;
  attempts: AttemptService;
  apiTokenTtlMs: number;
}

export function createPeopleService(deps: PeopleServiceDeps) {
  const { db, bus, clock, logger, mailer, secret, sessionTtlMs, apiTokenTtlMs, attempts } = deps;
  const store = createPeopleStore(db);

  function parseEmail(email: string): string {
    const parsed = emailSchema.safeParse(email);
    if (!parsed.success) throw badInput('Enter a valid e-mail address.', { field: 'email' });
    return parsed.data;
  }

  /** A new bearer token that ends `ttlMs` from now; only its hash is kept. */
  async function issueToken(personId: string, kind: 'SESSION' | 'API', name: string, ttlMs: number) {
    const token = randomToken(kind === 'SESSION' ? 'bls' : 'blt');
    const now = clock.now();
    const expiresAt = new Date(now.getTime() + ttlMs);
    await store.insertToken({ id: newId('tok'), personId, kind, name, hash: sha256(token), createdAt: now, expiresAt });
    return { token, expiresAt };
  }

  return {
    /** A well-formed address, trimmed and lower-cased; BAD_USER_INPUT otherwise. */
    parseEmail,
    findById: (id: string) => store.findById(id),
    findByIds: (ids: readonly string[]) => store.findByIds(ids),
    findByEmail: (email: string) => store.findByEmail(email.trim().toLowerCase()),

    /** Resolves a bearer token to a viewer; null for unknown, revoked or expired tokens, and disabled people. */
    async authenticate(token: string | null | undefined): Promise<Viewer | null> {
      if (!token) return null;
      const found = await store.findActiveToken(sha256(token), clock.now());
      if (!found) return null;
      const now = clock.now();
      // Last-used is informative; write it at most once a minute per token.
      if (!found.token.lastUsedAt || now.getTime() - found.token.lastUsedAt.getTime() > 60_000) {
        await store.touchToken(found.token.id, now);
      }
      return {
        personId: found.person.id,
        role: found.person.role,
        department: found.person.department,
        tokenId: found.token.id,
      };
    },

    async createPerson(input: {
      email: string;
      name: string;
      role: Role;
      department?: string | null;
      studentId?: string | null;
    }): Promise<PersonRow> {
      const email = parseEmail(input.email);
      const name = input.name.trim();
      if (!name) throw badInput('A name is required.', { field: 'name' });
      // One transaction: the check and the insert (the unique e-mail index backs it across instances).
      return db.transaction(async (tx) => {
        if (await store.findByEmail(email, tx)) throw conflict(`A person with e-mail ${email} already exists.`);
        return store.insertPerson(
          {
            id: newId('per'),
            email,
            name,
            role: input.role,
            department: input.department ?? null,
            studentId: input.studentId ?? null,
          },
          tx,
        );
      });
    },

    /** The signed-in person; null for anyone else (anonymous, a kiosk, a controller). */
    async me(viewer: Viewer | null): Promise<PersonRow | null> {
      checkAccess(viewer, 'Query.me');
      return viewer && viewer.role !== 'KIOSK' ? ((await store.findById(viewer.personId)) ?? null) : null;
    },

    /**
     * Recipient lookup for the intake desk: staff find by part of a name,
     * e-mail or student id. A courier finds only what a parcel label shows, in
     * full (an exact e-mail address, student id or full name, any case), a few
     * at most: never the directory.
     */
    async search(viewer: Viewer | null, term: string, limit: number): Promise<PersonRow[]> {
      const v = authorize(viewer, 'Query.people');
      const t = term.trim().replace(/\s+/g, ' ').slice(0, 254);
      if (grantOf(v, 'Query.people') === 'exact-match') {
        return t.length < 3 ? [] : await store.findExact(t, Math.min(Math.max(limit, 1), COURIER_SEARCH_LIMIT));
      }
      if (t.length < 2) return [];
      return await store.search(t.slice(0, 100), Math.min(Math.max(limit, 1), 50));
    },

    /**
     * Imports a people directory from CSV (header: email,name,role,studentId,department).
     * Each line is answered on its own: good lines are created or updated, bad
     * ones listed with their line number; nothing is half-written.
     *
     * Only an ADMIN assigns roles. A MAILROOM import (scope `contacts`) adds
     * new people as STUDENT and corrects existing people's name and student id;
     * a line that would give anyone another role, or move an existing person
     * to another department (which decides what DEPARTMENT viewers see), is
     * refused with its reason. An empty role cell never changes a role.
     */
    async importCsv(viewer: Viewer | null, csv: string) {
      const v = authorize(viewer, 'Mutation.importPeople');
      const assignsRoles = grantOf(v, 'Mutation.importPeople') === 'all';
      if (csv.length > 5_000_000) throw badInput('The file is larger than 5 MB; split it.');
      const rows = parseCsv(csv);
      const header = (rows.shift() ?? []).map((h) => h.trim().toLowerCase());
      const col = (name: string) => header.indexOf(name.toLowerCase());
      if (col('email') < 0 || col('name') < 0)
        throw badInput('The first line must be a header with at least email,name.');
      const result = { created: 0, updated: 0, errors: [] as { line: number; message: string }[] };
      for (const [i, cells] of rows.entries()) await importLine(cells, i + 2);
      return result;

      /** One line: created, updated, or listed with its reason (each line in a transaction of its own). */
      async function importLine(cells: string[], line: number): Promise<void> {
        if (cells.every((c) => !c.trim())) return;
        const get = (name: string) => (col(name) >= 0 ? (cells[col(name)] ?? '').trim() : '');
        const email = emailSchema.safeParse(get('email'));
        if (!email.success) {
          result.errors.push({ line, message: `not a valid e-mail: "${get('email')}"` });
          return;
        }
        const name = get('name');
        if (!name) {
          result.errors.push({ line, message: 'name is empty' });
          return;
        }
        const roleCell = get('role').toUpperCase();
        if (roleCell && !(ROLES as readonly string[]).includes(roleCell)) {
          result.errors.push({ line, message: `unknown role ${roleCell}` });
          return;
        }
        const role = (roleCell || null) as Role | null;
        const studentId = get('studentid') || null;
        const department = get('department') || null;
        // The look-up and the write in one transaction; what it did is told after it committed.
        const outcome = await db.transaction(async (tx) => {
          const existing = await store.findByEmail(email.data, tx);

          const refusal = assignsRoles ? null : beyondContacts(existing, role, department);
          if (refusal) return { kind: 'refused', refusal } as const;

          if (existing) {
            // Only the columns the file has: a short export does not wipe student ids.
            const changes = {
              ...(col('studentid') >= 0 ? { studentId } : {}),
              ...(assignsRoles && role ? { role } : {}),
              ...(assignsRoles && col('department') >= 0 ? { department } : {}),
            };
            await store.updatePerson(existing.id, { name, ...changes }, tx);
            const rescoped =
              (changes.role && changes.role !== existing.role) ||
              ('department' in changes && department !== existing.department);
            return { kind: 'updated', personId: existing.id, rescoped: !!rescoped } as const;
          }
          await store.insertPerson(
            {
              id: newId('per'),
              email: email.data,
              name,
              role: role ?? 'STUDENT',
              studentId,
              department,
            },
            tx,
          );
          return { kind: 'created' } as const;
        });
        if (outcome.kind === 'refused') {
          result.errors.push({ line, message: outcome.refusal });
        } else if (outcome.kind === 'updated') {
          result.updated++;
          // What decided this person's scope changed: their open sockets re-authorise, as for setPersonRole.
          if (outcome.rescoped)
            publishRevocation(bus, {
              match: { personId: outcome.personId },
              code: RevocationCloseCode.Reconnect,
              reason: 'Role or department changed',
            });
        } else {
          result.created++;
        }
      }
    },

    /**
     * The signed-in person's own preferences. `bankVisible` answers whether
     * the viewer may see a bank: a department prefers only its own banks, and
     * an unknown bank and one out of scope are refused alike.
     */
    async updatePreferences(
      viewer: Viewer | null,
      input: { preferredBankId?: string | null; needsAccessible?: boolean | null },
      bankVisible: (id: string) => boolean | Promise<boolean>,
    ): Promise<PersonRow> {
      const v = authorize(viewer, 'Mutation.updateMyPreferences');
      const patch: Partial<PersonRow> = {};
      if (input.preferredBankId !== undefined) {
        if (input.preferredBankId && !(await bankVisible(input.preferredBankId)))
          throw badInput('Unknown bank.', { field: 'preferredBankId' });
        patch.preferredBankId = input.preferredBankId || null;
      }
      if (input.needsAccessible != null) patch.needsAccessible = input.needsAccessible;
      return Object.keys(patch).length
        ? store.updatePerson(v.personId, patch)
        : ((await store.findById(v.personId)) as PersonRow);
    },

    /**
     * An API token (admin CLI, integrations). It ends after `days`
     * (API_TOKEN_TTL_DAYS unless given): a forgotten token must not work forever.
     */
    async createApiToken(personId: string, name: string, days?: number): Promise<string> {
      const ttlMs = days !== undefined ? days * 24 * 3_600_000 : apiTokenTtlMs;
      if (!(ttlMs > 0)) throw badInput('An API token lasts at least one day.', { field: 'days' });
      return (await issueToken(personId, 'API', name, ttlMs)).token;
    },

    /** A web session token (also used by the e2e tests' seed). */
    createSession(personId: string): Promise<{ token: string; expiresAt: Date }> {
      return issueToken(personId, 'SESSION', 'web session', sessionTtlMs);
    },

    async revokeToken(tokenId: string): Promise<void> {
      await store.revokeToken(tokenId, clock.now());
      publishRevocation(bus, { match: { tokenId }, code: RevocationCloseCode.Revoked, reason: 'Signed out' });
    },

    /** Ends the session (or API token) the request was made with; its open sockets close. */
    async signOut(viewer: Viewer | null): Promise<boolean> {
      checkAccess(viewer, 'Mutation.signOut');
      if (!viewer || viewer.role === 'KIOSK') return false;
      await this.revokeToken(viewer.tokenId);
      return true;
    },

    /**
     * ADMIN: the one way a role changes. The person's open sockets are closed
     * with 4001 so their clients reconnect and are authorised afresh; each
     * operation already sees the new role (sockets re-authenticate per
     * operation).
     */
    async setRole(viewer: Viewer | null, personId: string, role: Role): Promise<PersonRow> {
      const v = authorize(viewer, 'Mutation.setPersonRole');
      const person = await store.findById(personId);
      if (!person) throw notFound('Person');
      if (person.role === role) return person;
      if (person.id === v.personId) throw badInput('You cannot change your own role; ask another admin.');
      const updated = await store.updatePerson(person.id, { role });
      logger.info({ personId, from: person.role, to: role, by: v.personId }, 'role changed');
      publishRevocation(bus, { match: { personId }, code: RevocationCloseCode.Reconnect, reason: 'Role changed' });
      return updated;
    },

    /**
     * ADMIN: disables (or enables) a person. Disabling revokes every token
     * they hold and closes their sockets (4403); they cannot sign in until
     * enabled again, and are told nothing different from a wrong code.
     */
    async setDisabled(viewer: Viewer | null, personId: string, disabled: boolean): Promise<PersonRow> {
      const v = authorize(viewer, 'Mutation.setPersonDisabled');
      const person = await store.findById(personId);
      if (!person) throw notFound('Person');
      if (person.id === v.personId) throw badInput('You cannot disable yourself; ask another admin.');
      if (!disabled) return person.disabledAt ? await store.updatePerson(person.id, { disabledAt: null }) : person;
      if (person.disabledAt) return person;
      const now = clock.now();
      const updated = await db.transaction(async (tx) => {
        await store.revokeTokensOf(person.id, now, tx);
        return store.updatePerson(person.id, { disabledAt: now }, tx);
      });
      logger.info({ personId, by: v.personId }, 'person disabled');
      publishRevocation(bus, { match: { personId }, code: RevocationCloseCode.Revoked, reason: 'Account disabled' });
      return updated;
    },

    /**
     * Sends a code when the address belongs to someone. Everything else is the
     * same either way — the answer, the row written (an unknown address gets a
     * code nobody is sent), the limits — so neither the answer, nor a later
     * sign-in, nor a lockout tells who has an account. Mail goes out after the
     * answer, so its latency tells nothing either.
     */
    async requestSignInCode(rawEmail: string, client: string | null): Promise<{ ok: true; expiresAt: Date }> {
      const email = parseEmail(rawEmail);
      const now = clock.now();
      const expiresAt = new Date(now.getTime() + SIGN_IN_CODE_TTL_MS);
      // Per network client and service-wide: how many codes may be sent (a mail flood to many addresses).
      const allowance = await attempts.begin({
        secret: 'SIGN_IN_REQUEST',
        scopes: { global: 'all', ...(client ? { client } : {}) },
        credential: 'anonymous',
        client,
      });
      const recent = await store.recentSignInCodes(email, new Date(now.getTime() - SIGN_IN_WINDOW_MS));
      if (!allowance.ok || recent.length >= SIGN_IN_CODES_PER_WINDOW) {
        logger.warn({ client }, 'sign-in code request over its limit; nothing sent');
        return { ok: true, expiresAt };
      }
      const person = await store.findByEmail(email);
      const sendable = person && !person.disabledAt ? person : null;
      const code = numericCode(6);
      await store.insertSignInCode({
        id: newId('sic'),
        email,
        // An address without an account gets a code no one can know: it behaves the same from here on.
        codeHash: sendable ? hmac(secret, `${email}:${code}`) : hmac(secret, `unsendable:${randomToken('x')}`),
        createdAt: now,
        expiresAt,
      });
      if (sendable) {
        mailer
          .send({
            to: email,
            subject: `Your Baylight sign-in code: ${code}`,
            text: `Hello ${sendable.name},\n\nyour Baylight sign-in code is ${code}. It works once, for 10 minutes.\n\nIf you did not ask for it, ignore this message.`,
          })
          .catch((err: unknown) => logger.error({ err }, 'sign-in code could not be sent'));
      }
      return { ok: true, expiresAt };
    },

    /**
     * Checks a sign-in code. Each code takes SIGN_IN_TRIES_PER_CODE wrong tries,
     * then it is burnt; a newly requested code starts afresh, so a lockout
     * caused by someone else never stops the real person, who asks for a new
     * code from their mailbox. Every try also passes the attempt mechanism per
     * network client and service-wide.
     */
    async signIn(rawEmail: string, rawCode: string, client: string | null): Promise<SignInResult> {
      const email = parseEmail(rawEmail);
      const code = rawCode.replace(/\s+/g, '');
      const notValid: SignInResult = {
        __typename: 'SignInFailure',
        reason: 'CODE_NOT_VALID',
        message: 'That code is not valid. Check it, or ask for a new one.',
      };
      const lockedOut = (message: string): SignInResult => ({
        __typename: 'SignInFailure',
        reason: 'LOCKED_OUT',
        message,
      });
      const attempt = await attempts.begin({
        secret: 'SIGN_IN_CODE',
        scopes: { global: 'all', ...(client ? { client } : {}) },
        credential: 'anonymous',
        client,
      });
      if (!attempt.ok) {
        const minutes = Math.max(1, Math.ceil(attempt.retryAfterMs / 60_000));
        return lockedOut(`Too many sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`);
      }
      // One transaction: concurrent tries of one code (over several connections or processes) are serialised.
      // (On PostgreSQL it may run again from the start after a serialization failure: no effects outside the db.)
      const outcome = await db.transaction(async (tx) => {
        const now = clock.now();
        const candidates = (
          await store.recentSignInCodes(email, new Date(now.getTime() - SIGN_IN_WINDOW_MS), tx)
        ).filter((c) => !c.usedAt && c.expiresAt > now);
        const live = candidates.filter((c) => c.failedAttempts < SIGN_IN_TRIES_PER_CODE);
        if (candidates.length > 0 && live.length === 0) return 'burnt' as const;
        const expected = /^\d{6}$/.test(code) ? hmac(secret, `${email}:${code}`) : null;
        const match = expected ? live.find((c) => safeEqualHex(c.codeHash, expected)) : undefined;
        const person = match ? await store.findByEmail(email, tx) : undefined;
        if (!match || !person || person.disabledAt) {
          for (const c of live) await store.recordFailedSignIn(c.id, tx);
          return 'wrong' as const;
        }
        await store.markSignInCodeUsed(match.id, now, tx);
        return person;
      });
      if (outcome === 'burnt' || outcome === 'wrong') {
        await attempt.fail();
        return outcome === 'burnt' ? lockedOut('Too many wrong codes. Ask for a new code: it will work.') : notValid;
      }
      await attempt.succeed();
      const session = await this.createSession(outcome.id);
      logger.info({ personId: outcome.id }, 'signed in');
      return { __typename: 'SignInSuccess', token: session.token, expiresAt: session.expiresAt, person: outcome };
    },
  };
}
export type PeopleService = ReturnType<typeof createPeopleService>;
