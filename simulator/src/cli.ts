#!/usr/bin/env node
/**
 * The simulator as a program, for the demo:
 *
 *   npm run simulator -- --banks 3 --compartments 24
 *
 * Gets device tokens (a devices file, earlier provisioning saved in the state
 * file, or provisioning with an admin token), connects one simulated
 * controller per bank, and drives them with random activity or a script.
 * The only module allowed to read process.env.
 */
import { isAbsolute, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadScript, RandomActivity, ScriptRunner } from './activity.js';
import { backoffDelay, type RetryOptions } from './backoff.js';
import { SimulatedController, type ControllerStatus } from './controller.js';
import { FileJournal } from './journal.js';
import {
  loadDevicesFile,
  provisionBanks,
  ProvisionError,
  readState,
  ServerUnreachableError,
  type DeviceCredential,
} from './provision.js';
import { seededRandom } from './random.js';
import { CONTROLLER_CAPABILITIES, type Logger } from './types.js';
import { SIMULATOR_VERSION } from './version.js';

const DEFAULT_URL = 'ws://localhost:4000/graphql';
const DEFAULT_STATE = 'data/simulator-devices.json';
const DEFAULT_JOURNALS = 'data/simulator-journal';
/** Waiting for a server that is still starting (the demo starts both at once): shorter than a controller's back-off. */
const PROVISION_RETRY: RetryOptions = { minMs: 500, maxMs: 10_000 };

const USAGE = `Baylight locker controller simulator

Usage: npm run simulator -- [options]

Device tokens, first match wins:
  --devices <file>        JSON: [{ "deviceToken": "...", "name": "..." }, …]
  --admin-token <token>   provision banks over the server's GraphQL API (env BAYLIGHT_ADMIN_TOKEN);
                          create one with: npm run admin -- create-token --role ADMIN --name sim
  (neither)               reuse the banks saved in the state file by an earlier provisioning

Options:
  --banks <n>             banks to simulate (default 3; with --devices, every bank in the file)
  --compartments <n>      compartments per newly provisioned bank, 1–200 (default 24)
  --rate <n>              random actions per second per bank (default 0.5; 0 = none;
                          default 0 when --script is given)
  --close-after <ms>      how long a door opened by a command stays open (default 4000)
  --script <file>         run scripted steps: [{ "afterMs", "bank", "label", "action" }, …]
                          actions: deposit pickup open close fault clear-fault charge charged
                          tamper disconnect reconnect; afterMs counts from the previous step
  --state <file>          where provisioned tokens are kept (default ${DEFAULT_STATE})
  --url <ws-url>          server (default $SERVER_URL or ${DEFAULT_URL})
  --site-name <name>      site for newly provisioned banks (default "Baylight demo campus")
  --seed <n>              seed the random activity, for a repeatable run
  --verbose               print debug lines (every retry, every batch)
  -h, --help              this text

What each controller says about itself (connection_init, protocol version 2):
  --protocol-version <n>  the highest version to offer: 2 (default) or 1 (a deprecated controller)
  --model <text>          default "Baylight Simulator"
  --serial <text>         default SIM-<BANK NAME>; with several banks, <text>-1, <text>-2, …
  --firmware <text>       default the simulator's version (${SIMULATOR_VERSION})
  --capabilities <list>   comma-separated ControllerCapability names (default all:
                          ${CONTROLLER_CAPABILITIES.join(',')})
  --clock-skew <ms>       run the controllers' clocks this far ahead; behind: --clock-skew=-90000
  --signal=<dBm>          uplink signal strength to report in health reports, e.g. --signal=-67

The journal (events not yet acknowledged, and the seq counter) is kept per bank in
  --journal-dir <dir>     default ${DEFAULT_JOURNALS}; survives restarts of the simulator
  --ephemeral             keep journals in memory only

Exit codes: 0 after Ctrl-C, 1 on bad usage or a protocol failure,
2 when the server refuses a device token (4403). A bank whose connection is
taken over by another with the same token (4000/4002) keeps reconnecting with
back-off and warns of a shared token; it does not stop the simulator.`;

class UsageError extends Error {}

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} needs a positive integer, got "${value}"`);
  return n;
}

function nonNegative(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${name} needs a number ≥ 0, got "${value}"`);
  return n;
}

function time(): string {
  return new Date().toTimeString().slice(0, 8);
}

function makeLogger(verbose: boolean): Logger {
  return {
    debug: (m) => {
      if (verbose) console.log(`${time()}   ${m}`);
    },
    info: (m) => console.log(`${time()} ${m}`),
    warn: (m) => console.warn(`${time()} ! ${m}`),
    error: (m) => console.error(`${time()} ✗ ${m}`),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      banks: { type: 'string' },
      compartments: { type: 'string' },
      rate: { type: 'string' },
      'close-after': { type: 'string' },
      devices: { type: 'string' },
      'admin-token': { type: 'string' },
      state: { type: 'string' },
      script: { type: 'string' },
      url: { type: 'string' },
      'site-name': { type: 'string' },
      seed: { type: 'string' },
      'protocol-version': { type: 'string' },
      model: { type: 'string' },
      serial: { type: 'string' },
      firmware: { type: 'string' },
      capabilities: { type: 'string' },
      'clock-skew': { type: 'string' },
      signal: { type: 'string' },
      'journal-dir': { type: 'string' },
      ephemeral: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }

  // npm runs workspace scripts inside simulator/; paths given on the command
  // line are meant relative to where the user typed it.
  const baseDir = process.env.INIT_CWD ?? process.cwd();
  const path = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));

  const url = values.url ?? process.env.SERVER_URL ?? DEFAULT_URL;
  const bankCount = values.banks === undefined ? undefined : positiveInt('banks', values.banks, 3);
  const compartments = positiveInt('compartments', values.compartments, 24);
  if (compartments > 200) throw new UsageError('--compartments is at most 200');
  const rate = nonNegative('rate', values.rate, values.script ? 0 : 0.5);
  const closeAfterMs = nonNegative('close-after', values['close-after'], 4000);
  const statePath = path(values.state ?? DEFAULT_STATE);
  const adminToken = values['admin-token'] ?? process.env.BAYLIGHT_ADMIN_TOKEN;
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !Number.isFinite(seed)) throw new UsageError(`--seed needs a number, got "${values.seed}"`);
  const logger = makeLogger(values.verbose);
  const protocolVersion = values['protocol-version'] === undefined ? 2 : Number(values['protocol-version']);
  if (protocolVersion !== 1 && protocolVersion !== 2) {
    throw new UsageError(`--protocol-version is 1 or 2, got "${values['protocol-version']}"`);
  }
  const clockSkewMs = values['clock-skew'] === undefined ? 0 : Number(values['clock-skew']);
  if (!Number.isFinite(clockSkewMs))
    throw new UsageError(`--clock-skew needs a number of ms, got "${values['clock-skew']}"`);
  const signalDbm = values.signal === undefined ? undefined : Number(values.signal);
  if (signalDbm !== undefined && !Number.isFinite(signalDbm)) {
    throw new UsageError(`--signal needs a number (dBm), got "${values.signal}"`);
  }
  const capabilities = values.capabilities
    ?.split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  const journalDir = values.ephemeral ? undefined : path(values['journal-dir'] ?? DEFAULT_JOURNALS);
  const script = values.script ? await loadScript(path(values.script)) : undefined;

  // --- device tokens ---------------------------------------------------------
  let devices: DeviceCredential[];
  if (values.devices) {
    devices = await loadDevicesFile(path(values.devices));
    if (bankCount !== undefined) {
      if (devices.length < bankCount)
        throw new UsageError(`--banks ${bankCount}, but ${values.devices} lists ${devices.length}`);
      devices = devices.slice(0, bankCount);
    }
  } else if (adminToken) {
    devices = await provisionWithRetry({
      url,
      adminToken,
      banks: bankCount ?? 3,
      compartments,
      statePath,
      logger,
      siteName: values['site-name'],
    });
  } else {
    const state = await readState(statePath);
    const wanted = bankCount ?? 3;
    if (!state || state.devices.length < wanted) {
      throw new UsageError(
        `no device tokens: pass --devices <file>, or --admin-token <token> (or BAYLIGHT_ADMIN_TOKEN) to provision ${wanted} bank(s).\n` +
          `An admin token comes from: npm run admin -- create-token --role ADMIN --name sim`,
      );
    }
    logger.info(`using ${wanted} bank(s) saved in ${statePath}`);
    devices = state.devices.slice(0, wanted);
  }

  // --- controllers -----------------------------------------------------------
  const random = seed === undefined ? Math.random : seededRandom(seed);
  const controllers = devices.map(
    (d, i) =>
      new SimulatedController({
        url,
        deviceToken: d.deviceToken,
        name: d.name,
        closeAfterMs,
        logger,
        simulatePeople: true,
        protocolVersion,
        clockSkewMs,
        ...(values.model !== undefined ? { model: values.model } : {}),
        ...(values.serial !== undefined
          ? { serial: devices.length > 1 ? `${values.serial}-${i + 1}` : values.serial }
          : {}),
        ...(values.firmware !== undefined ? { firmware: values.firmware } : {}),
        ...(capabilities ? { capabilities } : {}),
        ...(signalDbm !== undefined ? { signalDbm } : {}),
        ...(journalDir ? { journal: new FileJournal(join(journalDir, journalFileName(d))) } : {}),
      }),
  );

  let exiting = false;
  const summaryTimer = setInterval(() => logger.info(summary(controllers)), 10_000);
  let resolveExit: (code: number) => void = () => {};
  const exited = new Promise<number>((r) => (resolveExit = r));
  const activity = new RandomActivity(controllers, { ratePerSecond: rate, random, logger });
  const runner = script ? new ScriptRunner(controllers, script, { logger }) : undefined;

  const shutdown = async (code: number, why: string) => {
    if (exiting) return;
    exiting = true;
    clearInterval(summaryTimer);
    activity.stop();
    runner?.stop();
    if (code === 0) {
      // Give queued events a moment to reach the server before leaving.
      await Promise.allSettled(controllers.map((c) => c.flush({ timeoutMs: 2000 })));
    }
    await Promise.allSettled(controllers.map((c) => c.stop()));
    logger.info(`${summary(controllers)}`);
    logger.info(why);
    resolveExit(code);
  };

  // 'replaced' (4000/4002) is not final: the controller backs off and reconnects.
  const exitCodes: Partial<Record<ControllerStatus, number>> = { refused: 2, failed: 1 };
  for (const c of controllers) {
    c.onStatus((status) => {
      const code = exitCodes[status];
      if (code !== undefined) void shutdown(code, `stopping: ${c.name} is ${status} (see above)`);
    });
  }

  process.once('SIGINT', () => void shutdown(0, 'stopped (Ctrl-C)'));
  process.once('SIGTERM', () => void shutdown(0, 'stopped (SIGTERM)'));

  logger.info(
    `simulating ${controllers.length} bank(s) against ${url}` +
      (rate > 0 ? `, ${rate} random action(s)/s per bank` : '') +
      (script ? `, running ${values.script}` : '') +
      `; Ctrl-C to stop`,
  );
  for (const c of controllers) {
    // start() resolves once connected; a refusal is handled by onStatus.
    c.start().catch(() => {});
  }
  activity.start();
  runner
    ?.run()
    .then(() => {
      if (!exiting && !script?.loop) logger.info('script finished; still answering commands (Ctrl-C to stop)');
    })
    .catch((error: unknown) => logger.error(`script failed: ${(error as Error).message}`));
  return exited;
}

/** One journal per bank: by its id when we provisioned it, else by its name. */
function journalFileName(device: DeviceCredential): string {
  const key = (device.bankId ?? device.name).replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '');
  return `${key || 'bank'}.json`;
}

function summary(controllers: SimulatedController[]): string {
  let recorded = 0;
  let sent = 0;
  let acknowledged = 0;
  let pending = 0;
  let commands = 0;
  let connected = 0;
  for (const c of controllers) {
    const s = c.stats;
    recorded += s.recorded;
    sent += s.sent;
    acknowledged += s.acknowledged;
    pending += c.pendingEvents;
    commands += s.commands;
    if (c.connected) connected++;
  }
  return (
    `summary: ${connected}/${controllers.length} connected · events recorded ${recorded}, sent ${sent}, ` +
    `acked ${acknowledged}, pending ${pending} · commands ${commands}`
  );
}

/** Provisioning waits for a server that is still starting (the demo starts both at once). */
async function provisionWithRetry(opts: {
  url: string;
  adminToken: string;
  banks: number;
  compartments: number;
  statePath: string;
  logger: Logger;
  siteName: string | undefined;
}): Promise<DeviceCredential[]> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await provisionBanks({ ...opts, ...(opts.siteName ? { siteName: opts.siteName } : {}) });
    } catch (error) {
      if (error instanceof ServerUnreachableError) {
        const delay = backoffDelay(attempt, PROVISION_RETRY);
        opts.logger.info(`${error.message}; retrying in ${(delay / 1000).toFixed(1)} s`);
        await sleep(delay);
        continue;
      }
      if (error instanceof ProvisionError && (error.code === 'UNAUTHENTICATED' || error.code === 'FORBIDDEN')) {
        throw new UsageError(`the server refused the admin token (${error.code}): ${error.message}`);
      }
      throw error;
    }
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (
      error instanceof UsageError ||
      (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      console.error(`baylight-simulator: ${error.message}\nRun with --help for usage.`);
    } else {
      // Bad files and refused requests explain themselves; the stack is for --verbose.
      const verbose = process.argv.includes('--verbose');
      const text = error instanceof Error ? (verbose ? (error.stack ?? error.message) : error.message) : String(error);
      console.error(`baylight-simulator: ${text}`);
    }
    process.exit(1);
  },
);
