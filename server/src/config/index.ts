/**
 * The one place that reads the environment. Every variable is validated here;
 * on bad input every problem is listed at once and the process exits, so an
 * operator fixes the whole configuration in one go.
 */
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const ms = z.coerce.number().int().min(0);
const count = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const configSchema = z.object({
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
  /**
   * SQLite file; `:memory:` for a throwaway database. Directories are created.
   * A relative path is taken from the directory the command was typed in
   * (see resolveFilePaths), and the server logs the absolute path it opened.
   */
  DATABASE_FILE: z.string().min(1).default('data/baylight.db'),
  /**
   * PostgreSQL for the scale-out mode (`postgres://user:password@host:port/db`):
   * when set, DATABASE_FILE is not used and every instance shares this
   * database (migrations run at start, under drizzle's advisory lock).
   * Unset (default): the SQLite file.
   */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  /** Connections per instance to PostgreSQL (DATABASE_URL). */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(2).max(200).default(10),
  /**
   * Redis for the scale-out mode (`redis://[:password@]host:port[/db]`):
   * when set, the Bus (live events, revocations) and the rate limiters are
   * shared by every instance through it. Unset (default): in-process, one
   * instance.
   */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/\S+$/, 'must be a redis:// or rediss:// URL')
    .optional(),
  /**
   * How long a bank's lease (which instance holds its controller) lives after
   * its last refresh; refreshed every third of it. An instance that dies
   * without closing its sockets holds its banks this long, then their grace
   * period (DEVICE_OFFLINE_GRACE_MS) starts on the others.
   */
  BANK_LEASE_TTL_MS: z.coerce.number().int().min(1_000).max(600_000).default(30_000),
  /**
   * This instance's name in a cluster (leases, logs, metrics labels). Default:
   * host name and process id.
   */
  INSTANCE_ID: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,64}$/, '1–64 letters, digits, dots, dashes, colons or underscores')
    .optional(),
  /**
   * Bearer token for GET /metrics (Prometheus). Unset: /metrics answers only
   * requests from loopback, so a public port never leaks the figures.
   */
  METRICS_TOKEN: z.string().min(16).optional(),
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
  /**
   * Where the mailroom desk is, e.g. "Mailroom, Student Services, room 014":
   * told to a courier who must take a parcel there instead of a locker.
   */
  MAILROOM_DESK_LOCATION: z.string().trim().min(1).max(200).optional(),
  /**
   * Asset categories that go only into charging compartments (IT handouts),
   * comma-separated, any case: "laptop,tablet".
   */
  CHARGING_CATEGORIES: z
    .string()
    .default('laptop,tablet')
    .transform((v) =>
      v
        .split(',')
        .map((c) => c.trim().toLowerCase())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().max(40)).max(50)),
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
  /**
   * Largest WebSocket frame accepted; bigger frames close the socket with 1009.
   * Must hold a full batch of events: DEVICE_BATCH_LIMIT × DEVICE_EVENT_MAX_BYTES
   * plus 64 KiB for the rest of the message (checked below).
   */
  WS_MAX_PAYLOAD_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024),
  /** Most events one reportLockerEvents call may carry. */
  DEVICE_BATCH_LIMIT: z.coerce.number().int().min(1).max(10_000).default(500),
  /**
   * Largest event, encoded as JSON in UTF-8. A larger one is stored without
   * effect (TOO_LARGE); a batch whose events all keep to it always fits a frame.
   */
  DEVICE_EVENT_MAX_BYTES: z.coerce.number().int().min(256).max(65_536).default(1536),
  /** Controller clock within this of the server's: event times are used as reported. */
  DEVICE_CLOCK_TOLERANCE_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  /** Sanity window for event times: not further ahead of the server than this … */
  DEVICE_CLOCK_MAX_AHEAD_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
  /** … and not older than this (a controller's journal may hold days of offline events). */
  DEVICE_EVENT_MAX_AGE_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 366)
    .default(24 * 30),
  /** How often version 2 controllers send reportControllerHealth (told in connection_ack). */
  DEVICE_HEALTH_INTERVAL_SECONDS: z.coerce.number().int().min(10).max(86_400).default(300),
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
  /** How often loans are checked for due reminders, escalation to a department and the lost-mode call. */
  REMINDER_SWEEP_MS: ms.min(1_000).default(60_000),

  // --- Hostile clients: what one request, client, token and socket may ask. ---
  // Each number, with the measurement behind it, is in docs/security.md.

  /** Deepest selection nesting of a GraphQL document (fragments flattened). The clients' deepest is 4 (the board). */
  GRAPHQL_MAX_DEPTH: count(1, 100).default(8),
  /** Aliased fields in one operation. The clients use none. */
  GRAPHQL_MAX_ALIASES: count(0, 1000).default(15),
  /** Directives in one operation. The clients use none. */
  GRAPHQL_MAX_DIRECTIVES: count(0, 1000).default(20),
  /** Lexical tokens in one document, checked while parsing. The clients' largest has 158. */
  GRAPHQL_MAX_TOKENS: count(100, 1_000_000).default(1_000),
  /** Estimated resolver calls of one operation (list-aware, limits/document-limits.ts). The board's is 19,625. */
  GRAPHQL_MAX_COST: count(1, 1_000_000_000).default(50_000),
  /** An execution (request, or one subscription event) that has run this long starts no further resolver. */
  GRAPHQL_EXECUTION_BUDGET_MS: count(1, 600_000).default(1_000),
  /**
   * Board queries over HTTP are answered from the result of the last identical one (same
   * document, variables and audience) until a bank or compartment changes, and for at most
   * this long (graphql/board-cache.ts); `LockerBank.lastSeenAt` lags by up to this. 0: off.
   */
  BOARD_CACHE_MAX_AGE_MS: count(0, 60_000).default(2_000),
  /** Longest string, inline or in variables, of any argument but the named exceptions. */
  MAX_STRING_LENGTH: count(100, 10_000_000).default(10_000),
  /** Longest CSV `importPeople` takes (characters); the service refuses more too. */
  IMPORT_CSV_MAX_CHARS: count(1_000, 50_000_000).default(5_000_000),
  /** Largest JSON body of an HTTP request. */
  HTTP_BODY_LIMIT_BYTES: count(1_024, 100_000_000).default(100 * 1024),
  /** Largest JSON body for ADMIN and MAILROOM tokens (importPeople): 5,000,000 characters of CSV as JSON measured ≤ 6.5 MB. */
  HTTP_IMPORT_BODY_LIMIT_BYTES: count(1_024, 200_000_000).default(7 * 1024 * 1024),
  /** Idle time before a kept-alive HTTP connection is closed (Node's default is 5 s). */
  HTTP_KEEP_ALIVE_TIMEOUT_MS: count(1_000, 600_000).default(15_000),
  /** Time a client has to send a request's headers (Node's default: 60 s). Must exceed the keep-alive timeout. */
  HTTP_HEADERS_TIMEOUT_MS: count(1_000, 600_000).default(20_000),
  /** Time a client has to send a whole request, body included (Node's default: 300 s). */
  HTTP_REQUEST_TIMEOUT_MS: count(1_000, 3_600_000).default(60_000),
  /** Per client address: requests and WebSocket operations a quiet client may send at once (burst). */
  RATE_LIMIT_CLIENT_BURST: count(1, 10_000_000).default(1_200),
  /** Per client address: sustained requests and operations per second. */
  RATE_LIMIT_CLIENT_PER_SECOND: count(1, 1_000_000).default(50),
  /** Per person or kiosk token: burst. */
  RATE_LIMIT_TOKEN_BURST: count(1, 10_000_000).default(600),
  /** Per person or kiosk token: sustained per second. */
  RATE_LIMIT_TOKEN_PER_SECOND: count(1, 1_000_000).default(20),
  /** Per controller (deviceToken sockets, counted by bank instead of by address): burst. */
  RATE_LIMIT_DEVICE_BURST: count(1, 10_000_000).default(2_000),
  /** Per controller: sustained operations per second. */
  RATE_LIMIT_DEVICE_PER_SECOND: count(1, 1_000_000).default(100),
  /**
   * An operation spends one more budget token per this much estimated cost (after validation),
   * so budgets pay for work: the board (estimated 19,625) spends 19 more.
   */
  RATE_LIMIT_COST_PER_TOKEN: count(1, 100_000_000).default(1_000),
  /** Operations (subscriptions and queries in flight) one WebSocket may carry; more are refused. */
  WS_MAX_OPERATIONS_PER_SOCKET: count(1, 100_000).default(50),
  /** Open WebSockets per client address; more are closed with 1013. Raise it behind campus NAT. */
  WS_MAX_SOCKETS_PER_CLIENT: count(1, 1_000_000).default(50),
  /** A socket whose unsent output would pass this is closed (1013) as a slow consumer. */
  WS_MAX_BUFFERED_BYTES: count(16 * 1024, 1_000_000_000).default(1024 * 1024),
  /** Accept push endpoints on loopback and private addresses (the tests' local push service). Refused in production. */
  PUSH_ALLOW_PRIVATE_HOSTS: bool.default(false),
});

/** Settings that are fine alone but not together. */
const checkedConfigSchema = configSchema.superRefine((c, ctx) => {
  const problem = (path: keyof typeof c, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  if (c.NODE_ENV === 'production') {
    // Sign-in codes and pickup notices must be sent, never kept in a dev outbox or written to a log.
    if (!c.SMTP_URL)
      problem('SMTP_URL', 'required when NODE_ENV=production: sign-in codes and notices go out by e-mail');
    if (c.DEV_OUTBOX) problem('DEV_OUTBOX', 'must not be on with NODE_ENV=production (it exposes sign-in codes)');
    if (c.PUSH_ALLOW_PRIVATE_HOSTS)
      problem(
        'PUSH_ALLOW_PRIVATE_HOSTS',
        'must not be on with NODE_ENV=production (it lets the server be sent inward)',
      );
  }
  if (c.HTTP_HEADERS_TIMEOUT_MS <= c.HTTP_KEEP_ALIVE_TIMEOUT_MS)
    problem('HTTP_HEADERS_TIMEOUT_MS', 'must be longer than HTTP_KEEP_ALIVE_TIMEOUT_MS');
  if (c.HTTP_HEADERS_TIMEOUT_MS > c.HTTP_REQUEST_TIMEOUT_MS)
    problem('HTTP_HEADERS_TIMEOUT_MS', 'must not be longer than HTTP_REQUEST_TIMEOUT_MS');
  // A controller that keeps to the stated batch limits must never meet the frame limit (1009).
  const fullBatch = c.DEVICE_BATCH_LIMIT * c.DEVICE_EVENT_MAX_BYTES + DEVICE_FRAME_ENVELOPE_BYTES;
  if (fullBatch > c.WS_MAX_PAYLOAD_BYTES)
    problem(
      'WS_MAX_PAYLOAD_BYTES',
      `must be at least DEVICE_BATCH_LIMIT × DEVICE_EVENT_MAX_BYTES + 64 KiB (${fullBatch}) so a full batch of events fits a frame`,
    );
});

/** Room in a frame for what surrounds a batch of events (the message, the query text). */
export const DEVICE_FRAME_ENVELOPE_BYTES = 64 * 1024;

export type Config = z.infer<typeof configSchema>;

export interface ParseConfigOptions {
  /** The process's working directory; relative file paths fall back to it (default process.cwd()). */
  cwd?: string;
}

/** Parses an environment-like record; throws a ConfigError listing every problem. */
export function parseConfig(env: Record<string, string | undefined>, opts: ParseConfigOptions = {}): Config {
  const result = checkedConfigSchema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  return resolveFilePaths(result.data, baseDirectory(env, opts.cwd ?? process.cwd()));
}

/**
 * The directory relative file paths are meant from: where the user typed the
 * command. `npm run server` (a workspace script) runs inside server/, but npm
 * says where it was started in INIT_CWD; without npm it is the working directory.
 * So `DATABASE_FILE=data/x.db npm run server` at the repository root opens
 * ./data/x.db there, not server/data/x.db (an empty database nobody meant).
 */
export function baseDirectory(env: Record<string, string | undefined>, cwd: string): string {
  const initCwd = env.INIT_CWD;
  return initCwd && isAbsolute(initCwd) ? initCwd : cwd;
}

/** DATABASE_FILE and PICKUP_SIGNING_KEY_FILE as absolute paths from `base` (`:memory:` stays as it is). */
export function resolveFilePaths(config: Config, base: string): Config {
  return {
    ...config,
    DATABASE_FILE: config.DATABASE_FILE === ':memory:' ? ':memory:' : resolve(base, config.DATABASE_FILE),
    PICKUP_SIGNING_KEY_FILE: resolve(base, config.PICKUP_SIGNING_KEY_FILE),
  };
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
