import type { lockerCommands } from '../../../drizzle/schema/index.js';

export type CommandRow = typeof lockerCommands.$inferSelect;

/** A connected controller: which bank, and which token generation it holds. */
export interface DeviceIdentity {
  bankId: string;
  generation: number;
}

export const commandTopic = (bankId: string) => `commands:${bankId}`;
