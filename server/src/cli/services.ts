/**
 * The services of a command-line tool: the same domain code as the server,
 * on the database DATABASE_FILE names, with quiet logs.
 */
import { createInProcessBus } from '../bus/index.js';
import { loadConfigOrExit } from '../config/index.js';
import { describeDatabase, openSqliteDb } from '../db/index.js';
import { createServices } from '../services.js';
import { systemClock } from '../shared/clock.js';
import { createLogger } from '../shared/logger.js';

export async function openCliServices() {
  const config = loadConfigOrExit();
  const db = openSqliteDb(config.DATABASE_FILE);
  // On stderr, so a token printed on stdout can still be piped (`$(npm run -s admin -- create-token …)`).
  console.error(describeDatabase(db).message);
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
