/**
 * leanredis/sentinel against a real topology (master + 2 replicas + 3 sentinels on loopback):
 * discovery, the client's command surface, following SENTINEL FAILOVER, laziness.
 */
import { test, before, after } from 'node:test';
import * as dc from 'node:diagnostics_channel';
import assert from 'node:assert/strict';
import { createSentinel, type SentinelClient } from '../../src/sentinel/index.ts';
import { hasCode } from '../../src/index.ts';
import { startSentinelTopology, type SentinelTopology } from '../helpers/redis-sentinel.ts';
import { freePort } from '../helpers/redis-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { startHostileServer } from '../helpers/hostile-server.ts';

let t: SentinelTopology;
const open: SentinelClient[] = [];

before(async () => {
  t = await startSentinelTopology();
});
after(async () => {
  for (const c of open) c.destroy();
  await t?.stop();
});

function sentinel(options: Partial<Parameters<typeof createSentinel>[0]> = {}): SentinelClient {
  const c = createSentinel({ sentinels: t.sentinelAddresses, masterName: t.masterName, ...options });
  open.push(c);
  return c;
}

test('discovers the master from the sentinels and runs commands, pipelines, transactions and leases on it', async () => {
  const c = sentinel();
  assert.equal(c.master, undefined, 'nothing is known before the first command');
  assert.equal(await c.set('s:k', 'v'), 'OK');
  assert.equal(await c.get('s:k'), 'v');
  const masterPort = await t.currentMaster();
  assert.deepEqual(c.master, { host: '127.0.0.1', port: masterPort });
  assert.deepEqual(await c.pipeline().incr('s:n').incr('s:n').exec(), [1, 2]);
  assert.deepEqual(await c.multi().set('s:m', '1').get('s:m').exec(), ['OK', '1']);
  {
    await using conn = await c.acquire();
    assert.equal(String(((await conn.call('ROLE')) as unknown[])[0]), 'master');
  }
  const stats = c.stats();
  assert.equal(stats.sentinel.master, `127.0.0.1:${masterPort}`);
  assert.equal(stats.sentinel.sentinels, 3, 'the sentinels it was given (and no more: they are the same)');
  assert.ok(stats.sentinel.discoveries >= 1);
  assert.equal(stats.sentinel.switches, 0);
});

test('diagnostics channels name the master in use (before the first discovery: sentinel:<masterName>)', async () => {
  const c = sentinel();
  const seen: string[] = [];
  const onEnd = (message: unknown): void => {
    const m = message as { client: object; address: string };
    if (m.client === c) seen.push(m.address);
  };
  dc.subscribe('leanredis:command:end', onEnd);
  try {
    await c.ping();
    await c.ping();
  } finally {
    dc.unsubscribe('leanredis:command:end', onEnd);
  }
  assert.deepEqual(seen, [`sentinel:${t.masterName}`, `127.0.0.1:${await t.currentMaster()}`]);
});

test('a dead sentinel first in the list is skipped: the next one answers', async () => {
  const dead = { host: '127.0.0.1', port: await freePort() };
  const c = sentinel({ sentinels: [dead, ...t.sentinelAddresses] });
  assert.equal(await c.ping(), 'PONG');
  assert.equal(c.master?.port, await t.currentMaster());
});

test('learns the other sentinels from the one it was given (SENTINEL SENTINELS)', async () => {
  // The client asks once, at discovery, and skips peers flagged down or disconnected; on a busy
  // machine the sentinel may flag one for a moment (failed once): first wait until it reports
  // both peers healthy.
  const admin = t.sentinelClient(0);
  await waitFor(
    async () => {
      const peers = (await admin.call('SENTINEL', 'SENTINELS', t.masterName)) as unknown[];
      return peers.length === 2 && !peers.some((p) => /s_down|o_down|disconnected/.test(JSON.stringify(p instanceof Map ? [...p] : p)));
    },
    { timeoutMs: 30_000, intervalMs: 100, message: 'the first sentinel to report two healthy peers' },
  );
  const c = sentinel({ sentinels: [t.sentinelAddresses[0]] });
  await c.ping();
  await waitFor(() => c.stats().sentinel.sentinels === 3, { message: 'three sentinels known' });
});

test('an unknown master name fails with ERR_SENTINEL_MASTER_UNKNOWN, unreachable sentinels with ERR_SENTINEL_UNREACHABLE', async () => {
  const unknown = sentinel({ masterName: 'nosuchmaster' });
  await assert.rejects(unknown.connect(), (err: unknown) => hasCode(err, 'ERR_SENTINEL_MASTER_UNKNOWN'));
  const unreachable = sentinel({ sentinels: [{ host: '127.0.0.1', port: await freePort() }], sentinelTimeoutMs: 300 });
  await assert.rejects(unreachable.connect(), (err: unknown) => hasCode(err, 'ERR_SENTINEL_UNREACHABLE'));
});

test('options are validated: unknown keys and address options are refused, naming the key', () => {
  const base = { sentinels: [{ host: '127.0.0.1', port: 26379 }], masterName: 'm' };
  const refused = (options: object, pattern: RegExp): void => {
    assert.throws(() => createSentinel(options as never), (err: unknown) => hasCode(err, 'ERR_INVALID_OPTION') && pattern.test((err as Error).message));
  };
  refused({ ...base, sentinelz: 1 }, /createSentinel: unknown option "sentinelz"/);
  refused({ ...base, host: 'x' }, /option "host" is not accepted/);
  refused({ ...base, sentinels: [] }, /option "sentinels"/);
  refused({ ...base, sentinels: ['nohostport'] }, /option "sentinels" \[0\]/);
  refused({ sentinels: base.sentinels }, /option "masterName"/);
  refused({ ...base, sentinelTimeoutMs: 0 }, /option "sentinelTimeoutMs"/);
  refused({ ...base, readFrom: 'slave' }, /option "readFrom"/);
  refused({ ...base, commandTimeoutMs: -1 }, /createSentinel: option "commandTimeoutMs"/);
});

test('a server the sentinels name that says it is a replica is refused before any command is written to it; the sentinels are asked again', async () => {
  const masterPort = await t.currentMaster();
  const replicaPort = t.ports.find((p) => p !== masterPort)!;
  let asks = 0;
  const bulk = (text: string): string => `$${Buffer.byteLength(text)}\r\n${text}\r\n`;
  // A scripted sentinel: it names a replica twice, then the master.
  await using fake = await startHostileServer((cmd, conn) => {
    if (cmd.name !== 'SENTINEL') return; // SUBSCRIBE +switch-master: left unanswered
    if (cmd.args[0].toUpperCase() !== 'GET-MASTER-ADDR-BY-NAME') {
      conn.write('*0\r\n');
      return;
    }
    asks++;
    conn.write(`*2\r\n${bulk('127.0.0.1')}${bulk(String(asks <= 2 ? replicaPort : masterPort))}`);
  });
  const c = sentinel({ sentinels: [{ host: '127.0.0.1', port: fake.port }], clientName: 'refuses-replicas', reconnectBaseDelayMs: 10, reconnectMaxDelayMs: 50 });
  assert.equal(await c.set('nr:k', 'v'), 'OK', 'the write waited for the master (a replica would have answered READONLY)');
  assert.equal(asks, 3);
  assert.equal(c.stats().sentinel.refusedReplicas, 2);
  assert.equal(c.master?.port, masterPort);
  const onReplica = String(await t.clientOf(replicaPort).call('CLIENT', 'LIST')).split('\n').filter((l) => l.includes(' name=refuses-replicas '));
  assert.deepEqual(onReplica, [], 'the refused connections were closed');
  c.destroy();
});

test("readFrom 'replica' sends read-only commands to a healthy replica and everything else to the master", async () => {
  const c = sentinel({ readFrom: 'replica', clientName: 'replica-reader' });
  const masterPort = await t.currentMaster();
  assert.equal(await c.set('r:k', 'v'), 'OK', 'a write goes to the master (a replica would answer READONLY)');
  await waitFor(async () => (await c.get('r:k')) === 'v', { timeoutMs: 10_000, message: 'the write to reach the replica read from' });
  const { sentinel: s, replicaReads } = c.stats();
  assert.equal(s.readFrom, 'replica');
  assert.equal(s.replicas, 2);
  assert.ok(s.replica !== undefined && s.replica !== `127.0.0.1:${masterPort}`, `reads from ${s.replica}, not the master ${masterPort}`);
  assert.ok(replicaReads !== undefined && replicaReads.totalConns >= 1, 'the replica client has its own connection');
  const replicaPort = Number(s.replica.split(':')[1]);
  assert.equal(String(((await t.clientOf(replicaPort).call('ROLE')) as unknown[])[0]), 'slave');
  const readers = String(await t.clientOf(replicaPort).call('CLIENT', 'LIST')).split('\n').filter((l) => l.includes(' name=replica-reader '));
  assert.equal(readers.length, 1, 'one connection of the client on that replica');
  // Pipelines, transactions and leases stay on the master.
  assert.deepEqual(await c.pipeline().get('r:k').exec(), ['v']);
  {
    await using conn = await c.acquire();
    assert.equal(String(((await conn.call('ROLE')) as unknown[])[0]), 'master');
  }
});

test("readFrom 'preferReplica' reads from the master until a replica is known, then from the replica", async () => {
  const c = sentinel({ readFrom: 'preferReplica' });
  assert.equal(await c.set('p:k', 'v'), 'OK');
  await c.get('p:k'); // no replica known yet: the master answers, and the replicas are asked for
  await waitFor(async () => (await c.get('p:k')) === 'v' && c.stats().sentinel.replica !== undefined, { timeoutMs: 10_000, message: 'reads to move to a replica' });
  assert.notEqual(c.stats().sentinel.replica, `127.0.0.1:${await t.currentMaster()}`);
  const plain = sentinel();
  await plain.ping();
  assert.equal(plain.stats().replicaReads, undefined, "readFrom 'master' (the default) makes no replica client");
});

test('follows SENTINEL FAILOVER: traffic moves to the new master, the old connections are closed', async () => {
  const c = sentinel({ clientName: 'failover-follower' });
  await c.set('s:before', '1');
  const oldPort = c.master!.port;
  const newPort = await t.failover();
  assert.notEqual(newPort, oldPort);
  // Commands issued after the switch reach the new master: the write lands there.
  await waitFor(async () => (await c.set('s:after', '2').then(() => c.master?.port === newPort, () => false)), { timeoutMs: 15_000, intervalMs: 20, message: 'a write acknowledged on the new master' });
  assert.equal(await t.clientOf(newPort).get('s:after'), '2');
  assert.equal(c.stats().sentinel.switches, 1);
  // No connection of this client is left on the old master.
  const list = String(await t.clientOf(oldPort).call('CLIENT', 'LIST'));
  const ours = list.split('\n').filter((line) => line.includes(' name=failover-follower '));
  assert.deepEqual(ours, [], `no client of ours left on the old master:\n${list}`);
});
