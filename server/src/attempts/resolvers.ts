import type { Resolvers } from '../generated/graphql.js';

export const attemptResolvers: Resolvers = {
  Query: {
    credentialAttempts: (_, { bankId, limit }, { viewer, services }) =>
      services.attempts.list(viewer, { bankId }, limit ?? 100),
  },
};
