import type { Resolvers } from '../generated/graphql.js';

export const notifyResolvers: Resolvers = {
  Query: {
    myNotificationSettings: (_, __, { viewer, services }) => services.notify.settings(viewer),
    pushPublicKey: (_, __, { services }) => services.notify.vapidPublicKey,
  },
  Mutation: {
    registerPushSubscription: (_, { input }, { viewer, services }) => services.notify.registerPushDevice(viewer, input),
    removePushDevice: (_, { id }, { viewer, services }) => services.notify.removePushDevice(viewer, id),
  },
};
