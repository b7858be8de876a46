import type { DeviceIdentity } from '../devices/types.js';
import type { Viewer } from '../people/types.js';
import type { Services } from '../services.js';
import type { Loaders } from './loaders.js';

/** Per operation: who asks (a person, a controller, or nobody), and the services. */
export interface GraphQLContext {
  viewer: Viewer | null;
  device: DeviceIdentity | null;
  services: Services;
  loaders: Loaders;
  /** The network client (IP address) the request came from; attempt budgets and rate limits count by it. */
  client: string | null;
}
