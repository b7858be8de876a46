import { afterEach } from 'vitest';
import { disposeAll } from './disposables.js';

// Servers and clients a test forgot to close are closed here, so one test
// never leaks sockets or ports into the next.
afterEach(async () => {
  await disposeAll();
});
