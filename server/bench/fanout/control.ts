/**
 * The control channel between the fan-out benchmark's driver (the clients, on
 * one core) and the server it measures (on the other), over the child
 * process's IPC channel. Both servers, Baylight and the bare `ws` baseline,
 * answer the same messages, so the driver treats them alike.
 */

/** Driver → server. */
export type ToServer =
  /** Publish one event now. */
  | { type: 'go'; seq: number }
  /** Publish `count` events from `firstSeq`, event k at `startAt + k / rate` (epoch ms), late ones at once. */
  | { type: 'paced'; firstSeq: number; count: number; rate: number; startAt: number }
  | { type: 'rss' }
  | { type: 'stop' };

/** Server → driver. */
export type FromServer =
  | {
      type: 'ready';
      url: string;
      /** One credential per subscriber (Baylight: a student's bearer token each). */
      subscriberTokens: string[];
      /** One device token per simulated controller (Baylight only; the bare server takes any). */
      deviceTokens: string[];
      /** Variables of the subscription every subscriber sends. */
      variables: Record<string, unknown>;
    }
  | { type: 'rss'; rss: number; heapUsed: number }
  | { type: 'paced-done' };

export const SUBSCRIPTION = `subscription ($b: ID) { compartmentUpdated(bankId: $b) { id label door occupancy state version } }`;

/** High-resolution epoch milliseconds, comparable between processes on one machine. */
export const nowEpoch = () => performance.timeOrigin + performance.now();

export function send(message: FromServer) {
  process.send?.(message);
}

/** Runs `publish(seq)` for a paced schedule, on time or, when behind, at once (latency counts from the schedule). */
export function runPaced(m: Extract<ToServer, { type: 'paced' }>, publish: (seq: number) => void, done: () => void) {
  let k = 0;
  const tick = () => {
    while (k < m.count && nowEpoch() >= m.startAt + (k * 1000) / m.rate) publish(m.firstSeq + k++);
    if (k >= m.count) return done();
    const wait = m.startAt + (k * 1000) / m.rate - nowEpoch();
    setTimeout(tick, Math.max(0, wait));
  };
  setTimeout(tick, Math.max(0, m.startAt - nowEpoch()));
}
