import type { Resolvers } from '../generated/graphql.js';
import { isOperator } from '../access/scope.js';
import type { ParcelRow } from './types.js';

export const parcelResolvers: Resolvers = {
  Query: {
    myParcels: (_, __, { viewer, services }) => services.parcels.myParcels(viewer),
    parcels: (_, args, { viewer, services }) => services.parcels.search(viewer, args, args.limit ?? 100),
    parcel: (_, { id }, { viewer, services }) => services.parcels.visibleParcel(viewer, id),
    doorOpenings: (_, { bankId, parcelId, limit }, { viewer, services }) =>
      services.parcels.doorOpenings(viewer, { bankId, parcelId }, limit ?? 100),
  },
  Mutation: {
    intakeParcel: (_, { input }, { viewer, services }) => services.parcels.intake(viewer, input),
    redeemPickupCode: (_, { code }, { viewer, device, services, client }) =>
      services.redeemer.redeem(viewer, device, code, client),
    redeemPickupQr: (_, { token }, { viewer, device, services, client }) =>
      services.parcels.redeemQr(viewer, device, token, client),
    openMyParcel: (_, { parcelId }, { viewer, services }) => services.parcels.openMyParcel(viewer, parcelId),
    extendParcelHold: (_, { parcelId }, { viewer, services }) => services.parcels.extendHold(viewer, parcelId),
    shareParcelPickup: (_, { parcelId, email }, { viewer, services }) =>
      services.parcels.shareWithProxy(viewer, parcelId, email ?? null),
    reportDoorDidNotOpen: (_, args, { viewer, services }) => services.parcels.reportDoorDidNotOpen(viewer, args),
    openForRecall: (_, { parcelId }, { viewer, services }) => services.parcels.openForRecall(viewer, parcelId),
    handOverAtDesk: (_, { parcelId }, { viewer, services }) => services.parcels.handOverAtDesk(viewer, parcelId),
    setCourierBanks: (_, { personId, bankIds }, { viewer, services }) =>
      services.parcels.setCourierBanks(viewer, personId, bankIds),
  },
  Subscription: {
    myParcelUpdated: {
      subscribe: (_, __, { viewer, services }) => services.parcels.subscribeMine(viewer),
      resolve: (p: ParcelRow) => p,
    },
    parcelUpdated: {
      subscribe: (_, __, { viewer, services }) => services.parcels.subscribeAll(viewer),
      resolve: (p: ParcelRow) => p,
    },
  },
  // Every field that leads from a parcel elsewhere shows only what the viewer may see (access/).
  Parcel: {
    recipient: async (p, _, { viewer, loaders, services }) =>
      services.parcels.recipientFor(viewer, p, (await loaders.person.load(p.recipientId))!),
    proxy: async (p, _, { viewer, loaders, services }) =>
      services.parcels.proxyFor(viewer, p, p.proxyId ? ((await loaders.person.load(p.proxyId)) ?? null) : null),
    bank: async (p, _, { viewer, loaders, services }) => {
      const bank = p.bankId ? await loaders.bank.load(p.bankId) : undefined;
      return bank ? services.parcels.placeFor(viewer, p, bank, bank) : null;
    },
    compartment: async (p, _, { viewer, loaders, services }) => {
      const compartment = p.compartmentId ? await loaders.compartment.load(p.compartmentId) : undefined;
      const bank = compartment ? await loaders.bank.load(compartment.bankId) : undefined;
      return compartment && bank ? services.parcels.placeFor(viewer, p, bank, compartment) : null;
    },
    pickupCode: (p, _, { viewer, services }) => services.parcels.pickupCode(viewer, p),
    pickupQrToken: (p, _, { viewer, services }) => services.parcels.pickupQrToken(viewer, p),
    doorOpenings: (p, _, { viewer, services }) => services.parcels.parcelDoorOpenings(viewer, p, 50),
  },
  DoorOpening: {
    via: (o) => o.via as never,
    status: (o) => (o.status as never) ?? null,
    // Who asked: operators only (the opening's bank and parcel were scoped by the list it came in).
    person: async (o, _, { viewer, loaders }) =>
      o.personId && isOperator(viewer) ? ((await loaders.person.load(o.personId)) ?? null) : null,
  },
};
