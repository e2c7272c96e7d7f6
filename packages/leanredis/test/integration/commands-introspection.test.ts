/**
 * MEMORY, LATENCY and COMMAND introspection, and the server administration commands that are
 * safe to run on a test server (ROLE, BGSAVE, LOLWUT, CLIENT TRACKINGINFO/GETREDIR/UNBLOCK,
 * MODULE LIST, WAIT), read from real replies under RESP2 and RESP3: the typed results are the
 * same objects under both.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useRedisServer, forEachProtocol, uniqueKey } from '../helpers/setup.ts';
import { waitFor } from '../helpers/wait.ts';
import { ArgumentError } from '../../src/index.ts';

const redis = useRedisServer();

/** Records are prototype-free (a hostile key is just a key): compare their contents. */
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

const isOption = (method: string) => (err: unknown) => err instanceof ArgumentError && err.code === 'ERR_INVALID_OPTION' && err.message.startsWith(`${method}:`);

forEachProtocol((protocol) => {
  test('memoryStats gives numbers by field and database overheads apart', async () => {
    await using client = redis.client({ protocol });
    await client.set(uniqueKey('mem'), 'v');
    const stats = await client.memoryStats();
    assert.equal(typeof stats.fields['peak.allocated'], 'number');
    assert.equal(typeof stats.fields.fragmentation, 'number');
    assert.ok(Number.isFinite(stats.fields['dataset.percentage']));
    assert.equal(typeof stats.databases['0']['overhead.hashtable.main'], 'number');
    assert.equal(stats.fields['db.0'], undefined);
    assert.equal(typeof (await client.memoryDoctor()), 'string');
    assert.match(await client.memoryMallocStats(), /\S/);
    assert.equal(await client.memoryPurge(), 'OK');
  });

  test('latency: histograms by command, latest events and history', async () => {
    await using client = redis.client({ protocol });
    await client.set(uniqueKey('lat'), 'v');
    const histograms = await client.latencyHistogram(['set', 'get']);
    assert.ok(histograms.set.calls >= 1);
    assert.ok(histograms.set.buckets.length >= 1);
    const [bound, calls] = histograms.set.buckets[0];
    assert.ok(bound >= 1 && calls >= 1);
    assert.ok(Array.isArray(await client.latencyLatest()));
    assert.ok(Array.isArray(await client.latencyHistory('command')));
    assert.equal(typeof (await client.latencyReset()), 'number');
    assert.equal(typeof (await client.latencyDoctor()), 'string');
  });

  test('latency events are recorded and read back once the monitor is on', async () => {
    await using client = redis.client({ protocol });
    await client.configSet({ 'latency-monitor-threshold': 1 });
    try {
      // A Lua busy loop of a few ms is a "command" latency event (DEBUG SLEEP would do too).
      await client.eval('local t = redis.call("TIME") local s = t[1]*1e6+t[2] repeat t = redis.call("TIME") until t[1]*1e6+t[2] - s > 5000 return 1');
      const latest = await waitFor(async () => (await client.latencyLatest()).find((e) => e.event === 'command'));
      assert.ok(latest.latestMs >= 1 && latest.maxMs >= latest.latestMs && latest.timestampSeconds > 1e9);
      const [sample] = await client.latencyHistory('command');
      assert.ok(sample.latencyMs >= 1 && sample.timestampSeconds > 1e9);
      assert.match(await client.latencyGraph('command'), /command/);
    } finally {
      await client.configSet({ 'latency-monitor-threshold': 0 });
      await client.latencyReset();
    }
  });

  test('commandInfo, commandDocs, commandList and getKeys describe the server table', async () => {
    await using client = redis.client({ protocol });
    const [get, xread, unknown] = await client.commandInfo(['get', 'xread', 'no-such-command']);
    assert.equal(unknown, null);
    assert.deepEqual([get?.name, get?.arity, get?.flags, get?.firstKey], ['get', 2, ['readonly', 'fast'], 1]);
    assert.deepEqual(plain(get?.keySpecs[0]), { flags: ['RO', 'access'], beginSearch: { type: 'index', spec: { index: 1 } }, findKeys: { type: 'range', spec: { lastkey: 0, keystep: 1, limit: 0 } } });
    assert.deepEqual(plain(xread?.keySpecs[0].beginSearch), { type: 'keyword', spec: { keyword: 'STREAMS', startfrom: 1 } });
    const [client_] = await client.commandInfo('client');
    assert.ok(client_!.subcommands.some((s) => s.name === 'client|kill'));
    const docs = await client.commandDocs(['get', 'client']);
    assert.equal(docs.get.since, '1.0.0');
    assert.equal(docs.get.group, 'string');
    const argument = (docs.get.arguments as Record<string, unknown>[])[0];
    assert.equal(argument.name, 'key');
    assert.equal((docs.client.subcommands as Record<string, Record<string, unknown>>)['client|kill'].since, '2.4.0');
    assert.deepEqual((await client.commandList({ pattern: 'xa*' })).sort(), ['xack', 'xadd', 'xautoclaim']);
    assert.ok((await client.commandList({ aclCategory: 'hyperloglog' })).some((name) => name === 'pfadd'));
    assert.throws(() => client.commandList({ pattern: 'x*', module: 'm' }), isOption('commandList'));
    assert.throws(() => client.commandList({ filterBy: 'x' } as never), isOption('commandList'));
    assert.deepEqual(await client.commandGetKeys(['MSET', 'a', '1', 'b', '2']), ['a', 'b']);
    assert.deepEqual(await client.commandGetKeysAndFlags(['LMOVE', 'a', 'b', 'LEFT', 'RIGHT']), [
      { key: 'a', flags: ['RW', 'access', 'delete'] },
      { key: 'b', flags: ['RW', 'insert'] },
    ]);
  });

  test('role, lolwut, bgSave and module list', async () => {
    await using client = redis.client({ protocol });
    const role = await client.role();
    assert.equal(role.role, 'master');
    if (role.role === 'master') assert.deepEqual([typeof role.replicationOffset, role.replicas], ['number', []]);
    assert.match(await client.lolwut({ version: 5 }), /Redis ver\./);
    assert.throws(() => client.lolwut({ version: 0 }), isOption('lolwut'));
    assert.deepEqual(await client.moduleList(), []);
    assert.match(await client.bgSave({ schedule: true }), /^Background saving (started|scheduled)$/);
    await waitFor(async () => (await client.info('persistence')).persistence.rdb_bgsave_in_progress === '0');
  });

  test('client tracking info and redirect of a connection that does not track', async () => {
    await using client = redis.client({ protocol });
    assert.deepEqual(await client.clientTrackingInfo(), { flags: ['off'], redirect: -1, prefixes: [] });
    assert.equal(await client.clientGetRedir(), -1);
  });

  test('clientUnblock ends another connection\'s BLPOP as a timeout; wait counts replicas', async () => {
    await using client = redis.client({ protocol });
    await using lease = await client.acquire();
    const id = await lease.clientId();
    const blocked = lease.blPop(uniqueKey('never'), 0);
    await waitFor(async () => (await client.clientList()).some((c) => c.id === String(id) && c.cmd === 'blpop'));
    assert.equal(await client.clientUnblock(id, 'TIMEOUT'), true);
    assert.equal(await blocked, null);
    assert.equal(await client.clientUnblock(id), false);
    assert.equal(await client.wait(0, 10), 0);
  });

  test('failover options: abort is exclusive, force needs a timeout', async () => {
    await using client = redis.client({ protocol });
    assert.throws(() => client.failover({ abort: true, timeoutMs: 10 }), isOption('failover'));
    assert.throws(() => client.failover({ to: { host: 'h', port: 1, force: true } }), (err: unknown) => err instanceof ArgumentError && /timeoutMs/.test(err.message));
    assert.throws(() => client.failover({ to: { host: 'h' } } as never), isOption('failover'));
  });
});
