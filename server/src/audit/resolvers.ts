import type { Resolvers } from '../generated/graphql.js';
import type { StaffAlertRow } from './types.js';

export const auditResolvers: Resolvers = {
  Query: {
    staffAlerts: (_, { includeResolved, limit }, { viewer, services }) =>
      services.audit.listAlerts(viewer, includeResolved ?? false, limit ?? 100),
  },
  Mutation: {
    resolveStaffAlert: (_, { id }, { viewer, services }) => services.audit.resolveAlert(viewer, id),
  },
  Subscription: {
    staffAlertUpdated: {
      subscribe: (_, __, { viewer, services }) => services.audit.subscribeAlerts(viewer),
      resolve: (a: StaffAlertRow) => a,
    },
  },
};
