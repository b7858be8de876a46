import type { DoorOpenVia, Resolvers } from '../generated/graphql.js';

const DOOR_OPEN_VIAS: readonly string[] = [
  'DEPOSIT',
  'COURIER_DEPOSIT',
  'CODE',
  'QR',
  'QR_OFFLINE',
  'REMOTE',
  'STAFF_OVERRIDE',
  'RECALL',
];
import { isAcknowledgedLate } from './service.js';
import type { CommandRow } from './types.js';

export const deviceResolvers: Resolvers = {
  Query: {
    kioskSession: (_, __, { viewer, services }) => services.kiosks.session(viewer),
    kioskCredentials: (_, { bankId }, { viewer, services }) => services.kiosks.listCredentials(viewer, bankId ?? null),
    pickupKeys: (_, __, { services }) =>
      services.signer.publicKeys().map((k) => ({ ...k, jwk: JSON.stringify(k.jwk) })),
  },
  Mutation: {
    createKioskCredential: (_, { bankId, name }, { viewer, services }) =>
      services.kiosks.createCredential(viewer, bankId, name),
    revokeKioskCredential: (_, { id }, { viewer, services }) => services.kiosks.revokeCredential(viewer, id),
    rotateKioskCredential: (_, { id }, { viewer, services }) => services.kiosks.rotateCredential(viewer, id),
    rotateDeviceToken: (_, { bankId }, { viewer, services }) => services.devices.rotateDeviceToken(viewer, bankId),
    openCompartment: (_, { input }, { viewer, services }) => services.devices.staffOpen(viewer, input),
    reportLockerEvents: (_, { events }, { viewer, device, services }) =>
      services.devices
        .reportEvents(device ?? viewer, events)
        .then((a) => services.metrics.eventsReported(events.length, a)),
    markLockerEventsLost: (_, { fromSeq, throughSeq, reason }, { viewer, device, services }) =>
      services.devices.markEventsLost(device ?? viewer, fromSeq, throughSeq, reason),
    acknowledgeCommand: async (_, { id, outcome, detail }, { viewer, device, services }) => ({
      command: await services.devices.acknowledge(device ?? viewer, id, outcome, detail),
    }),
    reportControllerHealth: (_, { input }, { viewer, device, services }) =>
      services.devices.reportHealth(device ?? viewer, input),
  },
  Subscription: {
    lockerCommands: {
      subscribe: (_, __, { viewer, device, services }) => services.devices.commandStream(device ?? viewer),
      resolve: (command: CommandRow) => command,
    },
  },
  LockerBank: {
    controller: (bank, _, { viewer, services, loaders }) =>
      services.devices.controllerInfo(viewer, bank, (bankId) => loaders.controllerByBank.load(bankId)),
  },
  LockerCommand: {
    compartmentLabel: (c) => c.label,
    via: (c) => (DOOR_OPEN_VIAS.includes(c.via) ? (c.via as DoorOpenVia) : null),
    // The deposit a deposit's opening puts in the compartment; the parcel id names it.
    depositId: (c) =>
      c.kind === 'OPEN_COMPARTMENT' && (c.via === 'DEPOSIT' || c.via === 'COURIER_DEPOSIT') ? c.parcelId : null,
    ttlMs: (c, _, { services }) => Math.max(0, c.expiresAt.getTime() - services.clock.now().getTime()),
    acknowledgedLate: (c) => isAcknowledgedLate(c),
  },
};
