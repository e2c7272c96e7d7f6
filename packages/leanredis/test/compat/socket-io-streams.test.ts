/**
 * Two Socket.IO servers joined by @socket.io/redis-streams-adapter 0.3 (one Redis stream, read
 * with XREAD BLOCK by each server, plus pub/sub for requests), once through each adapter.
 * Through `toIORedis(client)` it takes its ioredis branch (no `sSubscribe`) and calls
 * `xadd`/`xread`/`xrange` with ioredis's positional arguments; through `toNodeRedis(client)` its
 * node-redis branch: `xAdd(key, '*', payload, { TRIM: { strategy, strategyModifier, threshold } })`,
 * `xRead([{ key, id }], { COUNT, BLOCK })`, `xRange`. Either way it duplicates the client for its
 * blocking reads (leanredis runs XREAD BLOCK on a leased connection). A broadcast from one server
 * reaches the other server's clients exactly once, rooms filter it, and the entries are in the
 * stream on the server.
 */
import { test, after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { useRedisServer, uniqueKey } from '../helpers/setup.ts';
import { staysTrue, waitFor } from '../helpers/wait.ts';
import { toIORedis } from '../../src/compat/ioredis.ts';
import { toNodeRedis } from '../../src/compat/node-redis.ts';
import type { Client } from '../../src/index.ts';

const redis = useRedisServer();

interface Node {
  io: Server;
  http: HttpServer;
  url: string;
  redis: { quit(): Promise<unknown> };
}

for (const [name, adapt] of [
  ['toIORedis', toIORedis],
  ['toNodeRedis', toNodeRedis],
] as const) {
  const streamName = uniqueKey('socket.io-stream');
  let client: Client;
  let a: Node;
  let b: Node;
  const sockets: Socket[] = [];

  async function startNode(): Promise<Node> {
    const adapted = adapt(client.duplicate());
    const http = createServer();
    const io = new Server(http, { adapter: createAdapter(adapted, { streamName, blockTimeInMs: 200 }) });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    return { io, http, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, redis: adapted };
  }

  // In a describe block: its hooks run once the file's redis-server is up.
  describe(`@socket.io/redis-streams-adapter through ${name}`, () => {
    before(async () => {
      client = redis.client({ protocol: 2 });
      [a, b] = await Promise.all([startNode(), startNode()]);
    });

    after(async () => {
      for (const s of sockets) s.disconnect();
      for (const node of [a, b]) {
        await new Promise((resolve) => node.io.close(resolve));
        await node.redis.quit();
      }
      await client.close();
    });

    async function connectTo(node: Node): Promise<Socket> {
      const socket = connect(node.url, { transports: ['websocket'], forceNew: true, reconnection: false });
      sockets.push(socket);
      await waitFor(() => socket.connected, { timeoutMs: 10_000, message: 'the socket.io client to connect' });
      return socket;
    }

    test("a broadcast from one server reaches the other server's clients once, through the stream", async () => {
      const onA = await connectTo(a);
      const onB = await connectTo(b);
      const got: Record<string, unknown[]> = { onA: [], onB: [] };
      onA.on('news', (m: unknown) => got.onA.push(m));
      onB.on('news', (m: unknown) => got.onB.push(m));
      b.io.emit('news', { n: 1 });
      await waitFor(() => got.onA.length === 1 && got.onB.length === 1, { timeoutMs: 10_000, message: () => JSON.stringify(got) });
      await staysTrue(() => got.onA.length === 1 && got.onB.length === 1, { forMs: 300 });
      assert.deepEqual(got.onA, [{ n: 1 }]);
      assert.ok((await client.xLen(streamName)) >= 1, 'the broadcast is an entry of the stream on the server');

      const [local] = await a.io.in(onA.id!).fetchSockets();
      local.join('room-1');
      b.io.to('room-1').emit('news', { n: 2 });
      await waitFor(() => got.onA.length === 2, { timeoutMs: 10_000, message: 'the room broadcast' });
      await staysTrue(() => got.onB.length === 1, { forMs: 200 });
      assert.ok((await b.io.fetchSockets()).some((s) => s.id === onA.id), 'fetchSockets() on b sees the socket on a (pub/sub requests, PUBSUB NUMSUB)');
    });
  });
}
