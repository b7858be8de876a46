import type { people } from '../../../drizzle/schema/index.js';
import type { Role } from '../../../drizzle/schema/people.js';

export type PersonRow = typeof people.$inferSelect;
export type { Role };

/**
 * Who is making a request: a signed-in person (web session or API token), or
 * a kiosk acting for its bank (role KIOSK, no person, `bankId` set).
 */
export interface Viewer {
  personId: string;
  role: Role | 'KIOSK';
  department: string | null;
  tokenId: string;
  bankId?: string;
}
