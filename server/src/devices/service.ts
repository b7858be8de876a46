/**
 * The server side of the locker controller protocol (PROTOCOL.md beside this
 * file): the handshake (handshake.ts), connections and presence
 * (connections.ts), what controllers say about themselves (controllers.ts),
 * event ingest, and commands.
 */
import type { AlertKind } from '../audit/types.js';
import type { Bus } from '../bus/index.js';
import { deviceCredentialId, publishRevocation, RevocationCloseCode } from '../bus/revocations.js';
import type { LockerService } from '../lockers/service.js';
import type { ControllerEventHook } from '../lockers/store.js';
import { isBankOnline, type BankRow } from '../lockers/types.js';
import { authorize, authorizeController, type Principal } from '../access/authorize.js';
import { bankScopeOf, inScope } from '../access/scope.js';
import type { Viewer } from '../people/types.js';
import { transformIterator } from '../shared/async-iter.js';
import type { Clock } from '../shared/clock.js';
import { sha256 } from '../shared/crypto.js';
import { alreadySubscribed, badInput, forbidden, notFound } from '../shared/errors.js';
import { newId, randomToken } from '../shared/ids.js';
import type { Logger } from '../shared/logger.js';
import {
  createCommandStreams,
  createConnectionRegistry,
  refusedStream,
  releasedWhenDone,
  type DeviceConnection,
} from './connections.js';
import type { BankLeases } from '../cluster/leases.js';
import { capabilitiesOf, healthOf, type ControllerRow, type ControllerStore } from './controllers.js';
import {
  buildConnectionAck,
  clockOffsetMs,
  initRefusalReason,
  negotiateVersion,
  parseConnectionInit,
  type AckExtension,
} from './handshake.js';
import { parseHealthInput, type HealthInput } from './health.js';
import {
  createEventJournal,
  type ControllerEventsListener,
  type EventPreparer,
  type JournalSettings,
} from './journal.js';
import { DeviceCloseCode, type DeviceAckPayload, type DeviceLimits } from './protocol.js';
import { createSerialQueues } from '../shared/serial.js';
import type { CommandStore } from './store.js';
import { commandTopic, type CommandRow, type DeviceIdentity } from './types.js';

export type { DeviceConnection } from './connections.js';

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
  controllers: ControllerStore;
  bus: Bus;
  clock: Clock;
  logger: Logger;
  offlineGraceMs: number;
  batchLimit: number;
  openCommandTtlMs: number;
  /** What connection_ack states in `limits` (handshake.ts deviceLimits). */
  limits: DeviceLimits;
  /** The server's release, read once at start (handshake.ts readServerVersion). */
  serverVersion: string;
  /** A controller clock off by more than this raises CLOCK_OFF and is not trusted. */
  clockToleranceMs: number;
  /** Pongs and messages update a bank's last_seen_at at most this often (the keep-alive interval). */
  lastSeenIntervalMs: number;
  /** Staff alerts (the audit service's `raise`; awaited when it returns a promise). */
  raiseAlert(alert: {
    kind: AlertKind;
    bankId: string;
    compartmentLabel?: string | null;
    parcelId?: string | null;
    message: string;
  }): unknown;
  /** A command's first answer was stored (metrics: issued → acknowledged). */
  onCommandAcknowledged?(command: CommandRow): void;
  /** Which connection holds each bank across instances (cluster/leases.ts); absent on one instance. */
  leases?: BankLeases;
  /** This instance, in lease holders (cluster/index.ts). Default: 'local'. */
  instanceId?: string;
  /** A person's name, for alerts that say who asked. */
  personName(personId: string): string | null | Promise<string | null>;
  /** The event journal's limits and the banks' clocks (journal.ts). */
  journal: Omit<JournalSettings, 'batchLimit'>;
}

/** What a connection_init leads to: the ack to send, or the close code and reason. */
export type ConnectOutcome =
  { ok: true; identity: DeviceIdentity; ack: DeviceAckPayload } | { ok: false; code: number; reason: string };

/** `+2 h 0 min` style: how far a controller's clock is off, for people. */
export function describeOffset(offsetMs: number): string {
  const total = Math.round(Math.abs(offsetMs) / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const size = h ? `${h} h ${m} min` : m ? `${m} min ${s} s` : `${s} s`;
  return `${size} ${offsetMs >= 0 ? 'ahead of' : 'behind'} the server's`;
}

export function createDeviceService(deps: DeviceServiceDeps) {
  const { lockers, commands, controllers, bus, clock, logger } = deps;
  const listeners: ControllerEventsListener[] = [];
  const hooks: ControllerEventHook[] = [];
  let prepare: EventPreparer = () => Promise.resolve();
  let ackExtension: (bank: BankRow) => AckExtension | Promise<AckExtension> = () => ({
    compartments: [],
    pickupKeys: [],
    revokedPickupTokens: [],
  });
  const streams = createCommandStreams();
  /**
   * A bank's connects and disconnects, one after another in the order they
   * came (serial.ts): what a connection_init stores is never interleaved with
   * another connection's of the same bank.
   */
  const handshakes = createSerialQueues();
  const connections = createConnectionRegistry({
    lockers,
    ...(deps.leases ? { leases: deps.leases } : {}),
    bus,
    instanceId: deps.instanceId ?? 'local',
    clock,
    logger,
    offlineGraceMs: deps.offlineGraceMs,
    lastSeenIntervalMs: deps.lastSeenIntervalMs,
    // OFFLINE: nothing is kept for the bank, so a door never opens minutes after the person left.
    onOffline: async (bankId) => {
      const expired = await commands.expireOpenForBank(bankId, clock.now());
      if (expired.length) logger.info({ bankId, commands: expired.map((c) => c.id) }, 'bank offline: commands expired');
    },
  });
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

  const isOnline = async (bankId: string): Promise<boolean> => {
    const bank = await lockers.store.getBank(bankId);
    return !!bank && isBankOnline(bank);
  };

  async function expireIfDue(cmd: CommandRow, now: Date): Promise<boolean> {
    if (cmd.expiresAt > now) return false;
    await commands.expireOverdue(now);
    return true;
  }

  /** CLOCK_OFF when a measured offset is beyond the tolerance; one open alert per bank (audit dedupes). */
  async function checkClock(bankId: string, offsetMs: number, measuredBy: string) {
    if (Math.abs(offsetMs) <= deps.clockToleranceMs) return;
    const name = (await lockers.store.getBank(bankId))?.name ?? bankId;
    await deps.raiseAlert({
      kind: 'CLOCK_OFF',
      bankId,
      message:
        `${name}: the controller's clock is ${describeOffset(offsetMs)} (measured from its ${measuredBy}; ` +
        `tolerance ${Math.round(deps.clockToleranceMs / 1000)} s). Its event times are corrected by it; fix its time source (NTP).`,
    });
  }

  /** COMMAND_FAILED: the door of an opening did not open. Names the bank, the door, how, who asked and why. */
  async function raiseCommandFailed(cmd: CommandRow) {
    const bank = (await lockers.store.getBank(cmd.bankId))?.name ?? cmd.bankId;
    const who = cmd.requestedBy
      ? ((await deps.personName(cmd.requestedBy)) ?? 'a person no longer on file')
      : 'the system';
    const answer =
      cmd.outcome === 'UNKNOWN_COMPARTMENT' ? 'has no such door' : 'answered that the lock did not release';
    const detail = cmd.outcomeDetail ? ` (${cmd.outcomeDetail})` : '';
    const reason = cmd.reason ? `, reason: "${cmd.reason}"` : '';
    await deps.raiseAlert({
      kind: 'COMMAND_FAILED',
      bankId: cmd.bankId,
      compartmentLabel: cmd.label,
      parcelId: cmd.parcelId,
      message: `${bank} ${cmd.label}: the door did not open. The controller ${answer}${detail}. Opening via ${cmd.via}, asked by ${who}${reason}.`,
    });
  }

  return {
    /** Resolves a device token to the bank it belongs to; null for missing, wrong or revoked tokens. */
    async authenticate(token: unknown): Promise<{ bank: BankRow; identity: DeviceIdentity } | null> {
      if (typeof token !== 'string' || token.length === 0 || token.length > 200) return null;
      const bank = await lockers.findBankByDeviceToken(token);
      if (!bank) return null;
      const identity: DeviceIdentity = { bankId: bank.id, generation: bank.deviceGeneration };
      return { bank, identity };
    },

    /** The parts of connection_ack other domains state (set once when the services are wired). */
    setAckExtension(fn: (bank: BankRow) => AckExtension | Promise<AckExtension>) {
      ackExtension = fn;
    },

    /**
     * A controller's connection_init, its token already checked (PROTOCOL.md
     * 1, 2): the payload is read (4400 when malformed), the connection takes
     * the bank unless a later-accepted one holds it (4002), what the
     * controller said is stored, and the ack is built. A bank's connects and
     * disconnects run one after another, in the order they came. If storing
     * fails after the connection took the bank, it lets go of the bank again
     * (as its close would) and the error is thrown to the caller.
     */
    connect(
      found: { bank: BankRow; identity: DeviceIdentity },
      payload: Record<string, unknown>,
      connection: DeviceConnection,
    ): Promise<ConnectOutcome> {
      const receivedAt = clock.now();
      const parsed = parseConnectionInit(payload);
      if (!parsed.ok) {
        return Promise.resolve({
          ok: false,
          code: DeviceCloseCode.BadInit,
          reason: initRefusalReason(parsed.field, parsed.problem),
        });
      }
      const bankId = found.bank.id;
      return handshakes.run(bankId, async (): Promise<ConnectOutcome> => {
        // The token was checked before this turn came: a rotation may have revoked it since
        // (when both ran in one synchronous step, nothing could come in between).
        const bank = await lockers.store.getBank(bankId);
        if (!bank || bank.deviceGeneration !== found.identity.generation) {
          return { ok: false, code: DeviceCloseCode.Forbidden, reason: 'Device token revoked' };
        }
        const claim = await connections.claim(bankId, connection).catch((err: unknown) => {
          connections.release(bankId, connection);
          throw err;
        });
        if (!claim.ok) {
          return { ok: false, code: DeviceCloseCode.Superseded, reason: 'Superseded: a newer connection is live' };
        }
        try {
          const { init } = parsed;
          const protocolVersion = negotiateVersion(init.requestedVersion);
          const offset = init.time ? clockOffsetMs(init.time, receivedAt) : null;
          await controllers.recordConnected(bankId, {
            protocolVersion,
            model: init.model,
            serial: init.serial,
            firmware: init.firmware,
            capabilities: init.capabilities,
            connectedAt: receivedAt,
            clockOffsetMs: offset,
          });
          if (offset !== null) await checkClock(bankId, offset, 'connection_init');
          const extension = await ackExtension(bank);
          const ack = buildConnectionAck({
            protocolVersion,
            serverVersion: deps.serverVersion,
            now: clock.now(),
            limits: deps.limits,
            bank,
            clockOffsetMs: offset,
            extension,
          });
          return { ok: true, identity: { ...found.identity, connectionId: connection.acceptedOrder }, ack };
        } catch (err) {
          connections.release(bankId, connection);
          throw err;
        }
      });
    },

    /**
     * A controller's socket closed; the bank shows OFFLINE only if it stays
     * away for the grace period. In the bank's turn after its connect.
     */
    disconnect(bankId: string, connection: DeviceConnection): Promise<void> {
      streams.forget(connection.acceptedOrder);
      return handshakes.run(bankId, async () => {
        if (connections.release(bankId, connection)) await controllers.recordDisconnected(bankId, clock.now());
      });
    },

    /**
     * A pong or a message on a controller's socket (PROTOCOL.md 2, Keep-alive).
     * Never rejects (a failed write is logged), so a socket listener may leave it unawaited.
     */
    noteSignOfLife: (bankId: string): Promise<void> => connections.noteSignOfLife(bankId),

    /**
     * Resolves when the bank's handshake and presence writes queued so far
     * (connect, disconnect, status, last_seen_at) have run: for tests and
     * for whoever must read what they stored.
     */
    async settled(bankId: string): Promise<void> {
      await handshakes.run(bankId, () => Promise.resolve());
      await connections.settled(bankId);
    },

    /** A controller's socket is live on this instance. */
    isConnected: (bankId: string) => connections.hasLive(bankId),
    /** The bank is ONLINE: commands for it are kept until its controller subscribes (or they expire). */
    isOnline,
    connectedCount: () => connections.liveCount(),

    /** After a restart, banks recorded ONLINE get the grace period to reconnect to this instance. */
    resumePresence: () => connections.resumePresence(),
    /** Banks stored ONLINE that no instance holds (one died) get their grace period (run periodically). */
    sweepPresence: () => connections.sweepPresence(),

    /** Called after the events' transaction commits (timers, logs). */
    onControllerEvents(listener: ControllerEventsListener) {
      listeners.push(listener);
    },

    /** Async work on a batch before its transaction (not inside it), e.g. verifying QR signatures. */
    setEventPreparer(fn: typeof prepare) {
      prepare = fn;
    },

    /** Called, and awaited, inside the events' transaction (state that must change with them). */
    addEventHook(hook: ControllerEventHook) {
      hooks.push(hook);
    },

    /** reportLockerEvents: the journal (journal.ts, PROTOCOL.md 3). */
    reportEvents: (principal: Principal, input: readonly unknown[]) => journal.report(principal, input),

    /** markLockerEventsLost (PROTOCOL.md 3, Lost events). */
    markEventsLost: (principal: Principal, fromSeq: number, throughSeq: number, reason: string) =>
      journal.markLost(principal, fromSeq, throughSeq, reason),

    /**
     * Sends OPEN_COMPARTMENT to a bank. Taken while the bank is ONLINE, even
     * without a `lockerCommands` subscription (between the ack and
     * subscribing, or during the grace period): it is stored PENDING with its
     * own expiry and sent when the controller subscribes, if still valid.
     * Refused for an OFFLINE bank: a door must never open minutes after the
     * person left, so nothing is queued for a bank that is away.
     */
    async requestOpen(req: OpenRequest): Promise<OpenResult> {
      const compartment = await lockers.findCompartment(req.bankId, req.label);
      if (!compartment) {
        return { __typename: 'OpenRefused', reason: 'UNKNOWN_COMPARTMENT', message: `No compartment ${req.label}.` };
      }
      if (compartment.state === 'OUT_OF_SERVICE' && req.via !== 'STAFF_OVERRIDE') {
        return { __typename: 'OpenRefused', reason: 'OUT_OF_SERVICE', message: `${req.label} is out of service.` };
      }
      if (!(await isOnline(req.bankId))) {
        return {
          __typename: 'OpenRefused',
          reason: 'BANK_OFFLINE',
          message: 'The locker is not connected right now; nothing was sent.',
        };
      }
      const now = clock.now();
      const command = await commands.insert({
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
     * Tells an ONLINE bank's controller to refuse a pickup token from now on
     * (kept like any command until it subscribes). A bank that is OFFLINE
     * gets the list in its next connection_ack instead.
     */
    async sendRevocation(
      bankId: string,
      compartmentId: string,
      label: string,
      tokenId: string,
      expiresAt: Date,
    ): Promise<void> {
      if (!(await isOnline(bankId))) return;
      const now = clock.now();
      const command = await commands.insert({
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
    async staffOpen(
      viewer: Viewer | null,
      input: { bankId: string; label: string; reason: string },
    ): Promise<OpenResult> {
      const v = authorize(viewer, 'Mutation.openCompartment');
      const reason = input.reason.trim();
      if (reason.length < 3) throw badInput('Give a reason (at least 3 characters).', { field: 'reason' });
      const bank = await lockers.store.getBank(input.bankId);
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
     * (issued while it was away during the grace period, or before it
     * subscribed), then new ones. A command past its expiry is marked EXPIRED
     * and never sent. One stream per connection: a second while the first
     * runs fails with ALREADY_SUBSCRIBED, and no command goes out twice on
     * one connection.
     */
    async commandStream(principal: Principal): Promise<AsyncIterableIterator<CommandRow>> {
      const device = authorizeController(principal, 'Subscription.lockerCommands');
      const connection: unknown = device.connectionId ?? device;
      if (!streams.claim(connection)) {
        return refusedStream(
          alreadySubscribed('This connection already receives lockerCommands; keep the first subscription.'),
        );
      }
      // Subscribe before reading the pending ones, so a command issued in
      // between is not missed; the connection's sent ids drop the one seen twice.
      const live = bus.subscribe<CommandRow>(commandTopic(device.bankId));
      let pending: CommandRow[];
      try {
        pending = await commands.openForBank(device.bankId);
      } catch (err) {
        await live.return?.();
        streams.release(connection);
        throw err;
      }
      const stream = transformIterator(
        live,
        async (cmd) => {
          const now = clock.now();
          if (!streams.markSent(connection, cmd.id, cmd.expiresAt, now)) return undefined;
          if (await expireIfDue(cmd, now)) return undefined;
          return (await commands.markDelivered(cmd.id, now)) ?? undefined;
        },
        pending,
      );
      return releasedWhenDone(stream, () => streams.release(connection));
    },

    /**
     * The controller's answer to a command (PROTOCOL.md 5). The first answer
     * counts, also one after the command expired (a late OPENED means the
     * door did open: the command becomes DONE and says it was late). An
     * opening answered FAILED or UNKNOWN_COMPARTMENT raises COMMAND_FAILED.
     */
    async acknowledge(
      principal: Principal,
      id: string,
      outcome: CommandRow['outcome'] & string,
      detail?: string | null,
    ): Promise<CommandRow> {
      const device = authorizeController(principal, 'Mutation.acknowledgeCommand');
      const cmd = await commands.get(id);
      if (!cmd || cmd.bankId !== device.bankId) throw notFound('Command');
      const status = outcome === 'OPENED' || outcome === 'DONE' ? 'DONE' : outcome === 'EXPIRED' ? 'EXPIRED' : 'FAILED';
      const updated = await commands.acknowledge(id, {
        status,
        outcome,
        outcomeDetail: detail?.slice(0, 500) ?? null,
        acknowledgedAt: clock.now(),
      });
      if (!updated) return cmd;
      deps.onCommandAcknowledged?.(updated);
      if (isAcknowledgedLate(updated)) logger.info({ commandId: id, outcome }, 'command answered after it expired');
      if (outcome !== 'OPENED' && outcome !== 'DONE')
        logger.warn({ commandId: id, outcome, detail }, 'command not carried out');
      if (updated.kind === 'OPEN_COMPARTMENT' && (outcome === 'FAILED' || outcome === 'UNKNOWN_COMPARTMENT')) {
        await raiseCommandFailed(updated);
      }
      return updated;
    },

    getCommand: async (id: string) => commands.get(id),

    /** Marks commands past their expiry; run periodically so their status is true. Resolves to how many. */
    async expireOverdueCommands(): Promise<number> {
      return (await commands.expireOverdue(clock.now())).length;
    },

    /**
     * The periodic health report (PROTOCOL.md 2): stored for staff, with the
     * clock offset measured from its `at` (CLOCK_OFF beyond the tolerance).
     */
    async reportHealth(principal: Principal, input: HealthInput) {
      const device = authorizeController(principal, 'Mutation.reportControllerHealth');
      const receivedAt = clock.now();
      const { at, health } = parseHealthInput(input);
      const offset = clockOffsetMs(at, receivedAt);
      await controllers.recordHealth(device.bankId, health, receivedAt, offset);
      await checkClock(device.bankId, offset, 'health report');
      return { serverTime: receivedAt, clockOffsetMs: offset };
    },

    /** The store of what controllers said about themselves (loaders batch through it). */
    controllers,

    /**
     * LockerBank.controller: who may read the event log (of this bank) sees
     * what its controller said about itself, its clock and its health.
     */
    async controllerInfo(
      viewer: Viewer | null,
      bank: BankRow,
      load: (bankId: string) => Promise<ControllerRow | undefined>,
    ) {
      const v = authorize(viewer, 'Query.lockerEventLog');
      if (!inScope(bankScopeOf(v, 'Query.lockerEventLog'), bank)) {
        throw forbidden('Only operators and the owning department see the controller.');
      }
      const row = await load(bank.id);
      if (!row) return null;
      const health = healthOf(row);
      return {
        protocolVersion: row.protocolVersion,
        model: row.model,
        serial: row.serial,
        firmware: row.firmware,
        capabilities: capabilitiesOf(row),
        connectedAt: row.connectedAt,
        disconnectedAt: row.disconnectedAt,
        clockOffsetMs: row.clockOffsetMs,
        clockMeasuredAt: row.clockMeasuredAt,
        clockTrusted: row.clockOffsetMs !== null && Math.abs(row.clockOffsetMs) <= deps.clockToleranceMs,
        health:
          health && row.healthAt
            ? {
                receivedAt: row.healthAt,
                uptimeSeconds: health.uptimeSeconds,
                outboxDepth: health.outboxDepth,
                signalDbm: health.signalDbm,
                firmware: health.firmware,
                power: health.power,
                batteryPercent: health.batteryPercent,
                temperatureC: health.temperatureC,
              }
            : null,
      };
    },

    async rotateDeviceToken(viewer: Viewer | null, bankId: string) {
      authorize(viewer, 'Mutation.rotateDeviceToken');
      const deviceToken = randomToken('bld');
      const bank = await lockers.store.rotateDeviceToken(bankId, sha256(deviceToken), clock.now());
      if (!bank) throw notFound('Locker bank');
      // In the bank's turn, like a disconnect: a connect running now finishes first, then is dropped.
      await handshakes.run(bankId, async () => {
        if (connections.drop(bankId, DeviceCloseCode.Forbidden, 'Device token revoked')) {
          await controllers.recordDisconnected(bankId, clock.now());
        }
      });
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
      connections.dispose();
    },
  };
}
export type DeviceService = ReturnType<typeof createDeviceService>;

/** The controller answered after the command had expired (LockerCommand.acknowledgedLate). */
export const isAcknowledgedLate = (cmd: Pick<CommandRow, 'acknowledgedAt' | 'expiresAt'>) =>
  cmd.acknowledgedAt !== null && cmd.acknowledgedAt > cmd.expiresAt;
