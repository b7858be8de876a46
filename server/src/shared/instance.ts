/**
 * This instance's name in a cluster: INSTANCE_ID, or the host name and the
 * process id (unique on one machine, readable in logs and metrics labels).
 * Leases, logs and metrics all use this one value.
 */
import { hostname } from 'node:os';
import type { Config } from '../config/index.js';

export function instanceIdOf(config: Pick<Config, 'INSTANCE_ID'>): string {
  return config.INSTANCE_ID ?? `${hostname()}-${process.pid}`;
}
