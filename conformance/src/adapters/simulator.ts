/**
 * The simulator (simulator/, the reference controller) as a controller under
 * test, with the kit's test hooks (conformance/README.md, "Test hooks"):
 *
 *   npm run conformance -- --controller "npx tsx conformance/src/adapters/simulator.ts {url} {token}"
 *
 * It wraps the simulator's library API and changes nothing in it:
 * - stdin `event <label> <KIND> <detail>` → SimulatedController.record()
 * - stdin `qr <token>`                   → SimulatedController.scanPickupQr()
 * - each lock released (a command carried out, or an offline QR accepted)
 *   prints `BAYLIGHT-UNLOCK <label>` on stdout.
 * Log lines go to stderr.
 */
import { createInterface } from 'node:readline';
import { SimulatedController, type CompartmentEventKind, type BankEventKind, type Logger } from '@baylight/simulator';

const [url = process.env.BAYLIGHT_URL, token = process.env.BAYLIGHT_DEVICE_TOKEN] = process.argv.slice(2);
if (!url || !token) {
  console.error('usage: simulator.ts <url> <device token>   (or BAYLIGHT_URL and BAYLIGHT_DEVICE_TOKEN)');
  process.exit(2);
}

const line = (level: string) => (message: string) => console.error(`[simulator ${level}] ${message}`);
const logger: Logger = { debug: () => {}, info: line('info'), warn: line('warn'), error: line('error') };

const sim = new SimulatedController({ url, deviceToken: token, name: 'conformance', logger });

sim.onCommand(({ command, outcome, duplicate }) => {
  if (outcome === 'OPENED' && !duplicate) console.log(`BAYLIGHT-UNLOCK ${command.compartmentLabel}`);
});

async function hook(text: string): Promise<void> {
  const [verb, ...args] = text.trim().split(/\s+/);
  if (verb === 'event') {
    const [label, kind, ...detail] = args;
    if (!label || !kind) return console.error(`[adapter] bad hook line: ${text}`);
    const note = detail.length ? detail.join(' ') : undefined;
    if (label === '-') sim.bankEvent(kind as BankEventKind, note);
    else sim.record(label, kind as CompartmentEventKind, note);
  } else if (verb === 'qr') {
    const answer = await sim.scanPickupQr(args[0] ?? '');
    if (answer.__typename === 'OfflinePickup') console.log(`BAYLIGHT-UNLOCK ${answer.compartmentLabel}`);
    console.error(`[adapter] qr → ${answer.__typename}`);
  } else if (verb) {
    console.error(`[adapter] unknown hook ${verb}`);
  }
}

// Hooks are carried out one after the other, in the order received.
let queue = Promise.resolve();
createInterface({ input: process.stdin }).on('line', (text) => {
  queue = queue.then(() => hook(text)).catch((err: unknown) => console.error(`[adapter] hook failed: ${String(err)}`));
});
console.log('BAYLIGHT-HOOKS 1');

sim.start().catch((err: unknown) => console.error(`[adapter] ${err instanceof Error ? err.message : String(err)}`));
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void sim.stop().finally(() => process.exit(0));
  });
}
