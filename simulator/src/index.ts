/**
 * @baylight/simulator: simulated locker-bank controllers for the demo and for
 * tests. Talks to the server only through the public device protocol.
 *
 *   import { SimulatedController } from '@baylight/simulator';
 *   const sim = new SimulatedController({ url: 'ws://localhost:4000/graphql', deviceToken });
 *   await sim.start();
 *   sim.deposit('A01');
 *   await sim.flush();
 */
export {
  SimulatedController,
  ControllerError,
  GraphQLRequestError,
  type SimulatedControllerOptions,
  type ControllerStatus,
  type ControllerStats,
  type ControllerEvents,
  type CommandHandled,
  type BatchAcknowledged,
  type CompartmentView,
  type DoorState,
  type ChargingState,
  type StatusInfo,
} from './controller.js';
export { Outbox, MAX_BATCH, type SyncResult } from './outbox.js';
export { backoffDelay, DEFAULT_RETRY, type RetryOptions } from './backoff.js';
export { decideOpen, CommandMemory } from './commands.js';
export {
  RandomActivity,
  ScriptRunner,
  chooseAction,
  performAction,
  parseScript,
  loadScript,
  ACTIONS,
  type Action,
  type Script,
  type ScriptStep,
  type ChosenAction,
  type RandomActivityOptions,
} from './activity.js';
export { generateCompartments, MAX_COMPARTMENTS, type CompartmentSpec, type LayoutOptions } from './layout.js';
export {
  provisionBanks,
  loadDevicesFile,
  readState,
  writeState,
  httpUrlFor,
  graphqlHttp,
  bankPlace,
  ProvisionError,
  ServerUnreachableError,
  type DeviceCredential,
  type DeviceState,
  type ProvisionOptions,
  type FetchLike,
} from './provision.js';
export { seededRandom, type Random } from './random.js';
export {
  CloseCodes,
  DEVICE_EVENT_KINDS,
  COMPARTMENT_SIZES,
  silentLogger,
  type DeviceEventKind,
  type CompartmentSize,
  type LockerEventInput,
  type LockerCommand,
  type CommandOutcome,
  type DeviceAckPayload,
  type ReportReply,
  type Logger,
} from './types.js';
export { OfflinePickupVerifier, type OfflinePickup, type PickupAnswer } from './pickup.js';
