/**
 * The one place that reads the environment. Every variable is validated here;
 * on bad input every problem is listed at once and the process exits, so an
 * operator fixes the whole configuration in one go.
 */
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const ms = z.coerce.number().int().min(0);

export const configSchema = z
  .object({
    /**
     * `production` turns off everything meant for development: introspection,
     * "did you mean" suggestions, the dev outbox (refused at start), codes in
     * logs, the API's landing page.
     */
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    /**
     * Express's `trust proxy`: behind a TLS reverse proxy, the hops (or
     * addresses) whose X-Forwarded-For is believed, so attempt budgets and rate
     * limits count the real client. `false` (default): the socket's address.
     */
    TRUST_PROXY: z.string().default('false'),
    /** HTTP and WebSocket port; 0 picks a free one (tests). */
    PORT: z.coerce.number().int().min(0).max(65535).default(4000),
    HOST: z.string().default('0.0.0.0'),
    /** SQLite file; `:memory:` for a throwaway database. Directories are created. */
    DATABASE_FILE: z.string().min(1).default('data/baylight.db'),
    /** Web app origins allowed by CORS, comma separated. */
    WEB_ORIGINS: z
      .string()
      .default('http://localhost:3000,http://127.0.0.1:3000')
      .transform((s) =>
        s
          .split(',')
          .map((o) => o.trim())
          .filter(Boolean),
      ),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Human-readable logs (development); JSON lines otherwise. */
    LOG_PRETTY: bool.default(false),
    /**
     * Secret for HMACs of one-time codes. At least 32 characters in production;
     * when unset a random one is generated and kept in the database directory.
     */
    SECRET_KEY: z.string().min(32).optional(),
    /** Keep mail in a dev outbox readable over the API instead of sending it. Never in production. */
    DEV_OUTBOX: bool.default(false),
    /**
     * The pickup QR signing keys (Ed25519 JWKs with key ids), outside the
     * database so a copy of it cannot forge offline QRs. A file (created 0600
     * on first start) or, instead, PICKUP_SIGNING_KEYS holding the same JSON.
     */
    PICKUP_SIGNING_KEY_FILE: z.string().min(1).default('data/pickup-signing-keys.json'),
    PICKUP_SIGNING_KEYS: z.string().min(1).optional(),
    /** How long controllers still accept a rotated-out signing key (QRs signed with it stay valid). */
    PICKUP_KEY_GRACE_HOURS: z.coerce
      .number()
      .int()
      .min(0)
      .max(24 * 60)
      .default(24 * 31),
    /** Kiosk credentials and API tokens end after this; rotate them before. */
    KIOSK_CREDENTIAL_TTL_DAYS: z.coerce.number().int().min(1).max(3650).default(365),
    API_TOKEN_TTL_DAYS: z.coerce.number().int().min(1).max(3650).default(365),
    SMTP_URL: z.string().url().optional(),
    MAIL_FROM: z.string().default('Baylight <no-reply@baylight.local>'),
    /** How long a bank may be disconnected before it shows OFFLINE. */
    DEVICE_OFFLINE_GRACE_MS: ms.default(15_000),
    /** Keep-alive ping interval on WebSockets; shorter than any proxy idle timeout. */
    WS_KEEPALIVE_MS: ms.default(12_000),
    /** Largest WebSocket frame accepted; bigger frames close the socket with 1009. */
    WS_MAX_PAYLOAD_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(256 * 1024),
    /** Most events one reportLockerEvents call may carry. */
    DEVICE_BATCH_LIMIT: z.coerce.number().int().min(1).max(10_000).default(500),
    /** Lifetime of a staff or remote open command. */
    OPEN_COMMAND_TTL_MS: ms.default(30_000),
    SESSION_TTL_HOURS: z.coerce
      .number()
      .int()
      .min(1)
      .default(24 * 30),
    /** The web app's public URL, for links in e-mail and push notices. */
    PUBLIC_WEB_URL: z.string().url().default('http://localhost:3000'),
    /** VAPID subject (RFC 8292): a mailto: or https: contact for push services. */
    VAPID_SUBJECT: z
      .string()
      .regex(/^(mailto:|https:)/, 'must start with mailto: or https:')
      .default('mailto:lockers@baylight.local'),
    /** A door open longer than this raises a DOOR_LEFT_OPEN alert to staff. */
    DOOR_LEFT_OPEN_SECONDS: z.coerce.number().int().min(5).default(120),
    /**
     * How long a notice being sent is reserved for the sender; after a crash it
     * is sent again once this has passed.
     */
    NOTIFY_LEASE_MS: ms.default(60_000),
    /** How often expiry, reminders and abandoned deposits are checked. */
    PARCEL_SWEEP_MS: ms.default(15_000),
  })
  .superRefine((c, ctx) => {
    if (c.NODE_ENV !== 'production') return;
    // Sign-in codes and pickup notices must be sent, never kept in a dev outbox or written to a log.
    if (!c.SMTP_URL)
      ctx.addIssue({
        code: 'custom',
        path: ['SMTP_URL'],
        message: 'required when NODE_ENV=production: sign-in codes and notices go out by e-mail',
      });
    if (c.DEV_OUTBOX)
      ctx.addIssue({
        code: 'custom',
        path: ['DEV_OUTBOX'],
        message: 'must be false when NODE_ENV=production: it shows unsent mail (sign-in codes) to anyone',
      });
  });

export type Config = z.infer<typeof configSchema>;

/** Parses an environment-like record; throws a ConfigError listing every problem. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const result = configSchema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  return result.data;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Reads process.env once; prints every problem and exits on invalid configuration. */
export function loadConfigOrExit(): Config {
  try {
    return parseConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}
