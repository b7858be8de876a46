// node --test scripts/ports.test.mjs: the demo launcher's port checks.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import {
  describeTakenPort,
  findListeners,
  freePortsAfter,
  listeningInodes,
  pgidFromStat,
  probePort,
} from './ports.mjs';

const listen = (host) =>
  new Promise((resolve) => {
    const server = createServer();
    server.listen({ port: 0, host }, () => resolve(server));
  });
const close = (server) => new Promise((resolve) => server.close(resolve));

test('a port someone listens on is taken, and free again once they stop', async () => {
  const server = await listen('127.0.0.1');
  const { port } = server.address();
  assert.equal((await probePort(port, '127.0.0.1')).free, false);
  // Binding every address conflicts with a listener on one of them.
  assert.equal((await probePort(port, '0.0.0.0')).free, false);
  await close(server);
  assert.equal((await probePort(port, '127.0.0.1')).free, true);
});

test('other ports suggested are free and not the ones to avoid', async () => {
  const server = await listen('127.0.0.1');
  const { port } = server.address();
  try {
    const [next] = await freePortsAfter(port - 1, 1, '127.0.0.1', [port + 1]);
    assert.ok(next !== port && next !== port + 1, `suggested ${next}`);
    assert.equal((await probePort(next, '127.0.0.1')).free, true);
  } finally {
    await close(server);
  }
});

test('the process holding a port is found, with its process group and command', async () => {
  const server = await listen('127.0.0.1');
  const { port } = server.address();
  try {
    const holders = findListeners(port);
    const me = holders.find((h) => h.pid === process.pid);
    assert.ok(me, `this test process holds ${port}: ${JSON.stringify(holders)}`);
    assert.match(me.command, /node/);
    assert.equal(me.pgid, pgidFromStat(`${process.pid} (node) S 1 ${me.pgid} ${me.pgid} 0`));
    assert.deepEqual(
      findListeners(port, { proc: '/nonexistent-proc' }).filter((h) => h.pid !== process.pid),
      [],
    );
  } finally {
    await close(server);
  }
  assert.deepEqual(
    findListeners(port).filter((h) => h.pid === process.pid),
    [],
  );
});

test('reads listening sockets from /proc/net/tcp and tcp6, ignoring connections', () => {
  const tcp = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 0100007F:0FA0 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000 100 0 0 10 0',
    '   1: 0100007F:0FA0 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 4343 1 0000 20 4 30 10 -1',
    '   2: 00000000:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4444 1 0000 100 0 0 10 0',
  ].join('\n');
  assert.deepEqual(listeningInodes(tcp, 4000), ['4242']);
  assert.deepEqual(listeningInodes(tcp, 3000), ['4444']);
  const tcp6 =
    '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n' +
    '   0: 00000000000000000000000001000000:0BB8 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5555 1 0000 100 0 0 10 0';
  assert.deepEqual(listeningInodes(tcp6, 3000), ['5555']);
});

test('a process group is read after the command name, whatever the name holds', () => {
  assert.equal(pgidFromStat('123 (next-server (v16.4.0)) S 100 120 120 0 -1'), 120);
  assert.equal(pgidFromStat('7 (a b) R 1 7 7 0'), 7);
});

test('the message names the port, its variable, the holder and how to stop it or move', () => {
  const root = '/home/ada/baylight';
  const ours = describeTakenPort({
    port: 4000,
    variable: 'PORT',
    role: 'the API server',
    holders: [
      {
        pid: 4321,
        pgid: 4300,
        cwd: `${root}/server`,
        command: 'node /home/ada/baylight/node_modules/.bin/tsx src/main.ts',
      },
    ],
    root,
    otherPorts: 'PORT=4001 WEB_PORT=3001',
  });
  assert.match(ours, /^Port 4000 \(PORT, the API server\) is already in use\./);
  assert.match(ours, /pid 4321, process group 4300, in \/home\/ada\/baylight\/server: node .*tsx src\/main\.ts/);
  assert.match(ours, /another Baylight demo from this folder/);
  assert.match(ours, /kill -- -4300\n/);
  assert.match(ours, /PORT=4001 WEB_PORT=3001 npm start$/);

  const other = describeTakenPort({
    port: 3000,
    variable: 'WEB_PORT',
    role: 'the web app',
    holders: [{ pid: 999, pgid: 1, command: 'python3 -m http.server 3000' }],
    root,
    otherPorts: 'PORT=4001 WEB_PORT=3001',
  });
  // Someone else's process: only it, never its group (here init's).
  assert.match(other, /kill -- 999\n/);
  assert.doesNotMatch(other, /Baylight demo/);

  const unseen = describeTakenPort({
    port: 3000,
    variable: 'WEB_PORT',
    role: 'the web app',
    holders: [],
    root,
    otherPorts: 'X=1',
  });
  assert.match(unseen, /not visible to this user/);
  assert.match(unseen, /ss -ltnp 'sport = :3000'/);
});
