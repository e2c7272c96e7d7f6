/**
 * Two Socket.IO servers joined by @socket.io/redis-adapter 8 (classic: PUBLISH/PSUBSCRIBE, and
 * sharded: SPUBLISH/SSUBSCRIBE, Redis 7), through `toNodeRedis(client)` and `toIORedis(client)`.
 * The adapter detects node-redis by `pSubscribe`/`sSubscribe` being functions and subscribes
 * with bufferMode (its packets are msgpack, binary), which the compat adapter serves from a
 * Buffer twin of the client; else it takes its ioredis branch (psubscribe, 'pmessageBuffer' and
 * 'smessageBuffer' events, send_command('PUBSUB', [...], callback)).
 * What the adapter promises is checked: a broadcast from one server reaches the other server's
 * clients exactly once, rooms filter it, fetchSockets() and serverSideEmit() see the other server
 * (request/response channels, PUBSUB NUMSUB through sendCommand).
 */
import { test, after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import { useRedisServer } from '../helpers/setup.ts';
import { staysTrue, waitFor } from '../helpers/wait.ts';
import { toNodeRedis } from '../../src/compat/node-redis.ts';
import { toIORedis } from '../../src/compat/ioredis.ts';

const redis = useRedisServer();

interface Node {
  io: Server;
  http: HttpServer;
  url: string;
  redis: { close?(): Promise<void>; quit?(): Promise<unknown> }[];
}

type Shape = 'node-redis' | 'ioredis';

async function startNode(sharded: boolean, shape: Shape): Promise<Node> {
  const pub = shape === 'node-redis' ? toNodeRedis(redis.client()) : toIORedis(redis.client({ protocol: 2 }));
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  const http = createServer();
  const io = new Server(http, { adapter: sharded ? createShardedAdapter(pub, sub) : createAdapter(pub, sub, { requestsTimeout: 3000 }) });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return { io, http, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, redis: [pub, sub] };
}

async function stopNode(node: Node): Promise<void> {
  await new Promise((resolve) => node.io.close(resolve));
  for (const c of node.redis) await (c.close?.() ?? c.quit?.());
}

async function connectTo(node: Node, room?: string): Promise<Socket> {
  const socket = connect(node.url, { transports: ['websocket'], forceNew: true, reconnection: false });
  await waitFor(() => socket.connected, { timeoutMs: 10_000, message: 'the socket.io client to connect' });
  if (room !== undefined) {
    const [server] = await node.io.in(socket.id!).fetchSockets();
    server?.join(room);
  }
  return socket;
}

const variants: [sharded: boolean, shape: Shape][] = [
  [false, 'node-redis'],
  [true, 'node-redis'],
  [false, 'ioredis'],
  [true, 'ioredis'],
];
for (const [sharded, shape] of variants) {
  const title = `${sharded ? 'sharded adapter (SSUBSCRIBE / SPUBLISH)' : 'classic adapter (PSUBSCRIBE / PUBLISH)'} through ${shape === 'node-redis' ? 'toNodeRedis' : 'toIORedis'}`;
  describe(title, () => {
    let a: Node;
    let b: Node;
    const sockets: Socket[] = [];
    before(async () => {
      [a, b] = await Promise.all([startNode(sharded, shape), startNode(sharded, shape)]);
    });
    after(async () => {
      for (const s of sockets) s.disconnect();
      await Promise.all([stopNode(a), stopNode(b)]);
    });

    test('a broadcast from one server reaches the other server\'s clients once, and rooms filter it', async () => {
      const onA = await connectTo(a);
      const inRoom = await connectTo(a, 'room-1');
      const onB = await connectTo(b);
      sockets.push(onA, inRoom, onB);
      const got: Record<string, unknown[]> = { onA: [], inRoom: [], onB: [] };
      onA.on('news', (m: unknown) => got.onA.push(m));
      inRoom.on('news', (m: unknown) => got.inRoom.push(m));
      onB.on('news', (m: unknown) => got.onB.push(m));

      // The adapter's subscriptions are made asynchronously: wait until b's broadcast reaches a.
      b.io.emit('news', { n: 1, bytes: Buffer.from([0, 255, 1]) });
      await waitFor(() => got.onA.length === 1 && got.inRoom.length === 1 && got.onB.length === 1, { timeoutMs: 10_000, message: () => JSON.stringify(got) });
      assert.deepEqual((got.onA[0] as { n: number }).n, 1);
      assert.deepEqual([...new Uint8Array((got.onA[0] as { bytes: ArrayBuffer }).bytes)], [0, 255, 1], 'binary payloads cross intact (msgpack in Buffers)');

      b.io.to('room-1').emit('news', { n: 2 });
      await waitFor(() => got.inRoom.length === 2, { timeoutMs: 10_000, message: 'the room broadcast' });
      await staysTrue(() => got.onA.length === 1 && got.onB.length === 1, { forMs: 200 });
      assert.deepEqual(got.inRoom[1], { n: 2 });
    });

    test('fetchSockets() and serverSideEmit() reach the other server', async () => {
      const onA = await connectTo(a);
      sockets.push(onA);
      const ids = (await b.io.fetchSockets()).map((s) => s.id);
      assert.ok(ids.includes(onA.id!), 'b sees the socket connected to a');
      const heard: unknown[] = [];
      a.io.on('ping-all', (m: unknown) => heard.push(m));
      b.io.serverSideEmit('ping-all', 'from b');
      await waitFor(() => heard.length === 1, { timeoutMs: 10_000, message: 'serverSideEmit to reach a' });
      await staysTrue(() => heard.length === 1, { forMs: 100 });
      assert.deepEqual(heard, ['from b']);
    });
  });
}
