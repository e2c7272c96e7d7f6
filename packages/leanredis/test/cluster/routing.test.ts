/**
 * leanredis/cluster against a real 3-master / 3-replica cluster (test/helpers/redis-cluster.ts):
 * laziness, routing by slot, refusals before sending, MOVED and ASK during live resharding (under
 * load: no write lost or applied twice), replica reads, SCAN over every master, options.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCluster, keySlot, ClusterError, type ClusterClient } from '../../src/cluster.ts';
import { startRedisCluster, type RedisCluster } from '../helpers/redis-cluster.ts';
import { waitFor } from '../helpers/wait.ts';

let cluster: RedisCluster;
const clients: ClusterClient[] = [];

before(async () => {
  cluster = await startRedisCluster();
});

after(async () => {
  for (const c of clients) c.destroy();
  await cluster?.stop();
});

function connect(options: Partial<Parameters<typeof createCluster>[0]> = {}): ClusterClient {
  // A slot-map read gets 5 s, not the default 1 s: on a loaded 2-core machine (a second test
  // suite beside this one) the dial, handshake and CLUSTER SHARDS took over a second once.
  const client = createCluster({ rootNodes: [cluster.nodes[0].address], slotRefreshTimeoutMs: 5000, ...options });
  clients.push(client);
  return client;
}

/** A key whose slot is `slot`'s neighbourhood-free: a fresh tag per test so tests never share a slot. */
function tagged(tag: string, i: number | string): string {
  return `{${tag}}:${i}`;
}

test('a cluster client opens no socket and starts no timer until its first command', async () => {
  const before = process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'Timeout').length;
  const client = connect();
  await new Promise((r) => setImmediate(r));
  const after = process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'Timeout').length;
  assert.equal(after, before);
  assert.equal(client.stats().total.totalConns ?? 0, 0);
  assert.equal(client.stats().refreshes, 0);
});

test('commands go to the master serving their slot; one slot-map read serves them all', async () => {
  const client = connect();
  const keys = Array.from({ length: 300 }, (_, i) => `route:${i}`);
  await Promise.all(keys.map((k, i) => client.set(k, String(i))));
  assert.deepEqual(await Promise.all(keys.map((k) => client.get(k))), keys.map((_, i) => String(i)));
  // Each key is on the master that serves its slot (asked directly, not through the client).
  for (const k of keys.slice(0, 30)) {
    const owner = await cluster.masterOf(keySlot(k));
    assert.equal(await cluster.admin(owner, 'EXISTS', k), 1, `${k} on ${owner.address}`);
  }
  const stats = client.stats();
  assert.equal(stats.refreshes, 1, 'one slot-map read for 600 commands');
  assert.equal(stats.masters, 3);
  assert.equal(stats.slotsServed, 16384);
  assert.equal(stats.moved, 0);
  assert.equal(Object.values(stats.nodes).filter((n) => n.role === 'master').length, 3, 'a pool per master, none for the replicas');
  assert.equal(stats.total.sharedConns, 3);
  // Multi-key commands within one slot (hash tags).
  await client.mSet([[tagged('u1', 'a'), '1'], [tagged('u1', 'b'), '2']]);
  assert.deepEqual(await client.mGet([tagged('u1', 'a'), tagged('u1', 'b')]), ['1', '2']);
});

test('keys of different slots are refused before anything is sent, with ERR_CROSS_SLOT', async () => {
  const client = connect();
  await client.ping();
  const sent = client.stats().total.bytesOut;
  assert.throws(() => client.mGet(['a', 'b']), (err: unknown) => err instanceof ClusterError && err.code === 'ERR_CROSS_SLOT' && err.command === 'MGET' && !/\ba\b.*\bb\b/.test(err.message.split(':')[0]));
  assert.throws(() => client.del(['x:1', 'x:2']), { code: 'ERR_CROSS_SLOT' });
  assert.throws(() => client.rename('from', 'to'), { code: 'ERR_CROSS_SLOT' });
  assert.equal(client.stats().total.bytesOut, sent, 'nothing written');
});

test('a stale slot map is corrected by MOVED: the command is retried at the new master, and the map learns the move', async () => {
  const client = connect();
  const key = tagged('moved', 1);
  const slot = keySlot(key);
  await client.set(key, 'v1');
  const from = await cluster.masterOf(slot);
  const to = (await cluster.liveMasters()).find((m) => m.id !== from.id)!;
  await cluster.moveSlot(slot, to);
  assert.equal(await client.get(key), 'v1', 'answered by the new master after MOVED');
  assert.equal(client.stats().moved, 1);
  for (let i = 0; i < 10; i++) await client.get(key);
  assert.equal(client.stats().moved, 1, 'later commands go straight to the new master');
  await cluster.moveSlot(slot, from); // leave the cluster as it was
});

test('ASK during a migration: ASKING + the command at the importing node, without changing the map', async () => {
  const client = connect();
  const keys = Array.from({ length: 20 }, (_, i) => tagged('ask', i));
  const slot = keySlot(keys[0]);
  await Promise.all(keys.map((k) => client.set(k, k)));
  const from = await cluster.masterOf(slot);
  const to = (await cluster.liveMasters()).find((m) => m.id !== from.id)!;
  let seen: (string | null)[] = [];
  await cluster.moveSlot(slot, to, {
    batch: 5,
    beforeFinish: async () => {
      // Five keys are on `to` now, fifteen still on `from`: both kinds must be readable and writable.
      seen = await Promise.all(keys.map((k) => client.get(k)));
      await Promise.all(keys.map((k) => client.append(k, '!')));
    },
  });
  assert.deepEqual(seen, keys);
  assert.ok(client.stats().asked >= 5, `asked ${client.stats().asked}`);
  assert.deepEqual(await Promise.all(keys.map((k) => client.get(k))), keys.map((k) => `${k}!`), 'every append applied exactly once');
  await cluster.moveSlot(slot, from);
});

test('resharding under load: every INCR succeeds exactly once while slots move back and forth', async () => {
  const client = connect();
  const keys = Array.from({ length: 40 }, (_, i) => tagged('reshard', i));
  const other = Array.from({ length: 40 }, (_, i) => `load:${i}`);
  const slot = keySlot(keys[0]);
  const done = new Map<string, number>();
  const failures: unknown[] = [];
  let running = true;
  const worker = async (): Promise<void> => {
    let i = 0;
    while (running) {
      const pool = i++ % 2 === 0 ? keys : other;
      const key = pool[Math.floor(Math.random() * pool.length)];
      try {
        await client.incr(key);
        done.set(key, (done.get(key) ?? 0) + 1);
      } catch (err) {
        failures.push(err);
      }
    }
  };
  const workers = Array.from({ length: 16 }, worker);
  const home = await cluster.masterOf(slot);
  const masters = await cluster.liveMasters();
  for (const target of [...masters.filter((m) => m.id !== home.id), home]) await cluster.moveSlot(slot, target, { batch: 3 });
  running = false;
  await Promise.all(workers);
  assert.deepEqual(failures, []);
  const total = [...done.values()].reduce((a, b) => a + b, 0);
  assert.ok(total > 200, `${total} INCRs ran`);
  for (const key of [...keys, ...other]) assert.equal(Number((await client.get(key)) ?? 0), done.get(key) ?? 0, `${key}: no INCR lost or applied twice`);
  const stats = client.stats();
  assert.ok(stats.moved + stats.asked > 0, 'the load met the migrations');
});

test("readFrom: 'replica' sends read-only commands to replicas, writes to masters", async () => {
  const client = connect({ readFrom: 'replica' });
  const key = tagged('replica', 1);
  await client.set(key, 'r');
  const owner = await cluster.masterOf(keySlot(key));
  await cluster.admin(owner, 'WAIT', 1, 5000);
  // The map read for the SET may predate the replica's first sync (a replica whose health is not
  // 'online' gets no reads): refresh until reads reach one (failed once at load 15).
  await waitFor(
    async () => {
      await client.refresh();
      await client.get(key);
      return Object.values(client.stats().nodes).some((n) => n.role === 'replica');
    },
    { timeoutMs: 30_000, intervalMs: 50, message: 'a replica in the slot map' },
  );
  const replicas = cluster.nodes.slice(3);
  const readsBefore = await getCalls(replicas);
  for (let i = 0; i < 20; i++) assert.equal(await client.get(key), 'r');
  const stats = client.stats();
  assert.ok(Object.values(stats.nodes).some((n) => n.role === 'replica'), 'a replica pool exists');
  assert.equal((await getCalls(replicas)) - readsBefore, 20, 'the replicas answered the 20 GETs');
  assert.equal(stats.moved, 0, 'replicas served the reads (READONLY), no redirection');
});

/** GET calls served by these nodes (INFO commandstats). */
async function getCalls(nodes: RedisCluster['nodes']): Promise<number> {
  let sum = 0;
  for (const node of nodes) {
    const info = String(await cluster.admin(node, 'INFO', 'commandstats'));
    sum += Number(/cmdstat_get:calls=(\d+)/.exec(info)?.[1] ?? 0);
  }
  return sum;
}

test('scanIterator walks every master once: each key exactly once', async () => {
  const client = connect();
  const keys = Array.from({ length: 150 }, (_, i) => `scan:${i}`);
  await Promise.all(keys.map((k) => client.set(k, '1')));
  const found: string[] = [];
  for await (const k of client.scanIterator({ match: 'scan:*', count: 50 })) found.push(k);
  assert.deepEqual(found.sort(), keys.sort());
  assert.throws(() => client.scanIterator({ bogus: 1 } as never), { code: 'ERR_INVALID_OPTION' });
});

test('options are validated at construction, naming the option', () => {
  assert.throws(() => createCluster({ rootNodes: [] }), /createCluster: option "rootNodes"/);
  assert.throws(() => createCluster({ rootNodes: ['127.0.0.1:7000'], host: 'x' } as never), /option "host" names one server/);
  assert.throws(() => createCluster({ rootNodes: ['127.0.0.1:7000'], readFrom: 'slave' } as never), /option "readFrom"/);
  assert.throws(() => createCluster({ rootNodes: ['127.0.0.1:7000'], bogus: 1 } as never), /createCluster: unknown option "bogus"/);
  assert.throws(() => createCluster({ rootNodes: ['127.0.0.1:7000'], maxRedirections: -1 }), /option "maxRedirections"/);
  assert.throws(() => createCluster({ rootNodes: [{ host: 'h', port: 0 }] }), /rootNodes\[0\]\.port/);
  assert.throws(() => createCluster({ rootNodes: ['redis://u:secret@h:1'] }), (err: Error) => !err.message.includes('secret'));
});

test('no reachable root: the command fails with ERR_CLUSTER_TOPOLOGY, naming the roots', async () => {
  const client = createCluster({ rootNodes: ['127.0.0.1:1'], connectTimeoutMs: 500 });
  await assert.rejects(client.get('k'), (err: Error & { code?: string }) => err.code === 'ERR_CLUSTER_TOPOLOGY' && err.message.includes('127.0.0.1:1'));
  await client.close();
});

test('a pipeline is split per node and its results come back in the order queued; redirected commands are retried alone', async () => {
  const client = connect();
  const keys = Array.from({ length: 60 }, (_, i) => `pipe:${i}`);
  const p = client.pipeline<unknown[]>();
  for (const k of keys) p.set(k, k);
  for (const k of keys) p.get(k);
  p.incr(tagged('pipe', 'n')).incr(tagged('pipe', 'n')).ping();
  const results = await p.exec();
  assert.deepEqual(results.slice(0, 60), keys.map(() => 'OK'));
  assert.deepEqual(results.slice(60, 120), keys);
  assert.deepEqual(results.slice(120), [1, 2, 'PONG']);
  const nodesUsed = Object.values(client.stats().nodes).filter((n) => n.bytesOut > 0).length;
  assert.equal(nodesUsed, 3, 'every master took its share');
  // Error replies stay values in execSettled, in place.
  const settled = await client.pipeline().get(tagged('pipe', 'n')).lPush(tagged('pipe', 'n'), 'x').get(keys[0]).execSettled();
  assert.equal(settled[0], '2');
  assert.equal((settled[1] as { code: string }).code, 'WRONGTYPE');
  assert.equal(settled[2], keys[0]);
  assert.throws(() => client.pipeline().mGet(['a', 'b']), { code: 'ERR_CROSS_SLOT' });
  // A slot moved behind the pipeline's back: its commands get MOVED, are sent again, and keep their place.
  const moving = tagged('pipemove', 1);
  await client.set(moving, 'here');
  const slot = keySlot(moving);
  const from = await cluster.masterOf(slot);
  const to = (await cluster.liveMasters()).find((m) => m.id !== from.id)!;
  await cluster.moveSlot(slot, to);
  const movedBefore = client.stats().moved;
  assert.deepEqual(await client.pipeline().get(keys[1]).get(moving).get(keys[2]).exec(), [keys[1], 'here', keys[2]]);
  assert.equal(client.stats().moved, movedBefore + 1);
  await cluster.moveSlot(slot, from);
});

test('MULTI needs one slot and runs on its master; WATCH and acquire() lease a connection of that master', async () => {
  const client = connect();
  const a = tagged('tx', 'a');
  const b = tagged('tx', 'b');
  assert.deepEqual(await client.multi().set(a, '1').incr(a).set(b, 'x').get(b).exec(), ['OK', 2, 'OK', 'x']);
  assert.throws(() => client.multi().set('tx:a', '1').set('tx:b', '2'), { code: 'ERR_CROSS_SLOT' });
  const result = await client.watch([a, b], async (tx) => {
    const n = Number(await tx.get(a));
    return tx.multi().set(a, String(n + 10));
  });
  assert.deepEqual(result, ['OK']);
  assert.equal(await client.get(a), '12');
  assert.throws(() => client.watch(['w:1', 'w:2'], () => undefined), { code: 'ERR_CROSS_SLOT' });
  {
    await using lease = await client.acquire({ key: a });
    assert.equal(await lease.get(a), '12');
    assert.equal(await lease.get(b), 'x');
  }
  assert.throws(() => client.acquire({} as never), { code: 'ERR_INVALID_OPTION' });
});

test('sharded pub/sub: sSubscribe on the slot master, and the subscription follows its slot to a new master', async () => {
  const client = connect();
  const publisher = connect();
  const channel = tagged('news', 'ch');
  const got: string[] = [];
  const sub = await client.sSubscribe(channel, (message) => void got.push(message));
  await publisher.sPublish(channel, 'one');
  await waitFor(() => got.includes('one'), { message: 'first message' });
  const slot = keySlot(channel);
  const from = await cluster.masterOf(slot);
  const to = (await cluster.liveMasters()).find((m) => m.id !== from.id)!;
  await cluster.moveSlot(slot, to);
  await client.refresh(); // (the periodic refresh would find it within slotRefreshIntervalMs)
  await waitFor(
    async () => {
      await publisher.sPublish(channel, 'two');
      return got.includes('two');
    },
    { timeoutMs: 10_000, intervalMs: 50, message: 'a message published after the move' },
  );
  await sub.unsubscribe();
  assert.throws(() => client.sSubscribe(['a', 'b'], () => {}), { code: 'ERR_CROSS_SLOT' });
  // Classic pub/sub: messages reach every node, so one master is enough.
  const classic: string[] = [];
  const csub = await client.subscribe('classic', (m) => void classic.push(m));
  await publisher.publish('classic', 'hello');
  await waitFor(() => classic.includes('hello'), { message: 'classic message' });
  await csub.unsubscribe();
  await cluster.moveSlot(slot, from);
});

test('maxConnectionsTotal caps the sockets over every node: each pool gets its share', async () => {
  const client = connect({ maxConnections: 10, maxConnectionsTotal: 6 });
  await Promise.all(Array.from({ length: 50 }, (_, i) => client.set(`cap:${i}`, '1')));
  const nodes = Object.values(client.stats().nodes);
  assert.equal(nodes.length, 3);
  for (const n of nodes) assert.equal(n.maxConnections, 2, '6 sockets over 3 nodes');
  assert.ok(client.stats().total.totalConns <= 6);
});
