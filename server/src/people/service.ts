/**
 * Identity: bearer tokens (web sessions and API tokens) and e-mail sign-in
 * with one-time codes. Tokens and codes are stored only as hashes.
 */
import { z } from 'zod';
import type { Db } from '../db/index.js';
import type { Mailer } from '../notify/mailer.js';
import type { Clock } from '../shared/clock.js';
import { hmac, numericCode, safeEqualHex, sha256 } from '../shared/crypto.js';
import { badInput, conflict } from '../shared/errors.js';
import { newId, randomToken } from '../shared/ids.js';
import type { Logger } from '../shared/logger.js';
import { authorize, checkAccess, grantOf } from '../access/authorize.js';
import { parseCsv } from './csv.js';
import { createPeopleStore } from './store.js';
import { ROLES } from '../../../drizzle/schema/people.js';
import type { PersonRow, Role, Viewer } from './types.js';

export const SIGN_IN_CODE_TTL_MS = 10 * 60_000;
/** Wrong codes tolerated per issued code before it is burnt. */
export const SIGN_IN_MAX_FAILURES = 5;
/** Codes one address may request per quarter hour; more are silently not sent. */
export const SIGN_IN_CODES_PER_WINDOW = 5;
const SIGN_IN_WINDOW_MS = 15 * 60_000;
/** A courier's exact lookup answers at most this many people (namesakes). */
export const COURIER_SEARCH_LIMIT = 3;

const emailSchema = z.string().trim().toLowerCase().email().max(254);

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
  clock: Clock;
  logger: Logger;
  mailer: Mailer;
  secret: string;
  sessionTtlMs: number;
}

export function createPeopleService({ db, clock, logger, mailer, secret, sessionTtlMs }: PeopleServiceDeps) {
  const store = createPeopleStore(db.orm);

  function parseEmail(email: string): string {
    const parsed = emailSchema.safeParse(email);
    if (!parsed.success) throw badInput('Enter a valid e-mail address.', { field: 'email' });
    return parsed.data;
  }

  function issueToken(personId: string, kind: 'SESSION' | 'API', name: string, expiresAt: Date | null) {
    const token = randomToken(kind === 'SESSION' ? 'bls' : 'blt');
    store.insertToken({
      id: newId('tok'),
      personId,
      kind,
      name,
      hash: sha256(token),
      createdAt: clock.now(),
      expiresAt,
    });
    return token;
  }

  return {
    /** A well-formed address, trimmed and lower-cased; BAD_USER_INPUT otherwise. */
    parseEmail,
    findById: (id: string) => store.findById(id),
    findByIds: (ids: readonly string[]) => store.findByIds(ids),
    findByEmail: (email: string) => store.findByEmail(email.trim().toLowerCase()),

    /** Resolves a bearer token to a viewer; null for unknown, revoked or expired tokens. */
    authenticate(token: string | null | undefined): Viewer | null {
      if (!token) return null;
      const found = store.findActiveToken(sha256(token), clock.now());
      if (!found) return null;
      const now = clock.now();
      // Last-used is informative; write it at most once a minute per token.
      if (!found.token.lastUsedAt || now.getTime() - found.token.lastUsedAt.getTime() > 60_000) {
        store.touchToken(found.token.id, now);
      }
      return {
        personId: found.person.id,
        role: found.person.role,
        department: found.person.department,
        tokenId: found.token.id,
      };
    },

    createPerson(input: {
      email: string;
      name: string;
      role: Role;
      department?: string | null;
      studentId?: string | null;
    }): PersonRow {
      const email = parseEmail(input.email);
      const name = input.name.trim();
      if (!name) throw badInput('A name is required.', { field: 'name' });
      if (store.findByEmail(email)) throw conflict(`A person with e-mail ${email} already exists.`);
      return store.insertPerson({
        id: newId('per'),
        email,
        name,
        role: input.role,
        department: input.department ?? null,
        studentId: input.studentId ?? null,
      });
    },

    /** The signed-in person; null for anyone else (anonymous, a kiosk, a controller). */
    me(viewer: Viewer | null): PersonRow | null {
      checkAccess(viewer, 'Query.me');
      return viewer && viewer.role !== 'KIOSK' ? (store.findById(viewer.personId) ?? null) : null;
    },

    /** Revokes the token the request came with; false when there was none that works. */
    signOut(viewer: Viewer | null): boolean {
      checkAccess(viewer, 'Mutation.signOut');
      if (!viewer) return false;
      store.revokeToken(viewer.tokenId, clock.now());
      return true;
    },

    /**
     * Recipient lookup for the intake desk: staff find by part of a name,
     * e-mail or student id. A courier finds only what a parcel label shows, in
     * full (an exact e-mail address, student id or full name, any case), a few
     * at most: never the directory.
     */
    search(viewer: Viewer | null, term: string, limit: number): PersonRow[] {
      const v = authorize(viewer, 'Query.people');
      const t = term.trim().replace(/\s+/g, ' ').slice(0, 254);
      if (grantOf(v, 'Query.people') === 'exact-match') {
        return t.length < 3 ? [] : store.findExact(t, Math.min(Math.max(limit, 1), COURIER_SEARCH_LIMIT));
      }
      if (t.length < 2) return [];
      return store.search(t.slice(0, 100), Math.min(Math.max(limit, 1), 50));
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
    importCsv(viewer: Viewer | null, csv: string) {
      const v = authorize(viewer, 'Mutation.importPeople');
      const assignsRoles = grantOf(v, 'Mutation.importPeople') === 'all';
      if (csv.length > 5_000_000) throw badInput('The file is larger than 5 MB; split it.');
      const rows = parseCsv(csv);
      const header = (rows.shift() ?? []).map((h) => h.trim().toLowerCase());
      const col = (name: string) => header.indexOf(name.toLowerCase());
      if (col('email') < 0 || col('name') < 0)
        throw badInput('The first line must be a header with at least email,name.');
      const result = { created: 0, updated: 0, errors: [] as { line: number; message: string }[] };
      rows.forEach((cells, i) => {
        const line = i + 2;
        if (cells.every((c) => !c.trim())) return;
        const get = (name: string) => (col(name) >= 0 ? (cells[col(name)] ?? '').trim() : '');
        const email = emailSchema.safeParse(get('email'));
        if (!email.success) return result.errors.push({ line, message: `not a valid e-mail: "${get('email')}"` });
        const name = get('name');
        if (!name) return result.errors.push({ line, message: 'name is empty' });
        const roleCell = get('role').toUpperCase();
        if (roleCell && !(ROLES as readonly string[]).includes(roleCell))
          return result.errors.push({ line, message: `unknown role ${roleCell}` });
        const role = (roleCell || null) as Role | null;
        const studentId = get('studentid') || null;
        const department = get('department') || null;
        const existing = store.findByEmail(email.data);

        const refusal = assignsRoles ? null : beyondContacts(existing, role, department);
        if (refusal) return result.errors.push({ line, message: refusal });

        if (existing) {
          // Only the columns the file has: a short export does not wipe student ids.
          store.updatePerson(existing.id, {
            name,
            ...(col('studentid') >= 0 ? { studentId } : {}),
            ...(assignsRoles && role ? { role } : {}),
            ...(assignsRoles && col('department') >= 0 ? { department } : {}),
          });
          result.updated++;
        } else {
          store.insertPerson({
            id: newId('per'),
            email: email.data,
            name,
            role: role ?? 'STUDENT',
            studentId,
            department,
          });
          result.created++;
        }
      });
      return result;
    },

    /**
     * The signed-in person's own preferences. `bankVisible` answers whether
     * the viewer may see a bank: a department prefers only its own banks, and
     * an unknown bank and one out of scope are refused alike.
     */
    updatePreferences(
      viewer: Viewer | null,
      input: { preferredBankId?: string | null; needsAccessible?: boolean | null },
      bankVisible: (id: string) => boolean,
    ) {
      const v = authorize(viewer, 'Mutation.updateMyPreferences');
      const patch: Partial<PersonRow> = {};
      if (input.preferredBankId !== undefined) {
        if (input.preferredBankId && !bankVisible(input.preferredBankId))
          throw badInput('Unknown bank.', { field: 'preferredBankId' });
        patch.preferredBankId = input.preferredBankId || null;
      }
      if (input.needsAccessible != null) patch.needsAccessible = input.needsAccessible;
      return Object.keys(patch).length ? store.updatePerson(v.personId, patch) : store.findById(v.personId)!;
    },

    /** An API token that does not expire until revoked (admin CLI, integrations). */
    createApiToken(personId: string, name: string): string {
      return issueToken(personId, 'API', name, null);
    },

    /** A web session token (also used by the e2e tests' seed). */
    createSession(personId: string): { token: string; expiresAt: Date } {
      const expiresAt = new Date(clock.now().getTime() + sessionTtlMs);
      return { token: issueToken(personId, 'SESSION', 'web session', expiresAt), expiresAt };
    },

    revokeToken(tokenId: string) {
      store.revokeToken(tokenId, clock.now());
    },

    /**
     * Sends a code when the address belongs to someone. The answer is the same
     * either way, so it never tells who has an account.
     */
    async requestSignInCode(rawEmail: string): Promise<{ ok: true; expiresAt: Date }> {
      const email = parseEmail(rawEmail);
      const now = clock.now();
      const expiresAt = new Date(now.getTime() + SIGN_IN_CODE_TTL_MS);
      const person = store.findByEmail(email);
      const recent = store.recentSignInCodes(email, new Date(now.getTime() - SIGN_IN_WINDOW_MS));
      if (!person) {
        logger.info({ email }, 'sign-in code requested for an unknown address; nothing sent');
        return { ok: true, expiresAt };
      }
      if (recent.length >= SIGN_IN_CODES_PER_WINDOW) {
        logger.warn({ email }, 'sign-in code rate limit reached; nothing sent');
        return { ok: true, expiresAt };
      }
      const code = numericCode(6);
      store.insertSignInCode({
        id: newId('sic'),
        email,
        codeHash: hmac(secret, `${email}:${code}`),
        createdAt: now,
        expiresAt,
      });
      await mailer.send({
        to: email,
        subject: `Your Baylight sign-in code: ${code}`,
        text: `Hello ${person.name},\n\nyour Baylight sign-in code is ${code}. It works once, for 10 minutes.\n\nIf you did not ask for it, ignore this message.`,
      });
      return { ok: true, expiresAt };
    },

    signIn(rawEmail: string, rawCode: string): SignInResult {
      const email = parseEmail(rawEmail);
      const code = rawCode.replace(/\s+/g, '');
      const now = clock.now();
      const notValid: SignInResult = {
        __typename: 'SignInFailure',
        reason: 'CODE_NOT_VALID',
        message: 'That code is not valid. Check it, or ask for a new one.',
      };
      const candidates = store
        .recentSignInCodes(email, new Date(now.getTime() - SIGN_IN_WINDOW_MS))
        .filter((c) => !c.usedAt && c.expiresAt > now);
      const live = candidates.filter((c) => c.failedAttempts < SIGN_IN_MAX_FAILURES);
      if (candidates.length > 0 && live.length === 0) {
        return {
          __typename: 'SignInFailure',
          reason: 'LOCKED_OUT',
          message: 'Too many wrong codes. Ask for a new code in a few minutes.',
        };
      }
      if (!/^\d{6}$/.test(code) || live.length === 0) return notValid;
      const expected = hmac(secret, `${email}:${code}`);
      const match = live.find((c) => safeEqualHex(c.codeHash, expected));
      if (!match) {
        for (const c of live) store.recordFailedSignIn(c.id, c.failedAttempts + 1);
        return notValid;
      }
      const person = store.findByEmail(email);
      if (!person) return notValid;
      store.markSignInCodeUsed(match.id, now);
      const session = this.createSession(person.id);
      logger.info({ personId: person.id }, 'signed in');
      return { __typename: 'SignInSuccess', token: session.token, expiresAt: session.expiresAt, person };
    },
  };
}
export type PeopleService = ReturnType<typeof createPeopleService>;
