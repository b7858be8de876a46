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
  type CommandAcknowledged,
  type BatchAcknowledged,
  type EventsLost,
  type HealthReported,
  type PowerSource,
  type CompartmentView,
  type DoorState,
  type ChargingState,
  type StatusInfo,
  REPLACED_WARNING_AFTER,
} from './controller.js';
export { Outbox, MAX_BATCH, eventBytes, type SyncResult, type ReplyResult, type OutboxOptions } from './outbox.js';
export { FileJournal, MemoryJournal, type JournalStore, type JournalSnapshot, type JournalEntry } from './journal.js';
export { setLongTimeout, MAX_TIMEOUT_MS, type LongTimer } from './timers.js';
export { SIMULATOR_VERSION } from './version.js';
export { backoffDelay, DEFAULT_RETRY, type RetryOptions } from './backoff.js';
export { decideOpen, CommandMemory, COMMAND_MEMORY_MS } from './commands.js';
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
  COMPARTMENT_EVENT_KINDS,
  BANK_EVENT_KINDS,
  FAULT_CODES,
  CONTROLLER_CAPABILITIES,
  PROTOCOL_VERSIONS,
  CURRENT_PROTOCOL_VERSION,
  DEFAULT_LIMITS,
  COMPARTMENT_SIZES,
  isBankEventKind,
  silentLogger,
  type DeviceEventKind,
  type CompartmentEventKind,
  type BankEventKind,
  type FaultCode,
  type ControllerCapability,
  type ControllerInfo,
  type ControllerHealthInput,
  type DeviceInitPayload,
  type DeviceLimits,
  type ProtocolVersion,
  type EventRejection,
  type EventFlag,
  type CompartmentSize,
  type LockerEventInput,
  type LockerCommand,
  type CommandOutcome,
  type DeviceAckPayload,
  type ReportReply,
  type Logger,
} from './types.js';
export { OfflinePickupVerifier, type OfflinePickup, type PickupAnswer } from './pickup.js';
