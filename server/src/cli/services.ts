/**
 * The services of a command-line tool: the same domain code as the server,
 * on the database the configuration names (DATABASE_URL or DATABASE_FILE),
 * with quiet logs.
 */
import { createInProcessBus } from '../bus/index.js';
import { loadConfigOrExit } from '../config/index.js';
import { openConfiguredDb } from '../db/open.js';
import { createServices } from '../services.js';
import { systemClock } from '../shared/clock.js';
import { createLogger } from '../shared/logger.js';

export async function openCliServices() {
  const config = loadConfigOrExit();
  // On stderr, so a token printed on stdout can still be piped (`$(npm run -s admin -- create-token …)`).
  const say = (_fields: object, message: string) => console.error(message);
  const db = await openConfiguredDb(config, { info: say, warn: say });
  const services = await createServices({
    db,
    bus: createInProcessBus(),
    config,
    clock: systemClock,
    logger: createLogger({ LOG_LEVEL: 'warn', LOG_PRETTY: false }),
  });
  return {
    config,
    services,
    close: async () => {
      services.devices.dispose();
      services.audit.dispose();
      await db.close();
    },
  };
}
