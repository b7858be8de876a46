import type { Resolvers } from '../generated/graphql.js';

/** Site calendars, department contacts and fault lists: thin, the services decide. */
export const calendarResolvers: Resolvers = {
  Query: {
    siteCalendar: (_, args, { viewer, services }) => services.calendar.get(viewer, args.siteId),
    departmentContacts: (_, __, { viewer, services }) => services.reminders.contacts(viewer),
    assetFaults: (_, args, { viewer, services }) => services.faults.list(viewer, args.category ?? null),
  },
  Mutation: {
    setSiteHours: (_, args, { viewer, services }) => services.calendar.setHours(viewer, args.siteId, args.hours),
    addBlackoutDay: (_, args, { viewer, services }) =>
      services.calendar.addBlackoutDay(viewer, args.siteId, args.day, args.reason),
    removeBlackoutDay: (_, args, { viewer, services }) =>
      services.calendar.removeBlackoutDay(viewer, args.siteId, args.day),
    setDepartmentContact: (_, args, { viewer, services }) =>
      services.reminders.setContact(viewer, {
        department: args.department,
        email: args.email ?? null,
        name: args.name ?? null,
      }),
    addAssetFault: (_, args, { viewer, services }) =>
      services.faults.add(viewer, { category: args.category, label: args.label, critical: args.critical }),
    removeAssetFault: (_, args, { viewer, services }) => services.faults.remove(viewer, args.id),
  },
};
