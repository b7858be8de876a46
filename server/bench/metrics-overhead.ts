/**
 * What the metrics cost on the hot paths, per call, in this process:
 * the Apollo plugin per HTTP request, wsNext per subscription message,
 * eventsReported per batch. `npx tsx bench/metrics-overhead.ts`
 */
import { parse } from 'graphql';
import { EventEmitter } from 'node:events';
import type { WebSocket } from 'ws';
import { graphqlDurationPlugin } from '../src/metrics/apollo-plugin.js';
import { createMetrics } from '../src/metrics/index.js';

const metrics = createMetrics({ instanceId: 'bench' });
const N = 1_000_000;

function time(label: string, n: number, fn: (i: number) => unknown) {
  for (let i = 0; i < n / 10; i++) fn(i); // warm up
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  const ns = Number(process.hrtime.bigint() - start) / n;
  console.log(`${label.padEnd(52)} ${ns.toFixed(0).padStart(6)} ns/call`);
}

const plugin = graphqlDurationPlugin(metrics);
const rc = { operation: { operation: 'query' } } as never;
// The same two hooks doing nothing: what any plugin costs, to tell ours apart.
const empty = {
  requestDidStart: () => Promise.resolve({ willSendResponse: () => Promise.resolve() }),
};
const emptyStart = process.hrtime.bigint();
for (let i = 0; i < 100_000; i++) {
  const listener = await empty.requestDidStart();
  await listener.willSendResponse();
}
console.log(
  `${'an empty plugin with the same hooks (baseline)'.padEnd(52)} ${(Number(process.hrtime.bigint() - emptyStart) / 100_000).toFixed(0).padStart(6)} ns/call`,
);
// requestDidStart and willSendResponse return promises: awaited like Apollo does, timed in a batch.
const started = process.hrtime.bigint();
for (let i = 0; i < 100_000; i++) {
  const listener = await plugin.requestDidStart!(rc);
  await listener!.willSendResponse!(rc);
}
console.log(
  `${'Apollo plugin per HTTP request (both hooks, awaited)'.padEnd(52)} ${(Number(process.hrtime.bigint() - started) / 100_000).toFixed(0).padStart(6)} ns/call`,
);

const socket = Object.assign(new EventEmitter(), { readyState: 1, OPEN: 1 }) as unknown as WebSocket;
const ctx = { extra: { socket } };
const document = parse('subscription { compartmentUpdated { label } }');
metrics.wsOperation(ctx, 's1', { document }, { [Symbol.asyncIterator]: () => null });
time('wsNext per subscription message', N, () => metrics.wsNext(ctx, 's1'));
time('wsNext per query result (not counted)', N, () => metrics.wsNext(ctx, 'q1'));
const answer = {
  acceptedThroughSeq: 1,
  resendFromSeq: null,
  stored: 1,
  duplicates: 0,
  rejected: [],
  flagged: [],
  conflicts: [],
};
time('eventsReported per batch', N / 10, () => metrics.eventsReported(1, answer));
time('graphqlDuration observe', N / 10, () => metrics.graphqlDuration('query', 'http', 0.002));
const t = process.hrtime.bigint();
const { body } = await metrics.render();
console.log(
  `${'render /metrics'.padEnd(52)} ${(Number(process.hrtime.bigint() - t) / 1e6).toFixed(1).padStart(6)} ms (${body.length} bytes)`,
);
