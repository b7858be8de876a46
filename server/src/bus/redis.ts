/**
 * The Redis bus: the `Bus` port across server instances (REDIS_URL set).
 *
 * - One subscriber connection per instance, multiplexing every topic: the
 *   first local listener of a topic SUBSCRIBEs its channel, the last one to
 *   leave UNSUBSCRIBEs it. Local fan-out (bounded queues, abort, return) is
 *   the in-process bus's own code (createLocalFanout).
 * - `publish` delivers to this instance's subscribers at once (the shared
 *   object, as in-process) and PUBLISHes the JSON (codec.ts: Dates kept) on
 *   the shared command connection for the others; each instance ignores the
 *   copy of its own messages that comes back. So the port's promise, "active
 *   as soon as subscribe returns", holds for everything published here. An
 *   event published on another instance in the moment before this
 *   instance's SUBSCRIBE reached Redis is not seen; a subscriber that loads
 *   its snapshot after subscribing may miss it only if that snapshot was read
 *   before the other instance committed, and then the next version corrects
 *   it. `settled()` waits for pending SUBSCRIBEs (tests).
 * - Order: Redis keeps one publisher's order; between two instances each
 *   subscriber may see their events interleaved differently. Payloads carry
 *   full state and versions, so clients keep the newest.
 * - `listenerCount` counts this instance's listeners only (PUBSUB NUMSUB
 *   would count instances, not subscribers, and costs a round trip).
 * - Reconnects: ioredis reconnects with back-off. When the subscriber
 *   connection is back it SUBSCRIBEs every topic that still has listeners,
 *   then publishes a `BusResync` ('reconnected') on BUS_RESYNC_TOPIC locally.
 *   When the publishing connection is back, what this instance published
 *   meanwhile may be lost for the others (ioredis queues commands while
 *   offline but gives up after `maxRetriesPerRequest`), so it tells the other
 *   instances on a control channel, and they publish 'peer-reconnected'.
 *   Several signals in one moment are coalesced into one.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../shared/logger.js';
import { decodePayload, encodePayload } from './codec.js';
import { createLocalFanout } from './in-process.js';
import { BUS_RESYNC_TOPIC, LOCAL_TOPIC_PREFIX, type Bus, type BusResync } from './index.js';

export interface RedisBusOptions {
  /** The instance's command connection (shared with the limiters and leases); the bus duplicates it to subscribe. */
  redis: Redis;
  instanceId: string;
  /** Key and channel prefix, so several deployments (or tests) can share one Redis. Default `baylight:`. */
  prefix?: string;
  logger?: Logger;
  /** Resync signals within this many ms are sent as one (default 50). */
  resyncCoalesceMs?: number;
}

export interface RedisBus extends Bus {
  /** Resolves when every SUBSCRIBE and UNSUBSCRIBE asked for so far has been answered. */
  settled(): Promise<void>;
  /** Closes the subscriber connection (the command connection belongs to whoever passed it). */
  close(): Promise<void>;
}

interface Envelope {
  /** The publishing bus (one per process start), so an instance skips its own messages. */
  o: string;
  p: unknown;
}

interface ControlMessage {
  o: string;
  kind: 'publisher-reconnected';
  instanceId: string;
}

export async function createRedisBus(opts: RedisBusOptions): Promise<RedisBus> {
  const { redis: pub, instanceId } = opts;
  const prefix = `${opts.prefix ?? 'baylight:'}bus:`;
  const controlChannel = `${opts.prefix ?? 'baylight:'}bus-control`;
  const origin = `${instanceId}:${process.pid}:${Math.random().toString(36).slice(2, 10)}`;
  const logger = opts.logger;
  const coalesceMs = opts.resyncCoalesceMs ?? 50;
  const isLocal = (topic: string) => topic.startsWith(LOCAL_TOPIC_PREFIX);

  // Resubscribing is ours to do (below), so it is done before the resync signal goes out.
  const sub = pub.duplicate({ autoResubscribe: false, lazyConnect: true, enableReadyCheck: true });
  const pending = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>) => {
    const settled = p.catch((err: unknown) => logger?.warn({ err }, 'redis bus: (un)subscribe failed'));
    pending.add(settled);
    void settled.finally(() => pending.delete(settled));
  };

  const local = createLocalFanout({
    onFirstListener(topic) {
      if (!isLocal(topic)) track(sub.subscribe(prefix + topic));
    },
    onLastListener(topic) {
      if (!isLocal(topic)) track(sub.unsubscribe(prefix + topic));
    },
  });

  let resyncTimer: NodeJS.Timeout | null = null;
  let closed = false;
  function signalResync(reason: BusResync['reason'], from: string) {
    if (resyncTimer || closed) return;
    resyncTimer = setTimeout(() => {
      resyncTimer = null;
      logger?.info({ reason, from }, 'redis bus: subscribers should resync');
      local.publish<BusResync>(BUS_RESYNC_TOPIC, { reason, instanceId: from, at: new Date() });
    }, coalesceMs);
    resyncTimer.unref();
  }

  sub.on('message', (channel: string, message: string) => {
    if (channel === controlChannel) {
      const control = decodePayload<ControlMessage>(message);
      if (control.o !== origin) signalResync('peer-reconnected', control.instanceId);
      return;
    }
    if (!channel.startsWith(prefix)) return;
    let envelope: Envelope;
    try {
      envelope = decodePayload<Envelope>(message);
    } catch (err) {
      logger?.warn({ err, channel }, 'redis bus: message is not JSON; dropped');
      return;
    }
    if (envelope.o === origin) return;
    local.publish(channel.slice(prefix.length), envelope.p);
  });

  // 'ready' comes after every successful (re)connect; the first is the start.
  let subWasReady = false;
  sub.on('ready', () => {
    if (!subWasReady) {
      subWasReady = true;
      return;
    }
    const channels = [
      controlChannel,
      ...local
        .topics()
        .filter((t) => !isLocal(t))
        .map((t) => prefix + t),
    ];
    sub.subscribe(...channels).then(
      () => signalResync('reconnected', instanceId),
      (err: unknown) => logger?.warn({ err }, 'redis bus: resubscribing failed'),
    );
  });
  let pubDropped = false;
  const onPubClose = () => {
    if (!closed) pubDropped = true;
  };
  const onPubReady = () => {
    if (!pubDropped || closed) return;
    pubDropped = false;
    const control: ControlMessage = { o: origin, kind: 'publisher-reconnected', instanceId };
    pub.publish(controlChannel, encodePayload(control)).catch(() => {});
  };
  pub.on('close', onPubClose);
  pub.on('ready', onPubReady);
  let lastError = '';
  sub.on('error', (err: Error) => {
    // ioredis retries by itself; say it once per kind of failure, not on every attempt.
    if (err.message !== lastError) logger?.warn({ err: err.message }, 'redis bus: subscriber connection error');
    lastError = err.message;
  });
  sub.on('ready', () => (lastError = ''));

  await sub.connect();
  await sub.subscribe(controlChannel);

  return {
    publish(topic, payload) {
      local.publish(topic, payload);
      if (isLocal(topic) || closed) return;
      const envelope: Envelope = { o: origin, p: payload };
      pub.publish(prefix + topic, encodePayload(envelope)).catch((err: unknown) => {
        logger?.warn({ err, topic }, 'redis bus: publish failed (other instances resync when it is back)');
      });
    },
    subscribe: (topic, signal) => local.subscribe(topic, signal),
    listenerCount: (topic) => local.listenerCount(topic),
    async settled() {
      while (pending.size) await Promise.all([...pending]);
    },
    async close() {
      if (closed) return;
      closed = true;
      if (resyncTimer) clearTimeout(resyncTimer);
      pub.off('close', onPubClose);
      pub.off('ready', onPubReady);
      await sub.quit().catch(() => sub.disconnect());
    },
  };
}
