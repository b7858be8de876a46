import type { people } from '../../../drizzle/schema/index.js';
import type { Role } from '../../../drizzle/schema/people.js';

export type PersonRow = typeof people.$inferSelect;
export type { Role };

/** Who is making a request: a signed-in person (web session or API token). */
export interface Viewer {
  personId: string;
  role: Role;
  department: string | null;
  tokenId: string;
}
