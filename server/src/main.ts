/** `npm run server`: the Baylight server on PORT with DATABASE_FILE. */
import { startServer } from './app.js';
import { ConfigError, loadConfigOrExit } from './config/index.js';
import { createLogger } from './shared/logger.js';

const config = loadConfigOrExit();
const logger = createLogger(config);
const server = await startServer({ config, logger }).catch((err: unknown) => {
  // Found only at start (e.g. a key file others may read): said plainly, like a bad variable.
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(78); // EX_CONFIG
  }
  throw err;
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    logger.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
