import type { Resolvers } from '../generated/graphql.js';
import { listDevOutbox } from '../notify/mailer.js';
import { forbidden } from '../shared/errors.js';

export const peopleResolvers: Resolvers = {
  Person: {
    courierBanks: (p, _, { viewer, services }) => {
      if (p.role !== 'COURIER' || !viewer || (viewer.personId !== p.id && viewer.role !== 'ADMIN')) return [];
      return services.lockers.store.banksByIds(services.parcels.store.courierBankIds(p.id));
    },
    disabled: (p) => p.disabledAt !== null,
    preferredBank: async (p, _, { loaders }) =>
      p.preferredBankId ? ((await loaders.bank.load(p.preferredBankId)) ?? null) : null,
  },
  Query: {
    me: (_, __, { viewer, services }) => (viewer ? (services.people.findById(viewer.personId) ?? null) : null),
    people: (_, { search, limit }, { viewer, services }) => services.people.search(viewer, search, limit ?? 10),
    devOutbox: (_, { to, limit }, { services }) => {
      if (!services.config.DEV_OUTBOX) throw forbidden('The dev outbox is off (DEV_OUTBOX=false).');
      return listDevOutbox(services.db, to ?? null, limit ?? 20);
    },
  },
  Mutation: {
    importPeople: (_, { csv }, { viewer, services }) => services.people.importCsv(viewer, csv),
    updateMyPreferences: (_, { input }, { viewer, services }) => {
      services.notify.updateSettings(viewer, input);
      return services.people.updatePreferences(viewer, input, (id) => !!services.lockers.store.getBank(id));
    },
    requestSignInCode: (_, { email }, { services, client }) => services.people.requestSignInCode(email, client),
    signIn: (_, { email, code }, { services, client }) => services.people.signIn(email, code, client),
    signOut: (_, __, { viewer, services }) => services.people.signOut(viewer),
    setPersonRole: (_, { personId, role }, { viewer, services }) => services.people.setRole(viewer, personId, role),
    setPersonDisabled: (_, { personId, disabled }, { viewer, services }) =>
      services.people.setDisabled(viewer, personId, disabled),
  },
};
