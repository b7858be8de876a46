/**
 * `npm run seed-demo -w server -- --devices-out data/demo-devices.json`:
 * creates the demo campus in DATABASE_FILE and writes the banks' fresh device
 * tokens for the simulator.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { openCliServices } from './services.js';
import { seedDemo } from '../demo/seed.js';

const { values } = parseArgs({
  options: {
    'devices-out': { type: 'string', default: 'data/demo-devices.json' },
    'secrets-out': { type: 'string' },
    compartments: { type: 'string', default: '24' },
    // The demo's background cast (npm start), with tokens in the secrets file for the story.
    'story-people': { type: 'boolean', default: false },
  },
});
const { config, services, close } = await openCliServices();
const result = await seedDemo(services, Number(values.compartments), { storyPeople: values['story-people'] });
const out = values['devices-out'];
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(result.devices, null, 2), { mode: 0o600 });
const secretsOut = values['secrets-out'];
if (secretsOut) {
  writeFileSync(
    secretsOut,
    JSON.stringify(
      {
        kiosks: result.kiosks,
        tokens: result.tokens,
        studentId: result.studentId,
        mailroomName: result.mailroomName,
        cast: result.cast,
      },
      null,
      2,
    ),
    { mode: 0o600 },
  );
}
await close();
console.log(`demo data ready in ${config.DATABASE_FILE}: ${result.devices.length} banks; device tokens in ${out}`);
