/**
 * A TCP load balancer for the multi-instance tests: every new connection goes
 * to the instance it points at now; `point` moves it, as a real balancer's
 * health check does when an instance dies. Open connections stay where they
 * are and close with their instance.
 */
import net from 'node:net';
import { track } from './disposables.js';

export interface Balancer {
  wsUrl: string;
  point(port: number): void;
}

export async function startBalancer(port: number): Promise<Balancer> {
  let target = port;
  const open = new Set<net.Socket>();
  const server = net.createServer((down) => {
    const up = net.connect(target, '127.0.0.1');
    open.add(down).add(up);
    const end = () => {
      down.destroy();
      up.destroy();
      open.delete(down);
      open.delete(up);
    };
    for (const s of [down, up]) s.on('error', end).on('close', end);
    down.pipe(up);
    up.pipe(down);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  track(null, async () => {
    for (const s of open) s.destroy();
    await new Promise((r) => server.close(r));
  });
  const { port: own } = server.address() as net.AddressInfo;
  return {
    wsUrl: `ws://127.0.0.1:${own}/graphql`,
    point(to) {
      target = to;
    },
  };
}
