import type { Resolvers } from '../generated/graphql.js';
import { listDevOutbox } from '../notify/mailer.js';
import { forbidden } from '../shared/errors.js';
import { requireRole } from './policy.js';

export const peopleResolvers: Resolvers = {
  Person: {
    courierBanks: (p, _, { viewer, services }) => {
      if (p.role !== 'COURIER' || !viewer || (viewer.personId !== p.id && viewer.role !== 'ADMIN')) return [];
      return services.lockers.store.banksByIds(services.parcels.store.courierBankIds(p.id));
    },
    preferredBank: async (p, _, { loaders }) =>
      p.preferredBankId ? ((await loaders.bank.load(p.preferredBankId)) ?? null) : null,
  },
  Query: {
    me: (_, __, { viewer, services }) => (viewer ? (services.people.findById(viewer.personId) ?? null) : null),
    people: (_, { search, limit }, { viewer, services }) => services.people.search(viewer, search, limit ?? 10),
    devOutbox: (_, { to, limit }, { viewer, services }) => {
      if (!services.config.DEV_OUTBOX) throw forbidden('The dev outbox is off (DEV_OUTBOX=false).');
      // It holds sign-in and pickup codes: an admin's view even in development (the demo prints codes in its terminal).
      requireRole(viewer, ['ADMIN']);
      return listDevOutbox(services.db, to ?? null, Math.min(Math.max(limit ?? 20, 1), 100));
    },
  },
  Mutation: {
    importPeople: (_, { csv }, { viewer, services }) => services.people.importCsv(viewer, csv),
    updateMyPreferences: (_, { input }, { viewer, services }) => {
      services.notify.updateSettings(viewer, input);
      return services.people.updatePreferences(viewer, input, (id) => !!services.lockers.store.getBank(id));
    },
    requestSignInCode: (_, { email }, { services }) => services.people.requestSignInCode(email),
    signIn: (_, { email, code }, { services }) => services.people.signIn(email, code),
    signOut: (_, __, { viewer, services }) => {
      if (!viewer) return false;
      services.people.revokeToken(viewer.tokenId);
      return true;
    },
  },
};
