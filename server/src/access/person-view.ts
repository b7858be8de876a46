/**
 * Field-level visibility of a Person. Whatever path leads to a person (a
 * search, a parcel's recipient or proxy, a door opening, a mutation's answer),
 * the Person field resolvers show only what the viewer may see of them:
 *
 * | view      | who                                                     | sees                                            |
 * | --------- | ------------------------------------------------------- | ----------------------------------------------- |
 * | `self`    | the person                                              | everything                                      |
 * | `full`    | operators                                               | everything                                      |
 * | `contact` | a DEPARTMENT viewer, for people of its department       | id, name, e-mail, role, department, student id  |
 * | `name`    | a courier's found recipient; the other party of a shared parcel | id and name                             |
 * | `address` | a recipient, for the proxy they shared with             | the e-mail address they entered, nothing else   |
 * | `none`    | anyone else (a kiosk, another department's people)      | nothing: a path must not lead here              |
 *
 * Hidden fields answer the least they can: the e-mail masked (a•••@uni.edu),
 * role STUDENT, no department, student id, preferred bank or courier banks,
 * needsAccessible and disabled false.
 */
import type { PersonRow, Viewer } from '../people/types.js';
import { isOperator } from './scope.js';

export type PersonView = 'self' | 'full' | 'contact' | 'name' | 'address' | 'none';

export type PersonField =
  | 'name'
  | 'email'
  | 'role'
  | 'department'
  | 'studentId'
  | 'preferredBank'
  | 'needsAccessible'
  | 'courierBanks'
  | 'disabled';

const CONTACT: readonly PersonField[] = ['name', 'email', 'role', 'department', 'studentId', 'disabled'];

/** Which fields each view shows (besides the id, which the path to the person already showed). */
export const PERSON_FIELDS: Record<PersonView, readonly PersonField[]> = {
  self: [...CONTACT, 'preferredBank', 'needsAccessible', 'courierBanks'],
  full: [...CONTACT, 'preferredBank', 'needsAccessible', 'courierBanks'],
  contact: CONTACT,
  name: ['name'],
  address: ['email'],
  none: [],
};

/** How a viewer sees a person, when the path that led there says nothing more (see `viewAs`). */
export function personView(viewer: Viewer | null, person: Pick<PersonRow, 'id' | 'department'>): PersonView {
  if (!viewer || viewer.role === 'KIOSK') return 'none';
  if (viewer.personId === person.id) return 'self';
  if (isOperator(viewer)) return 'full';
  if (viewer.role === 'DEPARTMENT')
    return viewer.department && person.department === viewer.department ? 'contact' : 'none';
  // Couriers (their recipient search) and students (the other party of a shared parcel).
  return 'name';
}

const views = new WeakMap<object, PersonView>();

/**
 * A copy of the row that the Person resolvers show as `view`, whoever asks:
 * for paths that know more than the viewer's role (a signed-in person's own
 * row, the other party of a shared parcel). A copy, so the same loaded row
 * reached by another path keeps its own view.
 */
export function viewAs(row: PersonRow, view: PersonView): PersonRow {
  const copy = { ...row };
  views.set(copy, view);
  return copy;
}

/** The view the Person resolvers apply to this row for this viewer. */
export const viewOf = (viewer: Viewer | null, row: PersonRow): PersonView => views.get(row) ?? personView(viewer, row);

export const shows = (view: PersonView, field: PersonField) => PERSON_FIELDS[view].includes(field);

/** a•••@uni.edu: enough to tell two people apart at a glance, not enough to write to them. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '•••';
  return `${email[0]}•••${email.slice(at)}`;
}
