import type { Resolvers } from '../generated/graphql.js';
import { listDevOutbox } from '../notify/mailer.js';
import { forbidden } from '../shared/errors.js';

export const peopleResolvers: Resolvers = {
  Query: {
    me: (_, __, { viewer, services }) => (viewer ? (services.people.findById(viewer.personId) ?? null) : null),
    devOutbox: (_, { to, limit }, { services }) => {
      if (!services.config.DEV_OUTBOX) throw forbidden('The dev outbox is off (DEV_OUTBOX=false).');
      return listDevOutbox(services.db, to ?? null, limit ?? 20);
    },
  },
  Mutation: {
    requestSignInCode: (_, { email }, { services }) => services.people.requestSignInCode(email),
    signIn: (_, { email, code }, { services }) => services.people.signIn(email, code),
    signOut: (_, __, { viewer, services }) => {
      if (!viewer) return false;
      services.people.revokeToken(viewer.tokenId);
      return true;
    },
  },
};
