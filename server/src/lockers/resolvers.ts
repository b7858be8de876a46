import { bankScope, grantBeyondScope, inScope, isGrantedBeyondScope } from '../access/scope.js';
import { EVENT_FLAGS, FAULT_CODES } from '../../../drizzle/schema/lockers.js';
import type { EventFlag, FaultCode, Resolvers } from '../generated/graphql.js';
import { forbidden } from '../shared/errors.js';
import { countCompartments } from './service.js';
import type { BankRow, CompartmentRow } from './types.js';

const FLAGS: ReadonlySet<string> = new Set(EVENT_FLAGS);
const FAULT_CODE_SET: ReadonlySet<string> = new Set(FAULT_CODES);

export const lockerResolvers: Resolvers = {
  Query: {
    sites: (_, __, { viewer, services }) => services.lockers.listSites(viewer),
    lockerBanks: (_, { siteId }, { viewer, services }) => services.lockers.listBanks(viewer, siteId),
    lockerBank: (_, { id }, { viewer, services }) => services.lockers.findBank(viewer, id),
    lockerEvents: (_, { bankId, limit }, { viewer, services }) => services.lockers.events(viewer, bankId, limit ?? 50),
    lockerEventLog: (_, { bankId, first, after, problemsOnly }, { viewer, services }) =>
      services.lockers.eventLog(viewer, {
        bankId,
        first: first ?? 100,
        after: after ?? null,
        problemsOnly: problemsOnly ?? false,
      }),
  },
  Mutation: {
    createSite: (_, { input }, { viewer, services }) => services.lockers.createSite(viewer, input),
    createLockerBank: (_, { input }, { viewer, services }) => services.lockers.createLockerBank(viewer, input),
    setCompartmentOutOfService: (_, args, { viewer, services }) => services.lockers.setOutOfService(viewer, args),
  },
  Site: {
    banks: (site, _, { viewer, services }) => services.lockers.visibleBanks(viewer, site.id),
  },
  LockerBank: {
    site: async (bank, _, { loaders }) => {
      const site = await loaders.site.load(bank.siteId);
      if (!site) throw new Error(`bank ${bank.id} has no site`);
      return site;
    },
    acceptedThroughSeq: (bank) => bank.lastSeq,
    compartments: (bank, _, { loaders }) => loaders.compartmentsByBank.load(bank.id),
    counts: async (bank, _, { loaders }) => countCompartments(await loaders.compartmentsByBank.load(bank.id)),
    events: (bank, { limit }, { viewer, services }) => services.lockers.events(viewer, bank.id, limit ?? 50),
  },
  Compartment: {
    // Paths to a compartment are scoped already; this is the backstop (the field cannot be null).
    bank: async (c, _, { viewer, loaders }) => {
      const bank = await loaders.bank.load(c.bankId);
      if (!bank) throw new Error(`compartment ${c.id} has no bank`);
      if (isGrantedBeyondScope(c)) return grantBeyondScope(bank);
      if (!inScope(bankScope(viewer), bank)) throw forbidden('This bank is not yours to see.');
      return bank;
    },
  },
  LockerEvent: {
    id: (e) => String(e.id),
    compartmentLabel: (e) => e.label,
    // The controller's own events carry their seq; a lost range is the server's note of seqs.
    reportedKind: (e) => e.reportedKind ?? (e.seq !== null && e.kind !== 'EVENTS_LOST' ? e.kind : null),
    generation: (e) => e.deviceGeneration,
    flags: (e) => (e.flags ? (e.flags.split(',').filter((f) => FLAGS.has(f)) as EventFlag[]) : []),
    faultCode: (e) => (e.code === null ? null : FAULT_CODE_SET.has(e.code) ? (e.code as FaultCode) : 'OTHER'),
  },
  Subscription: {
    compartmentUpdated: {
      subscribe: (_, { bankId }, { viewer, services }) => services.lockers.subscribeCompartments(viewer, bankId),
      resolve: (c: CompartmentRow) => c,
    },
    lockerBankUpdated: {
      subscribe: (_, { siteId }, { viewer, services }) => services.lockers.subscribeBanks(viewer, siteId),
      resolve: (bank: BankRow) => bank,
    },
  },
};
