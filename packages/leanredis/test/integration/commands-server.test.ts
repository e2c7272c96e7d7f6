import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useRedisServer, forEachProtocol, uniqueKey } from '../helpers/setup.ts';
import { staysTrue } from '../helpers/wait.ts';
import { ArgumentError, ReplyError } from '../../src/index.ts';

const redis = useRedisServer();

function isArgumentError(method: string, code: 'ERR_INVALID_ARGUMENT' | 'ERR_INVALID_OPTION' = 'ERR_INVALID_ARGUMENT'): (err: unknown) => boolean {
  return (err: unknown) => err instanceof ArgumentError && err.code === code && err.message.startsWith(`${method}:`);
}

function isReplyError(code: string, command: string): (err: unknown) => boolean {
  return (err: unknown) => err instanceof ReplyError && err.code === code && err.command === command;
}

forEachProtocol((protocol) => {
  test('ping and echo answer', async () => {
    await using client = redis.client({ protocol });
    assert.equal(await client.ping(), 'PONG');
    assert.equal(await client.ping('hello'), 'hello');
    assert.equal(await client.echo('a b\r\nc'), 'a b\r\nc');
    assert.equal(await client.echo(42), '42');
  });

  test('info parses sections into records of string values', async () => {
    await using client = redis.client({ protocol });
    const all = await client.info();
    assert.match(all.server.redis_version, /^\d+\.\d+\.\d+/);
    assert.equal(all.server.tcp_port, String(redis.port));
    assert.ok('clients' in all && 'memory' in all && 'stats' in all);
    assert.equal(Object.getPrototypeOf(all), null, 'a hostile field name is just a key');
    const two = await client.info(['server', 'clients']);
    assert.deepEqual(Object.keys(two), ['server', 'clients']);
    assert.match(two.clients.connected_clients, /^\d+$/);
    const k = uniqueKey();
    await client.set(k, 'v');
    assert.match((await client.info('keyspace')).keyspace.db0, /^keys=\d+,expires=\d+/);
    await client.ping();
    assert.match((await client.info('commandstats')).commandstats.cmdstat_ping, /^calls=\d+,usec=/);
  });

  test('dbSize counts keys and flushDb empties only the client database', async () => {
    await using db5 = redis.client({ protocol, database: 5 });
    await using db6 = redis.client({ protocol, database: 6 });
    await db5.flushDb();
    assert.equal(await db5.dbSize(), 0);
    await db5.mSet({ a: 1, b: 2, c: 3 });
    await db6.set('kept', 1);
    assert.equal(await db5.dbSize(), 3);
    assert.equal(await db5.flushDb('SYNC'), 'OK');
    assert.equal(await db5.dbSize(), 0);
    assert.equal(await db6.get('kept'), '1');
    await db5.set('x', 1);
    assert.equal(await db5.flushDb('ASYNC'), 'OK');
    assert.equal(await db5.dbSize(), 0);
  });

  test('flushAll empties every database', async () => {
    await using db7 = redis.client({ protocol, database: 7 });
    await using db8 = redis.client({ protocol, database: 8 });
    await db7.set('a', 1);
    await db8.set('b', 1);
    assert.equal(await db7.flushAll('SYNC'), 'OK');
    assert.deepEqual([await db7.dbSize(), await db8.dbSize()], [0, 0]);
    await db8.set('b', 1);
    assert.equal(await db7.flushAll(), 'OK');
    assert.equal(await db8.dbSize(), 0);
  });

  test('time and lastSave report the server clock in Unix seconds', async () => {
    await using client = redis.client({ protocol });
    const { seconds, microseconds } = await client.time();
    assert.ok(Number.isInteger(seconds) && Math.abs(seconds - Date.now() / 1000) < 5, `seconds ${seconds}`);
    assert.ok(Number.isInteger(microseconds) && microseconds >= 0 && microseconds < 1_000_000, `microseconds ${microseconds}`);
    const last = await client.lastSave();
    assert.ok(Number.isInteger(last) && last <= seconds && last > seconds - 3600, `lastSave ${last}`);
  });

  test('swapDb exchanges two databases', async () => {
    await using db1 = redis.client({ protocol, database: 1 });
    await using db2 = redis.client({ protocol, database: 2 });
    const k = uniqueKey();
    await db1.set(k, 'from-1');
    assert.equal(await db1.swapDb(1, 2), 'OK');
    assert.equal(await db2.get(k), 'from-1');
    assert.equal(await db1.get(k), null);
    assert.equal(await db2.swapDb(2, 1), 'OK');
    assert.equal(await db1.get(k), 'from-1');
    await assert.rejects(db1.swapDb(0, 10_000), isReplyError('ERR', 'SWAPDB'));
  });

  test('commandCount and memoryUsage', async () => {
    await using client = redis.client({ protocol });
    assert.ok((await client.commandCount()) > 200);
    const k = uniqueKey();
    await client.set(k, 'x'.repeat(1000));
    const bytes = await client.memoryUsage(k);
    assert.ok(bytes !== null && bytes > 1000 && bytes < 2000, `bytes ${bytes}`);
    const h = uniqueKey();
    await client.call('HSET', h, ...Array.from({ length: 200 }, (_, i) => [`f${i}`, 'v'.repeat(i)]).flat());
    assert.ok(((await client.memoryUsage(h, { samples: 0 })) ?? 0) > 0);
    assert.equal(await client.memoryUsage(uniqueKey()), null);
  });

  test('clientId, clientGetName and clientInfo describe the connection', async () => {
    await using client = redis.client({ protocol });
    const id = await client.clientId();
    assert.ok(Number.isInteger(id) && id > 0);
    assert.equal(await client.clientGetName(), null);
    const info = await client.clientInfo();
    assert.equal(info.id, String(id));
    assert.equal(info.resp, String(protocol));
    assert.equal(info.db, '0');
    assert.equal(info.name, '');
    assert.equal(info.cmd, 'client|info');
    assert.match(info.addr, /^127\.0\.0\.1:\d+$/);
    await using named = redis.client({ protocol, clientName: 'leanredis-test', database: 3 });
    assert.equal(await named.clientGetName(), 'leanredis-test');
    const namedInfo = await named.clientInfo();
    assert.equal(namedInfo.name, 'leanredis-test');
    assert.equal(namedInfo.db, '3');
  });

  test('clientList lists connected clients, filtered by type or ids', async () => {
    await using client = redis.client({ protocol });
    await using other = redis.client({ protocol, clientName: 'other-client' });
    const [id, otherId] = await Promise.all([client.clientId(), other.clientId()]);
    const list = await client.clientList();
    assert.ok(list.length >= 2);
    assert.ok(list.some((c) => c.id === String(id)));
    assert.equal(list.find((c) => c.id === String(otherId))?.name, 'other-client');
    assert.ok((await client.clientList({ type: 'normal' })).some((c) => c.id === String(otherId)));
    assert.deepEqual(await client.clientList({ type: 'pubsub' }), []);
    const byId = await client.clientList({ ids: [otherId, 999_999] });
    assert.deepEqual(byId.map((c) => c.id), [String(otherId)]);
  });

  test('clientKill closes the matching clients and the victim reconnects on its next command', async () => {
    await using killer = redis.client({ protocol });
    await using victim = redis.client({ protocol });
    const victimId = await victim.clientId();
    assert.equal(await killer.clientKill({ id: victimId }), 1);
    assert.equal(await killer.clientKill({ id: victimId }), 0);
    assert.equal(await killer.clientKill({ type: 'pubsub' }), 0);
    assert.equal(await killer.clientKill({ addr: '10.255.255.1:1' }), 0);
    assert.equal(await killer.clientKill({ type: 'normal', laddr: '10.255.255.1:1', skipMe: false }), 0);
    await assert.rejects(killer.clientKill({ user: 'no-such-user' }), isReplyError('ERR', 'CLIENT KILL'));
    // The killer was spared (SKIPME yes is the default).
    assert.equal(await killer.ping(), 'PONG');
    assert.equal(await victim.ping(), 'PONG');
    assert.notEqual(await victim.clientId(), victimId);
  });

  test('clientPause WRITE holds writes but not reads until clientUnpause', async () => {
    await using admin = redis.client({ protocol });
    await using writer = redis.client({ protocol });
    await using reader = redis.client({ protocol });
    const k = uniqueKey();
    await Promise.all([writer.ping(), reader.ping()]);
    assert.equal(await admin.clientPause(10_000, 'WRITE'), 'OK');
    let written = false;
    const write = writer.set(k, 'v').then((r) => ((written = true), r));
    assert.equal(await reader.get(k), null);
    await staysTrue(() => !written, { forMs: 50, message: 'the write waits for the pause' });
    assert.equal(await admin.clientUnpause(), 'OK');
    assert.equal(await write, 'OK');
    assert.equal(await reader.get(k), 'v');
  });

  test('clientPause ALL holds every command for the given milliseconds', async () => {
    await using admin = redis.client({ protocol });
    await using other = redis.client({ protocol });
    await other.ping();
    assert.equal(await admin.clientPause(150), 'OK');
    const started = performance.now();
    assert.equal(await other.ping(), 'PONG');
    assert.ok(performance.now() - started >= 100, 'the ping waited for the pause to end');
  });

  test('clientNoEvict toggles the flag of the leased connection that runs it, and is refused on the client', async () => {
    await using client = redis.client({ protocol });
    {
      await using conn = await client.acquire();
      assert.equal(await conn.clientNoEvict(true), 'OK');
      assert.match((await conn.clientInfo()).flags, /e/);
      assert.equal(await conn.clientNoEvict(false), 'OK');
      assert.doesNotMatch((await conn.clientInfo()).flags, /e/);
    }
    // On the client it would change one of the shared connections: refused, naming the remedy.
    assert.throws(() => (client as unknown as { clientNoEvict(on: boolean): unknown }).clientNoEvict(true), (err: unknown) => err instanceof ArgumentError && err.command === 'CLIENT NO-EVICT' && /lease/.test(err.message));
    assert.throws(() => client.call('CLIENT', 'NO-EVICT', 'ON'), (err: unknown) => err instanceof ArgumentError && /lease/.test(err.message));
  });

  test('configGet reads parameters as a record and configSet writes several at once', async () => {
    await using client = redis.client({ protocol });
    assert.deepEqual({ ...(await client.configGet('maxmemory-policy')) }, { 'maxmemory-policy': 'noeviction' });
    const many = await client.configGet(['maxmemory*', 'hz']);
    assert.equal(many.hz, '10');
    assert.equal(many.maxmemory, '0');
    assert.ok('maxmemory-samples' in many);
    assert.deepEqual({ ...(await client.configGet('no-such-parameter')) }, {});
    assert.equal(await client.configSet({ hz: 20, 'slowlog-max-len': '64' }), 'OK');
    assert.deepEqual({ ...(await client.configGet(['hz', 'slowlog-max-len'])) }, { hz: '20', 'slowlog-max-len': '64' });
    assert.equal(await client.configSet({ hz: 10, 'slowlog-max-len': 128 }), 'OK');
    await assert.rejects(client.configSet({ 'no-such-parameter': 1 }), isReplyError('ERR', 'CONFIG SET'));
    await assert.rejects(client.configSet({ hz: 'fast' }), isReplyError('ERR', 'CONFIG SET'));
  });

  test('configResetStat zeroes the statistics', async () => {
    await using client = redis.client({ protocol });
    await client.ping();
    assert.equal(await client.configResetStat(), 'OK');
    const stats = await client.info(['stats', 'commandstats']);
    assert.ok(Number(stats.stats.total_commands_processed) <= 2, stats.stats.total_commands_processed);
    assert.equal(stats.commandstats.cmdstat_ping, undefined);
  });

  test('slowLogGet returns typed entries; slowLogLen and slowLogReset', async () => {
    await using client = redis.client({ protocol, clientName: 'slow-one' });
    await client.configSet({ 'slowlog-log-slower-than': 0 });
    try {
      assert.equal(await client.slowLogReset(), 'OK');
      const marker = uniqueKey('slow');
      await client.echo(marker);
      assert.ok((await client.slowLogLen()) >= 1);
      const entries = await client.slowLogGet(10);
      const entry = entries.find((e) => e.arguments[0] === 'ECHO');
      assert.ok(entry !== undefined, 'the ECHO was logged');
      assert.deepEqual(entry.arguments, ['ECHO', marker]);
      assert.ok(Number.isInteger(entry.id) && entry.id >= 0);
      assert.ok(Math.abs(entry.timestampSeconds - Date.now() / 1000) < 5);
      assert.ok(Number.isInteger(entry.durationMicroseconds) && entry.durationMicroseconds >= 0);
      assert.match(entry.clientAddress, /^127\.0\.0\.1:\d+$/);
      assert.equal(entry.clientName, 'slow-one');
      assert.ok((await client.slowLogGet(-1)).length >= entries.length);
      assert.equal((await client.slowLogGet(1)).length, 1);
      assert.deepEqual(await client.slowLogGet(0), []);
    } finally {
      await client.configSet({ 'slowlog-log-slower-than': 10_000 });
      await client.slowLogReset();
    }
  });

  test('server commands in a pipeline and a transaction resolve a typed tuple', async () => {
    await using client = redis.client({ protocol, database: 4 });
    await client.flushDb();
    const results = await client.pipeline().ping().echo('e').dbSize().time().configGet('hz').clientGetName().info('server').exec();
    const typed: [string, string, number, { seconds: number; microseconds: number }, Record<string, string>, string | null, Record<string, Record<string, string>>] = results;
    assert.deepEqual(typed.slice(0, 3), ['PONG', 'e', 0]);
    assert.ok(typed[3].seconds > 0);
    assert.equal(typed[4].hz, '10');
    assert.equal(typed[5], null);
    assert.equal(typed[6].server.tcp_port, String(redis.port));
    const tx = await client.multi().dbSize().flushDb().clientInfo().exec();
    assert.ok(tx !== null);
    assert.equal(tx[0], 0);
    assert.equal(tx[1], 'OK');
    assert.equal(tx[2].db, '4');
  });

  test('on a client that returns Buffers, echo returns a Buffer and server text is still parsed', async () => {
    await using client = redis.client({ protocol, returnBuffers: true });
    const binary = Buffer.from([0, 0xff, 0x80, 0x0a]);
    assert.deepEqual(await client.echo(binary), binary);
    assert.deepEqual(await client.ping(Buffer.from('hi')), 'hi');
    assert.equal(await client.dbSize(), await client.dbSize());
    assert.ok((await client.time()).seconds > 0);
    // INFO, CLIENT INFO and CONFIG GET are server text: parsed to strings whatever returnBuffers says.
    const info: unknown = await client.info('server');
    assert.equal(typeof (info as Record<string, Record<string, unknown>>).server.redis_version, 'string');
    const clientInfo: unknown = await client.clientInfo();
    assert.equal((clientInfo as Record<string, unknown>).resp, String(protocol));
    const config: unknown = await client.configGet('hz');
    assert.deepEqual({ ...(config as object) }, { hz: '10' });
  });

  test('server commands reject bad arguments synchronously with ArgumentError', async () => {
    await using client = redis.client({ protocol });
    assert.throws(() => client.flushDb('LAZY' as 'SYNC'), isArgumentError('flushDb'));
    assert.throws(() => client.flushAll('async' as 'ASYNC'), isArgumentError('flushAll'));
    assert.throws(() => client.swapDb(-1, 0), isArgumentError('swapDb'));
    assert.throws(() => client.swapDb(0, 1.5), isArgumentError('swapDb'));
    assert.throws(() => client.clientKill({}), isArgumentError('clientKill'));
    assert.throws(() => client.clientKill({ skipMe: false }), isArgumentError('clientKill'));
    assert.throws(() => client.clientKill({ id: 0 }), isArgumentError('clientKill', 'ERR_INVALID_OPTION'));
    assert.throws(() => client.clientKill({ type: 'slave' as 'replica' }), isArgumentError('clientKill', 'ERR_INVALID_OPTION'));
    assert.throws(() => client.clientPause(-1), isArgumentError('clientPause'));
    assert.throws(() => client.clientPause(10, 'READ' as 'WRITE'), isArgumentError('clientPause'));
    assert.throws(() => client.clientList({ type: 'normal', ids: [1] }), isArgumentError('clientList', 'ERR_INVALID_OPTION'));
    assert.throws(() => client.clientList({ ids: [] }), isArgumentError('clientList', 'ERR_INVALID_OPTION'));
    assert.throws(() => client.configGet([]), isArgumentError('configGet'));
    assert.throws(() => client.configSet({}), isArgumentError('configSet'));
    assert.throws(() => client.slowLogGet(1.5), isArgumentError('slowLogGet'));
    assert.throws(() => client.slowLogGet(-2), isArgumentError('slowLogGet'));
    assert.throws(() => client.memoryUsage('k', { samples: -1 }), isArgumentError('memoryUsage', 'ERR_INVALID_OPTION'));
  });
});

test('server command results are identical under RESP2 and RESP3', async () => {
  const outcomes = [];
  for (const protocol of [2, 3] as const) {
    await using client = redis.client({ protocol, database: 9, clientName: 'same' });
    await client.flushDb();
    await client.set('k', 'v');
    const [ping, echo, dbSize, config, name, clientInfo, info, time, memory] = await Promise.all([
      client.ping(),
      client.echo('x'),
      client.dbSize(),
      client.configGet(['maxmemory*', 'hz']),
      client.clientGetName(),
      client.clientInfo(),
      client.info(['server', 'keyspace']),
      client.time(),
      client.memoryUsage('k'),
    ]);
    outcomes.push({
      ping,
      echo,
      dbSize,
      config: { ...config },
      name,
      clientFields: Object.keys(clientInfo).sort(),
      db: clientInfo.db,
      infoSections: Object.keys(info),
      infoFields: Object.keys(info.server).sort(),
      keyspace: info.keyspace.db9,
      timeFields: Object.keys(time),
      memory,
    });
  }
  assert.deepEqual(outcomes[0], outcomes[1]);
});
