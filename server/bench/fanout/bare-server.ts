/**
 * The baseline: a bare `ws` server speaking just enough graphql-transport-ws
 * (connection_init → ack, subscribe → remember the id) and, per event,
 * stringifying the payload once and writing each socket its `next` frame with
 * that socket's operation id spliced in: the same bytes a client gets from
 * Baylight, with nothing else done.
 */
import { WebSocketServer, type WebSocket } from 'ws';
import { runPaced, send, type ToServer } from './control.js';

const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', path: '/graphql' });
await new Promise((r) => wss.once('listening', r));
const port = (wss.address() as { port: number }).port;

/** Subscribers: socket → the frame prefix with its operation id. */
const subscribers = new Map<WebSocket, string>();
wss.on('connection', (socket) => {
  socket.on('message', (data: Buffer) => {
    const m = JSON.parse(String(data)) as { type: string; id?: string };
    if (m.type === 'connection_init') socket.send('{"type":"connection_ack"}');
    else if (m.type === 'subscribe') subscribers.set(socket, `{"id":${JSON.stringify(m.id)},"type":"next","payload":`);
    else if (m.type === 'ping') socket.send('{"type":"pong"}');
  });
  socket.on('close', () => subscribers.delete(socket));
});

const row = {
  id: '0c5e2a0e-7a1f-4c55-9f6a-3f9f0f3b1c2d',
  label: 'A01',
  door: 'CLOSED',
  occupancy: 'EMPTY',
  state: 'FREE',
};
function publish(seq: number) {
  const payload = JSON.stringify({ data: { compartmentUpdated: { ...row, version: seq } } });
  for (const [socket, prefix] of subscribers) socket.send(prefix + payload + '}');
}

process.on('message', (m: ToServer) => {
  if (m.type === 'go') publish(m.seq);
  else if (m.type === 'paced') runPaced(m, publish, () => send({ type: 'paced-done' }));
  else if (m.type === 'rss') {
    const u = process.memoryUsage();
    send({ type: 'rss', rss: u.rss, heapUsed: u.heapUsed });
  } else if (m.type === 'stop') process.exit(0);
});
send({ type: 'ready', url: `ws://127.0.0.1:${port}/graphql`, subscriberTokens: [], deviceTokens: [], variables: {} });
