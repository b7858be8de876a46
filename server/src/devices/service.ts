/**
 * The server side of the locker controller protocol (PROTOCOL.md beside this
 * file): controller identity and presence, event ingest, and commands.
 */
import type { Bus } from '../bus/index.js';
import { deviceCredentialId, publishRevocation, RevocationCloseCode } from '../bus/revocations.js';
import type { LockerService } from '../lockers/service.js';
import type { ControllerEventHook } from '../lockers/store.js';
import { authorize, authorizeController, type Principal } from '../access/authorize.js';
import { bankScopeOf, inScope } from '../access/scope.js';
import type { Viewer } from '../people/types.js';
import { transformIterator } from '../shared/async-iter.js';
import type { Clock } from '../shared/clock.js';
import { sha256 } from '../shared/crypto.js';
import { badInput, notFound } from '../shared/errors.js';
import { newId, randomToken } from '../shared/ids.js';
import type { Logger } from '../shared/logger.js';
import {
  createEventJournal,
  type ControllerEventsListener,
  type EventPreparer,
  type JournalSettings,
} from './journal.js';
import { DeviceCloseCode } from './protocol.js';
import type { CommandStore } from './store.js';
import { commandTopic, type CommandRow, type DeviceIdentity } from './types.js';

export interface DeviceConnection {
  close(code: number, reason: string): void;
}

export type { ControllerEventsListener } from './journal.js';

export interface OpenRequest {
  bankId: string;
  label: string;
  /** How the opening was authorised, for the audit trail. */
  via: string;
  requestedBy: string | null;
  reason: string | null;
  ttlMs: number;
  parcelId?: string | null;
}

export type OpenResult =
  | { __typename: 'CommandIssued'; command: CommandRow }
  | { __typename: 'OpenRefused'; reason: 'UNKNOWN_COMPARTMENT' | 'BANK_OFFLINE' | 'OUT_OF_SERVICE'; message: string };

export interface DeviceServiceDeps {
  lockers: LockerService;
  commands: CommandStore;
  bus: Bus;
  clock: Clock;
  logger: Logger;
  offlineGraceMs: number;
  batchLimit: number;
  openCommandTtlMs: number;
  /** The event journal's limits and the banks' clocks (journal.ts). */
  journal: Omit<JournalSettings, 'batchLimit'>;
}

export function createDeviceService(deps: DeviceServiceDeps) {
  const { lockers, commands, bus, clock, logger } = deps;
  /** The live connection per bank on this instance; the newest wins. */
  const connections = new Map<string, DeviceConnection>();
  const offlineTimers = new Map<string, NodeJS.Timeout>();
  const listeners: ControllerEventsListener[] = [];
  const hooks: ControllerEventHook[] = [];
  let prepare: EventPreparer = () => Promise.resolve();
  let disposed = false;
  const journal = createEventJournal({
    ...deps.journal,
    batchLimit: deps.batchLimit,
    lockers,
    clock,
    logger,
    hooks,
    listeners,
    prepare: (events) => prepare(events),
  });

  function setStatus(bankId: string, status: 'ONLINE' | 'OFFLINE') {
    const bank = lockers.store.setBankStatus(bankId, status, clock.now());
    if (bank) {
      logger.info({ bankId, status }, `bank ${bank.name} is ${status.toLowerCase()}`);
      lockers.publishBank(bank);
    }
  }

  function scheduleOffline(bankId: string) {
    // Sockets closed by a shutdown are not controllers going away.
    if (disposed) return;
    clearTimeout(offlineTimers.get(bankId));
    const timer = setTimeout(() => {
      offlineTimers.delete(bankId);
      if (!connections.has(bankId)) setStatus(bankId, 'OFFLINE');
    }, deps.offlineGraceMs);
    timer.unref();
    offlineTimers.set(bankId, timer);
  }

  function expireIfDue(cmd: CommandRow, now: Date): boolean {
    if (cmd.expiresAt > now) return false;
    commands.expireOverdue(now);
    return true;
  }

  return {
    /** Resolves a device token to the bank it belongs to; null for missing, wrong or revoked tokens. */
    authenticate(token: unknown) {
      if (typeof token !== 'string' || token.length === 0 || token.length > 200) return null;
      const bank = lockers.findBankByDeviceToken(token);
      if (!bank) return null;
      const identity: DeviceIdentity = { bankId: bank.id, generation: bank.deviceGeneration };
      return { bank, identity };
    },

    /**
     * A controller connected. A previous connection with the same token is
     * closed (4000): the newest wins, which is what a controller that lost its
     * link without a close frame needs.
     */
    attach(bankId: string, connection: DeviceConnection) {
      const previous = connections.get(bankId);
      connections.set(bankId, connection);
      if (previous && previous !== connection) {
        previous.close(DeviceCloseCode.Replaced, 'Replaced by a newer connection');
      }
      clearTimeout(offlineTimers.get(bankId));
      offlineTimers.delete(bankId);
      setStatus(bankId, 'ONLINE');
    },

    /** A controller's socket closed; it shows OFFLINE only if it stays away for the grace period. */
    detach(bankId: string, connection: DeviceConnection) {
      if (connections.get(bankId) !== connection) return;
      connections.delete(bankId);
      scheduleOffline(bankId);
    },

    isConnected: (bankId: string) => connections.has(bankId),
    connectedCount: () => connections.size,

    /** After a restart, banks recorded ONLINE get the grace period to reconnect to this instance. */
    resumePresence() {
      for (const bank of lockers.store.listBanks()) {
        if (bank.status === 'ONLINE' && !connections.has(bank.id)) scheduleOffline(bank.id);
      }
    },

    /** Called after the events' transaction commits (timers, logs). */
    onControllerEvents(listener: ControllerEventsListener) {
      listeners.push(listener);
    },

    /** Async work on a batch before its (synchronous) transaction, e.g. verifying QR signatures. */
    setEventPreparer(fn: typeof prepare) {
      prepare = fn;
    },

    /** Called inside the events' transaction (state that must change with them). */
    addEventHook(hook: ControllerEventHook) {
      hooks.push(hook);
    },

    /** reportLockerEvents: the journal (journal.ts, PROTOCOL.md 3). */
    reportEvents: (principal: Principal, input: readonly unknown[]) => journal.report(principal, input),

    /** markLockerEventsLost (PROTOCOL.md 3, Lost events). */
    markEventsLost: (principal: Principal, fromSeq: number, throughSeq: number, reason: string) =>
      journal.markLost(principal, fromSeq, throughSeq, reason),

    /**
     * Sends OPEN_COMPARTMENT to a bank. Refused when the controller is not
     * connected: a door must never open minutes after the person left, so
     * nothing is queued for a bank that is away.
     */
    requestOpen(req: OpenRequest): OpenResult {
      const compartment = lockers.findCompartment(req.bankId, req.label);
      if (!compartment) {
        return { __typename: 'OpenRefused', reason: 'UNKNOWN_COMPARTMENT', message: `No compartment ${req.label}.` };
      }
      if (compartment.state === 'OUT_OF_SERVICE' && req.via !== 'STAFF_OVERRIDE') {
        return { __typename: 'OpenRefused', reason: 'OUT_OF_SERVICE', message: `${req.label} is out of service.` };
      }
      if (bus.listenerCount(commandTopic(req.bankId)) === 0) {
        return {
          __typename: 'OpenRefused',
          reason: 'BANK_OFFLINE',
          message: 'The locker is not connected right now; nothing was sent.',
        };
      }
      const now = clock.now();
      const command = commands.insert({
        id: newId('cmd'),
        bankId: req.bankId,
        compartmentId: compartment.id,
        label: compartment.label,
        kind: 'OPEN_COMPARTMENT',
        requestedBy: req.requestedBy,
        via: req.via,
        reason: req.reason,
        parcelId: req.parcelId ?? null,
        issuedAt: now,
        expiresAt: new Date(now.getTime() + req.ttlMs),
      });
      bus.publish(commandTopic(req.bankId), command);
      return { __typename: 'CommandIssued', command };
    },

    /**
     * Tells a connected controller to refuse a pickup token from now on. A
     * controller that is away gets the list in its next connection_ack.
     */
    sendRevocation(bankId: string, compartmentId: string, label: string, tokenId: string, expiresAt: Date) {
      if (bus.listenerCount(commandTopic(bankId)) === 0) return;
      const now = clock.now();
      const command = commands.insert({
        id: newId('cmd'),
        bankId,
        compartmentId,
        label,
        kind: 'REVOKE_PICKUP_TOKEN',
        tokenId,
        via: 'SYSTEM',
        requestedBy: null,
        reason: 'parcel revoked',
        issuedAt: now,
        expiresAt: expiresAt > now ? expiresAt : new Date(now.getTime() + 60_000),
      });
      bus.publish(commandTopic(bankId), command);
    },

    /** Staff override: opens a door now, with a reason kept in the audit trail. */
    staffOpen(viewer: Viewer | null, input: { bankId: string; label: string; reason: string }): OpenResult {
      const v = authorize(viewer, 'Mutation.openCompartment');
      const reason = input.reason.trim();
      if (reason.length < 3) throw badInput('Give a reason (at least 3 characters).', { field: 'reason' });
      const bank = lockers.store.getBank(input.bankId);
      if (!bank || !inScope(bankScopeOf(v, 'Mutation.openCompartment'), bank)) throw notFound('Locker bank');
      return this.requestOpen({
        bankId: input.bankId,
        label: input.label.trim().toUpperCase(),
        via: 'STAFF_OVERRIDE',
        requestedBy: v.personId,
        reason: reason.slice(0, 500),
        ttlMs: deps.openCommandTtlMs,
      });
    },

    /**
     * The controller's command stream: commands still open for its bank
     * (e.g. issued just before a reconnect), then new ones. A command past its
     * expiry is marked EXPIRED and never sent.
     */
    commandStream(principal: Principal): AsyncIterableIterator<CommandRow> {
      const device = authorizeController(principal, 'Subscription.lockerCommands');
      // Subscribe before reading the pending ones, so a command issued in
      // between is not missed; the id set drops the one seen twice.
      const live = bus.subscribe<CommandRow>(commandTopic(device.bankId));
      const seen = new Set<string>();
      return transformIterator(
        live,
        (cmd) => {
          if (seen.has(cmd.id)) return undefined;
          seen.add(cmd.id);
          const now = clock.now();
          if (expireIfDue(cmd, now)) return undefined;
          return commands.markDelivered(cmd.id, now) ?? undefined;
        },
        commands.openForBank(device.bankId),
      );
    },

    acknowledge(principal: Principal, id: string, outcome: CommandRow['outcome'] & string, detail?: string | null) {
      const device = authorizeController(principal, 'Mutation.acknowledgeCommand');
      const cmd = commands.get(id);
      if (!cmd || cmd.bankId !== device.bankId) throw notFound('Command');
      const status = outcome === 'OPENED' || outcome === 'DONE' ? 'DONE' : outcome === 'EXPIRED' ? 'EXPIRED' : 'FAILED';
      const updated = commands.acknowledge(id, {
        status,
        outcome,
        outcomeDetail: detail?.slice(0, 500) ?? null,
        acknowledgedAt: clock.now(),
      });
      if (outcome !== 'OPENED' && outcome !== 'DONE')
        logger.warn({ commandId: id, outcome, detail }, 'command not carried out');
      return updated ?? cmd;
    },

    getCommand: (id: string) => commands.get(id),

    /** Marks commands past their expiry; run periodically so their status is true. */
    expireOverdueCommands() {
      return commands.expireOverdue(clock.now()).length;
    },

    rotateDeviceToken(viewer: Viewer | null, bankId: string) {
      authorize(viewer, 'Mutation.rotateDeviceToken');
      const deviceToken = randomToken('bld');
      const bank = lockers.store.rotateDeviceToken(bankId, sha256(deviceToken), clock.now());
      if (!bank) throw notFound('Locker bank');
      const current = connections.get(bankId);
      if (current) {
        connections.delete(bankId);
        current.close(DeviceCloseCode.Forbidden, 'Device token revoked');
        scheduleOffline(bankId);
      }
      // The old token's socket may be held by another instance.
      publishRevocation(bus, {
        match: { tokenId: deviceCredentialId(bankId, bank.deviceGeneration - 1) },
        code: RevocationCloseCode.Revoked,
        reason: 'Device token revoked',
      });
      lockers.publishBank(bank);
      return { bank, deviceToken };
    },

    dispose() {
      disposed = true;
      for (const t of offlineTimers.values()) clearTimeout(t);
      offlineTimers.clear();
    },
  };
}
export type DeviceService = ReturnType<typeof createDeviceService>;
