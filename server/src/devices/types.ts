import type { lockerCommands } from '../../../drizzle/schema/index.js';

export type CommandRow = typeof lockerCommands.$inferSelect;

/** A connected controller: which bank, and which token generation it holds. */
export interface DeviceIdentity {
  bankId: string;
  generation: number;
  /**
   * The connection it came on (its socket's accepted order, connections.ts),
   * set over graphql-ws once the connection is live: one `lockerCommands`
   * stream per connection hangs on it.
   */
  connectionId?: number;
}

export const commandTopic = (bankId: string) => `commands:${bankId}`;
