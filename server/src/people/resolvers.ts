import { grantOf } from '../access/authorize.js';
import { maskEmail, shows, viewAs, viewOf, type PersonView } from '../access/person-view.js';
import { bankScope, inScope } from '../access/scope.js';
import type { Resolvers } from '../generated/graphql.js';
import type { PersonRow, Viewer } from './types.js';

/** The banks a person's own fields are read in: the person's own scope when it reads itself (even before it has a viewer: signIn's answer). */
const readerScope = (viewer: Viewer | null, p: PersonRow, view: PersonView) =>
  bankScope(view === 'self' ? { personId: p.id, role: p.role, department: p.department, tokenId: '' } : viewer);

export const peopleResolvers: Resolvers = {
  // Every field asks what this viewer may see of this person (access/person-view.ts).
  Person: {
    name: (p, _, { viewer }) => {
      const view = viewOf(viewer, p);
      return view === 'address' ? p.email : shows(view, 'name') ? p.name : '•••';
    },
    email: (p, _, { viewer }) => (shows(viewOf(viewer, p), 'email') ? p.email : maskEmail(p.email)),
    role: (p, _, { viewer }) => (shows(viewOf(viewer, p), 'role') ? p.role : 'STUDENT'),
    department: (p, _, { viewer }) => (shows(viewOf(viewer, p), 'department') ? p.department : null),
    studentId: (p, _, { viewer }) => (shows(viewOf(viewer, p), 'studentId') ? p.studentId : null),
    needsAccessible: (p, _, { viewer }) => shows(viewOf(viewer, p), 'needsAccessible') && p.needsAccessible,
    disabled: (p, _, { viewer }) => shows(viewOf(viewer, p), 'disabled') && p.disabledAt != null,
    preferredBank: async (p, _, { viewer, loaders }) => {
      const view = viewOf(viewer, p);
      if (!p.preferredBankId || !shows(view, 'preferredBank')) return null;
      const bank = await loaders.bank.load(p.preferredBankId);
      return bank && inScope(readerScope(viewer, p, view), bank) ? bank : null;
    },
    /** The courier itself and those who assign the banks (admins); only banks the reader may see. */
    courierBanks: async (p, _, { viewer, services }) => {
      const view = viewOf(viewer, p);
      if (p.role !== 'COURIER' || !shows(view, 'courierBanks')) return [];
      if (view !== 'self' && grantOf(viewer, 'Mutation.setCourierBanks') !== 'all') return [];
      const scope = readerScope(viewer, p, view);
      const banks = await services.lockers.store.banksByIds(await services.parcels.store.courierBankIds(p.id));
      return banks.filter((b) => inScope(scope, b));
    },
  },
  SignInSuccess: {
    // Signed in by this very answer: the request itself was anonymous.
    person: (r) => viewAs(r.person, 'self'),
  },
  Query: {
    me: (_, __, { viewer, services }) => services.people.me(viewer),
    people: (_, { search, limit }, { viewer, services }) => services.people.search(viewer, search, limit ?? 10),
    devOutbox: (_, { to, limit }, { viewer, services }) => services.notify.devOutbox(viewer, to ?? null, limit ?? 20),
  },
  Mutation: {
    importPeople: (_, { csv }, { viewer, services }) => services.people.importCsv(viewer, csv),
    updateMyPreferences: async (_, { input }, { viewer, services }) => {
      await services.notify.updateSettings(viewer, input);
      return services.people.updatePreferences(
        viewer,
        input,
        async (id) => !!(await services.lockers.visibleBank(viewer, id)),
      );
    },
    requestSignInCode: (_, { email }, { services, client }) => services.people.requestSignInCode(email, client),
    signIn: (_, { email, code }, { services, client }) => services.people.signIn(email, code, client),
    signOut: (_, __, { viewer, services }) => services.people.signOut(viewer),
    setPersonRole: (_, { personId, role }, { viewer, services }) => services.people.setRole(viewer, personId, role),
    setPersonDisabled: (_, { personId, disabled }, { viewer, services }) =>
      services.people.setDisabled(viewer, personId, disabled),
  },
};
