import type { Resolvers } from '../generated/graphql.js';
import type { HandoutRow, LoanRow } from './types.js';
import { isOverdue } from './types.js';

export const handoutResolvers: Resolvers = {
  Query: {
    myLoans: (_, __, { viewer, services }) => services.handouts.myLoans(viewer),
    loans: (_, args, { viewer, services }) =>
      services.handouts.loans(
        viewer,
        { status: args.status, personId: args.personId, search: args.search, overdueOnly: args.overdueOnly },
        args.limit ?? 100,
      ),
    handouts: (_, args, { viewer, services }) =>
      services.handouts.handouts(
        viewer,
        { status: args.status, direction: args.direction, bankId: args.bankId },
        args.limit ?? 100,
      ),
    loanerPool: (_, { bankId }, { viewer, services }) => services.handouts.loanerPool(viewer, bankId),
    myWaitlist: (_, __, { viewer, services }) => services.queue.mine(viewer),
    myBookings: (_, __, { viewer, services }) => services.queue.mineBookings(viewer),
    campaigns: (_, __, { viewer, services }) => services.campaigns.list(viewer),
    campaign: (_, { id }, { viewer, services }) => services.campaigns.get(viewer, id),
    bookings: (_, args, { viewer, services }) =>
      services.queue.bookings(viewer, { status: args.status }, args.limit ?? 100),
  },
  Mutation: {
    createHandout: (_, { input }, { viewer, services }) => services.handouts.createHandout(viewer, input),
    loadHandout: (_, args, { viewer, services }) =>
      services.handouts.loadHandout(viewer, args.assetTag, args.bankId ?? null),
    cancelHandout: (_, { handoutId }, { viewer, services }) => services.handouts.cancelHandout(viewer, handoutId),
    openMyHandout: (_, { handoutId }, { viewer, services }) => services.handouts.openMine(viewer, handoutId),
    startReturn: (_, args, { viewer, services }) => services.handouts.startReturn(viewer, args),
    collectReturn: (_, { handoutId }, { viewer, services }) => services.handouts.collectReturn(viewer, handoutId),
    checkInAsset: (_, args, { viewer, services }) =>
      services.handouts.checkInAsset(viewer, args.assetTag, args.outcome ?? 'IN_STOCK', args.note ?? null),
    bulkCheckIn: (_, args, { viewer, services }) =>
      services.handouts.bulkCheckIn(viewer, args.assetTags, args.outcome ?? 'IN_STOCK'),
    renewLoan: (_, { loanId }, { viewer, services }) => services.handouts.renew(viewer, loanId),
    borrowLoaner: (_, args, { viewer, services }) => services.handouts.borrowLoaner(viewer, args),
    swapDevice: (_, args, { viewer, services }) => services.handouts.swapDevice(viewer, args),
    acceptLoanAgreement: (_, args, { viewer, services }) =>
      services.handouts.acceptAgreement(viewer, args.category, args.signature),
    joinWaitlist: (_, args, { viewer, services }) => services.queue.join(viewer, args),
    leaveWaitlist: (_, { entryId }, { viewer, services }) => services.queue.leave(viewer, entryId),
    bookLoaners: (_, args, { viewer, services }) => services.queue.book(viewer, args),
    cancelBooking: (_, { bookingId }, { viewer, services }) => services.queue.cancelBooking(viewer, bookingId),
    planCampaign: (_, { input }, { viewer, services }) =>
      services.campaigns.plan(viewer, {
        name: input.name,
        csv: input.csv,
        bankIds: input.bankIds,
        startsAt: input.startsAt,
        slotMinutes: input.slotMinutes ?? 120,
        kind: input.kind ?? 'ASSIGNMENT',
        dueAt: input.dueAt ?? null,
        dryRun: input.dryRun ?? true,
      }),
    prepareCampaign: (_, { campaignId }, { viewer, services }) => services.campaigns.prepare(viewer, campaignId),
    loadForBooking: (_, args, { viewer, services }) =>
      services.queue.loadForBooking(viewer, args.bookingId, args.assetTag),
  },
  Subscription: {
    myLoanUpdated: {
      subscribe: (_, __, { viewer, services }) => services.handouts.subscribeMine(viewer),
      resolve: (l: LoanRow) => l,
    },
    handoutUpdated: {
      subscribe: (_, __, { viewer, services }) => services.handouts.subscribeAll(viewer),
      resolve: (h: HandoutRow) => h,
    },
  },
  // A loan was reached through a scoped list (its person, IT, its department): what it leads to follows it.
  Loan: {
    asset: async (l, _, { services }) => (await services.handouts.asset(l.assetId))!,
    person: async (l, _, { loaders }) => (await loaders.person.load(l.personId)) ?? null,
    overdue: (l, _, { services }) => isOverdue(l, services.clock.now()),
    handouts: (l, _, { services }) => services.handouts.store.handoutsOfLoan(l.id),
    current: async (l, _, { services }) =>
      (await services.handouts.store.handoutsOfLoan(l.id))
        .reverse()
        .find((h) => h.status !== 'COLLECTED' && h.status !== 'CANCELLED') ?? null,
  },
  Campaign: {
    progress: async (c, _, { services }) => {
      const n = await services.campaigns.counts(c);
      return {
        total: Object.values(n).reduce((a, b) => a + b, 0),
        planned: n.PLANNED,
        loading: n.LOADING,
        ready: n.READY,
        collected: n.COLLECTED,
        overdue: n.OVERDUE,
        failed: n.FAILED,
      };
    },
    items: async (c, args, { services }) =>
      (await services.campaigns.items(c.id)).slice(0, Math.min(Math.max(args.limit ?? 500, 1), 5_000)),
  },
  // Reached only through IT's campaign queries.
  CampaignItem: {
    person: async (i, _, { loaders }) => (await loaders.person.load(i.personId)) ?? null,
    asset: async (i, _, { services }) => (await services.handouts.asset(i.assetId))!,
    bank: async (i, _, { loaders }) => (await loaders.bank.load(i.bankId)) ?? null,
    progress: async (i, _, { services }) => (await services.campaigns.progressOf(i)).status,
    handout: async (i, _, { services }) => (await services.campaigns.progressOf(i)).handout,
  },
  CampaignPlanLine: {
    bank: async (l, _, { loaders }) => (await loaders.bank.load(l.bankId)) ?? null,
  },
  CampaignSlot: {
    bank: async (s, _, { loaders }) => (await loaders.bank.load(s.bankId)) ?? null,
  },
  Booking: {
    bank: async (b, _, { loaders }) => (await loaders.bank.load(b.bankId)) ?? null,
    // Reached only by its person (myBookings) or IT (bookings): IT sees who.
    person: async (b, _, { viewer, loaders }) =>
      viewer && (viewer.personId === b.personId || viewer.role === 'IT' || viewer.role === 'ADMIN')
        ? ((await loaders.person.load(b.personId)) ?? null)
        : null,
    handouts: (b, _, { services }) => services.handouts.store.handoutsOfBooking(b.id),
  },
  WaitlistEntry: {
    site: async (e, _, { loaders }) => (await loaders.site.load(e.siteId)) ?? null,
    position: (e, _, { services }) => services.queue.position(e),
    // The loaner once it is held for this person (the entry is claimed a moment before the loaner is).
    offeredHandout: async (e, _, { services }) => {
      const h = e.status === 'OFFERED' && e.handoutId ? await services.handouts.store.handout(e.handoutId) : undefined;
      return h && h.personId === e.personId ? h : null;
    },
  },
  AssetHandout: {
    asset: async (h, _, { services }) => (await services.handouts.asset(h.assetId))!,
    loan: (h, _, { viewer, services }) => services.handouts.visibleLoan(viewer, h.loanId),
    bank: async (h, _, { loaders }) => (h.bankId ? ((await loaders.bank.load(h.bankId)) ?? null) : null),
    compartment: async (h, _, { loaders }) =>
      h.compartmentId ? ((await loaders.compartment.load(h.compartmentId)) ?? null) : null,
    code: (h, _, { viewer, services }) => services.handouts.codeFor(viewer, h),
    faultLabel: (h, _, { services }) => services.handouts.faultLabel(h),
    doorOpen: (h) => !!h.doorOpenedAt,
  },
};
