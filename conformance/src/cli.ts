#!/usr/bin/env node
/**
 * `npm run conformance -- …`: checks a locker controller or a Baylight server
 * against server/src/devices/PROTOCOL.md and prints a report. The only module
 * of the kit that reads process.env and argv.
 *
 * Exit codes: 0 every rule checked passed, 1 at least one FAIL, 2 bad usage
 * or the kit could not run.
 */
import { parseArgs } from 'node:util';
import { CONTROLLER_CHECKS, CONTROLLER_SCENARIOS, type ControllerScenario } from './controller-mode/checks.js';
import { runControllerConformance } from './controller-mode/run.js';
import { formatReport, markdownTable, type CheckDef, type ReportJson } from './report.js';
import { SERVER_CHECKS, SERVER_SCENARIOS, type ServerScenario } from './server-mode/checks.js';
import { runServerConformance } from './server-mode/run.js';

const USAGE = `Baylight conformance kit: checks a locker controller or a server against
server/src/devices/PROTOCOL.md (protocol version 2).

Usage:
  npm run conformance -- --controller "<command>" [options]
      The kit plays the server. <command> starts your controller; {url} and {token}
      in it are replaced by the kit's server URL and a device token (also given as
      BAYLIGHT_URL and BAYLIGHT_DEVICE_TOKEN). Example with the simulator:
        npm run conformance -- --controller "npx tsx conformance/src/adapters/simulator.ts {url} {token}"

  npm run conformance -- --server <url> --admin-token <token> [options]
      The kit plays a controller against a running server. It creates a site and a
      bank with the admin token (create one with
      npm run admin -- create-token --role ADMIN --name conformance).

Options:
  --only <a,b>     run only these scenarios (controller: ${CONTROLLER_SCENARIOS.join(', ')};
                   server: ${SERVER_SCENARIOS.join(', ')})
  --json           print the report as JSON instead of text
  --verbose        print what happens as it happens (on stderr)
  --list           list every check with what it verifies and its PROTOCOL.md section
                   (with --markdown: the tables of conformance/README.md)
  -h, --help       this text

Exit code 0 when every check passed or was skipped, 1 when one failed, 2 on bad usage.
See conformance/README.md.`;

class UsageError extends Error {}

function listChecks(title: string, checks: readonly CheckDef[]): string {
  const lines = [title];
  for (const c of checks)
    lines.push(`  ${c.id}  [${c.scenario}]  ${c.title} (PROTOCOL.md ${c.section})`, `      ${c.verifies}`);
  return lines.join('\n');
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      controller: { type: 'string' },
      server: { type: 'string' },
      'admin-token': { type: 'string' },
      only: { type: 'string' },
      json: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      list: { type: 'boolean', default: false },
      markdown: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.list && values.markdown) {
    console.log(`${markdownTable(CONTROLLER_CHECKS)}\n\n${markdownTable(SERVER_CHECKS)}`);
    return 0;
  }
  if (values.list) {
    console.log(listChecks('--controller checks:', CONTROLLER_CHECKS));
    console.log('');
    console.log(listChecks('--server checks:', SERVER_CHECKS));
    return 0;
  }
  const only = values.only
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const log = values.verbose ? (line: string) => console.error(line) : undefined;
  let report: ReportJson;
  if (values.controller !== undefined) {
    if (values.server !== undefined) throw new UsageError('give --controller or --server, not both');
    if (!values.controller.trim()) throw new UsageError('--controller needs the command that starts your controller');
    for (const s of only ?? []) {
      if (!(CONTROLLER_SCENARIOS as readonly string[]).includes(s)) throw new UsageError(`unknown scenario ${s}`);
    }
    report = await runControllerConformance({
      command: values.controller,
      // npm runs workspace scripts in the workspace; the command's paths are the caller's.
      cwd: process.env.INIT_CWD ?? process.cwd(),
      ...(only ? { only: only as ControllerScenario[] } : {}),
      ...(log ? { log } : {}),
    });
  } else if (values.server !== undefined) {
    const adminToken = values['admin-token'] ?? process.env.BAYLIGHT_ADMIN_TOKEN;
    if (!adminToken) throw new UsageError('--server needs --admin-token <token> (or BAYLIGHT_ADMIN_TOKEN)');
    for (const s of only ?? []) {
      if (!(SERVER_SCENARIOS as readonly string[]).includes(s)) throw new UsageError(`unknown scenario ${s}`);
    }
    report = await runServerConformance({
      url: values.server,
      adminToken,
      ...(only ? { only: only as ServerScenario[] } : {}),
      ...(log ? { log } : {}),
    });
  } else {
    throw new UsageError('give --controller "<command>" or --server <url> --admin-token <token>');
  }
  const text = values.json ? JSON.stringify(report, null, 2) : formatReport(report, { color: process.stdout.isTTY });
  // Exit only once the report is written: a pipe would otherwise lose its end.
  await new Promise<void>((resolve) => process.stdout.write(`${text}\n`, () => resolve()));
  return report.summary.failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (
      err instanceof UsageError ||
      (err instanceof Error && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      console.error(`error: ${err.message}\n\n${USAGE}`);
    } else {
      console.error(`conformance kit: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
    process.exit(2);
  },
);
