/**
 * `npm run seed-demo -w server -- --devices-out data/demo-devices.json`:
 * creates the demo campus in DATABASE_FILE and writes the banks' fresh device
 * tokens for the simulator.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { createInProcessBus } from '../bus/index.js';
import { loadConfigOrExit } from '../config/index.js';
import { openSqliteDb } from '../db/index.js';
import { seedDemo } from '../demo/seed.js';
import { createServices } from '../services.js';
import { systemClock } from '../shared/clock.js';
import { createLogger } from '../shared/logger.js';

const { values } = parseArgs({
  options: {
    'devices-out': { type: 'string', default: 'data/demo-devices.json' },
    'secrets-out': { type: 'string' },
    compartments: { type: 'string', default: '24' },
  },
});
const config = loadConfigOrExit();
const db = openSqliteDb(config.DATABASE_FILE);
const services = await createServices({
  db,
  bus: createInProcessBus(),
  config,
  clock: systemClock,
  logger: createLogger({ LOG_LEVEL: 'warn', LOG_PRETTY: false }),
});
const result = seedDemo(services, Number(values.compartments));
const out = values['devices-out'];
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(result.devices, null, 2), { mode: 0o600 });
const secretsOut = values['secrets-out'];
if (secretsOut) {
  writeFileSync(
    secretsOut,
    JSON.stringify({ kiosks: result.kiosks, tokens: result.tokens, studentId: result.studentId }, null, 2),
    { mode: 0o600 },
  );
}
services.devices.dispose();
db.close();
console.log(`demo data ready in ${config.DATABASE_FILE}: ${result.devices.length} banks; device tokens in ${out}`);
