/**
 * The keys that sign pickup QR tokens, kept outside the database: a copy of
 * the database (a backup, a support dump) must not let anyone mint a QR that
 * opens a door. They live in PICKUP_SIGNING_KEY_FILE (owner-only, 0600) or,
 * instead, in PICKUP_SIGNING_KEYS (the same JSON, e.g. from a secret store).
 *
 * The file holds a list of Ed25519 keys with key ids:
 *
 *   { "keys": [ { "kid": "pk-…", "createdAt": "…", "retiresAt": null, "jwk": { …, "d": "…" } } ] }
 *
 * The newest key with `retiresAt: null` signs. Rotation adds a new key and
 * gives the previous one a `retiresAt` PICKUP_KEY_GRACE_HOURS ahead: until
 * then tokens it signed still verify (on the server and, from connection_ack,
 * on controllers); keys past their `retiresAt` are dropped at the next write.
 *
 * Servers before this kept one key in server_settings; on first start it is
 * moved into the file (it keeps signing) and the row is deleted.
 */
import {
  chmodSync,
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  unwatchFile,
  watchFile,
  writeSync,
} from 'node:fs';
import { dirname, resolve } from 'node:path';
import { eq } from 'drizzle-orm';
import { exportJWK, generateKeyPair } from 'jose';
import { z } from 'zod';
import { ConfigError, type Config } from '../config/index.js';
import type { Db } from '../db/index.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';

/** The server_settings row older servers kept the private key in. */
export const LEGACY_SETTINGS_KEY = 'pickup_signing_key';

const privateJwkSchema = z
  .object({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: z.string().min(1), d: z.string().min(1) })
  .loose();

const signingKeySchema = z.object({
  kid: z.string().min(1).max(100),
  createdAt: z.iso.datetime(),
  retiresAt: z.iso.datetime().nullable(),
  jwk: privateJwkSchema,
});

const keyRingSchema = z.object({ keys: z.array(signingKeySchema).min(1) });

export type SigningKey = z.infer<typeof signingKeySchema>;
export type KeyRing = z.infer<typeof keyRingSchema>;

/** Keys that still verify at `now`: not yet past their `retiresAt`. */
export const liveKeys = (ring: KeyRing, now: Date) =>
  ring.keys.filter((k) => k.retiresAt === null || Date.parse(k.retiresAt) > now.getTime());

/** The key that signs: the newest one not being retired. */
export function signingKey(ring: KeyRing, now: Date): SigningKey {
  const current = ring.keys.filter((k) => k.retiresAt === null);
  const key = current.at(-1) ?? liveKeys(ring, now).at(-1);
  if (!key) throw new Error('No pickup signing key is valid now: rotate (npm run admin -- rotate-pickup-key).');
  return key;
}

export async function generateSigningKey(now: Date): Promise<SigningKey> {
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = `pk-${now.getTime().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  return signingKeySchema.parse({ kid, createdAt: now.toISOString(), retiresAt: null, jwk: { ...jwk, kid } });
}

/**
 * The ring after a rotation: `fresh` signs from now on; every key that signed
 * until now retires after the grace period; keys already retired are dropped.
 */
export function rotateRing(ring: KeyRing, fresh: SigningKey, now: Date, graceMs: number): KeyRing {
  const retiresAt = new Date(now.getTime() + graceMs).toISOString();
  const kept = liveKeys(ring, now).map((k) => (k.retiresAt === null ? { ...k, retiresAt } : k));
  return { keys: [...kept, fresh] };
}

export function parseKeyRing(text: string, source: string): KeyRing {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigError([`${source}: not valid JSON`]);
  }
  const parsed = keyRingSchema.safeParse(json);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${source}: ${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  const kids = parsed.data.keys.map((k) => k.kid);
  if (new Set(kids).size !== kids.length) throw new ConfigError([`${source}: two keys share a kid`]);
  return parsed.data;
}

/**
 * Reads the key file; null when it does not exist. Refuses a file that group
 * or others may read or write: it holds private keys.
 */
export function readKeyFile(path: string): KeyRing | null {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new ConfigError([
      `PICKUP_SIGNING_KEY_FILE: ${path} is open to group or others (mode ${(mode & 0o777).toString(8).padStart(4, '0')}); it holds private keys: chmod 600 ${path}`,
    ]);
  }
  return parseKeyRing(readFileSync(path, 'utf8'), `PICKUP_SIGNING_KEY_FILE ${path}`);
}

/** Writes `ring` to a temporary 0600 file beside `path`, then links or renames it into place. */
function writeKeyFile(path: string, ring: KeyRing, opts: { exclusive: boolean }): boolean {
  mkdirSync(dirname(resolve(path)), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now().toString(36)}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(ring, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(tmp, 0o600); // whatever the umask did
  try {
    if (!opts.exclusive) {
      renameSync(tmp, path);
      return true;
    }
    // First start: two processes may race to create the file; the first wins.
    try {
      linkSync(tmp, path);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // renamed away
    }
  }
}

export interface PickupKeyStore {
  /** Where the keys come from. `env`: PICKUP_SIGNING_KEYS, which this process cannot change. */
  readonly source: 'file' | 'env';
  /** The current ring (re-read when the file changes, see watch). */
  ring(): KeyRing;
  /**
   * Adds a new signing key; the previous one retires after the grace period.
   * With a key file it is written and takes effect here at once (other
   * processes on the same file see it within seconds, see watch). With
   * PICKUP_SIGNING_KEYS nothing is written: the new ring is returned for the
   * operator to install.
   */
  rotate(): Promise<{ added: SigningKey; retiring: SigningKey[]; ring: KeyRing }>;
  /** Called after the ring changed (rotation here or a new file written by the admin CLI). */
  onChange(listener: () => void): void;
  /** Follows changes of the key file written by another process (the admin CLI); returns a stop function. */
  watch(intervalMs?: number): () => void;
}

export async function openPickupKeyStore(deps: {
  config: Pick<Config, 'PICKUP_SIGNING_KEY_FILE' | 'PICKUP_SIGNING_KEYS' | 'PICKUP_KEY_GRACE_HOURS'>;
  db: Db;
  clock: Clock;
  logger: Logger;
}): Promise<PickupKeyStore> {
  const { config, db, clock, logger } = deps;
  const { serverSettings } = db.tables;
  const path = config.PICKUP_SIGNING_KEY_FILE;
  const graceMs = config.PICKUP_KEY_GRACE_HOURS * 3_600_000;
  const listeners: (() => void)[] = [];

  const [legacyRow] = await db.read
    .select()
    .from(serverSettings)
    .where(eq(serverSettings.key, LEGACY_SETTINGS_KEY))
    .limit(1);
  const legacy = legacyRow ? legacyKey(legacyRow.value, clock.now()) : null;
  const deleteLegacy = () =>
    db.transaction(async (tx) => {
      await tx.delete(serverSettings).where(eq(serverSettings.key, LEGACY_SETTINGS_KEY));
    });

  let ring: KeyRing;
  let source: 'file' | 'env';
  if (config.PICKUP_SIGNING_KEYS) {
    source = 'env';
    ring = parseKeyRing(config.PICKUP_SIGNING_KEYS, 'PICKUP_SIGNING_KEYS');
    if (legacyRow) {
      await deleteLegacy();
      if (!legacy || !ring.keys.some((k) => k.kid === legacy.kid))
        logger.warn(
          'the database held a pickup signing key; it was deleted and PICKUP_SIGNING_KEYS is used. ' +
            'QR codes signed with it no longer open doors (the app fetches new ones).',
        );
    }
  } else {
    source = 'file';
    let existing = readKeyFile(path);
    if (!existing) {
      const first: KeyRing = { keys: [legacy ?? (await generateSigningKey(clock.now()))] };
      if (!writeKeyFile(path, first, { exclusive: true })) existing = readKeyFile(path);
      else
        logger.info({ path }, legacy ? 'pickup signing key moved out of the database' : 'pickup signing key created');
    }
    if (existing && legacy && !existing.keys.some((k) => k.kid === legacy.kid)) {
      // The file was made elsewhere; the database's key still verifies during the grace period.
      const retiresAt = new Date(clock.now().getTime() + graceMs).toISOString();
      existing = { keys: [{ ...legacy, retiresAt }, ...existing.keys] };
      writeKeyFile(path, existing, { exclusive: false });
    }
    ring = existing ?? readKeyFile(path)!;
    if (legacyRow) await deleteLegacy();
  }

  const changed = () => {
    for (const listener of listeners) {
      try {
        listener();
      } catch (err) {
        logger.error({ err }, 'pickup key change listener failed');
      }
    }
  };

  return {
    source,
    ring: () => ring,

    async rotate() {
      const now = clock.now();
      const current = source === 'file' ? (readKeyFile(path) ?? ring) : ring;
      const added = await generateSigningKey(now);
      const next = rotateRing(current, added, now, graceMs);
      const retiring = next.keys.filter(
        (k) => k.kid !== added.kid && current.keys.find((c) => c.kid === k.kid)?.retiresAt === null,
      );
      if (source === 'file') {
        writeKeyFile(path, next, { exclusive: false });
        ring = next;
        changed();
      }
      return { added, retiring, ring: next };
    },

    onChange(listener) {
      listeners.push(listener);
    },

    watch(intervalMs = 1_000) {
      if (source !== 'file') return () => {};
      const onStat = (curr: { mtimeMs: number; ino: number }, prev: { mtimeMs: number; ino: number }) => {
        if (curr.mtimeMs === prev.mtimeMs && curr.ino === prev.ino) return;
        try {
          const next = readKeyFile(path);
          if (!next || JSON.stringify(next) === JSON.stringify(ring)) return;
          ring = next;
          logger.info({ kids: next.keys.map((k) => k.kid) }, 'pickup signing keys reloaded');
          changed();
        } catch (err) {
          // Keep signing with what we have; a broken file must not stop pickups.
          logger.error({ err }, 'pickup signing key file unreadable; keeping the keys loaded before');
        }
      };
      // Polling, not fs.watch: the file is replaced by rename, which inode watches lose.
      watchFile(path, { interval: intervalMs, persistent: false }, onStat);
      return () => unwatchFile(path, onStat);
    },
  };
}

/** The private JWK older servers stored in server_settings, as a ring entry. */
function legacyKey(value: string, now: Date): SigningKey | null {
  try {
    const jwk = privateJwkSchema.parse(JSON.parse(value));
    const kid = typeof jwk.kid === 'string' && jwk.kid ? jwk.kid : 'pk';
    return { kid, createdAt: now.toISOString(), retiresAt: null, jwk };
  } catch {
    return null;
  }
}
