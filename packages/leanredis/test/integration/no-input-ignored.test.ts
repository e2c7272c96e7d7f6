/**
 * Issue 10, part 1: no input is silently ignored or misread. Each case below was tried as a new
 * user would (often with a call shape from ioredis or node-redis) and used to be dropped or
 * misread: a session stored without its TTL, a WATCH on the characters of a key, a channel
 * named "undefined". Each must now be refused with an ArgumentError naming the command, the
 * key and what is accepted, before anything is sent, or be read the one documented way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useRedisServer, forEachProtocol, uniqueKey } from '../helpers/setup.ts';
import { freePort } from '../helpers/redis-server.ts';
import { ArgumentError, createClient, type Client } from '../../src/index.ts';

const redis = useRedisServer();

/** The ArgumentError `run` throws synchronously (or its promise rejects with), checked for its code, command and message. */
async function refused(run: () => unknown, code: 'ERR_INVALID_OPTION' | 'ERR_INVALID_ARGUMENT', command: string, message: RegExp): Promise<void> {
  let err: unknown;
  let returned: unknown;
  try {
    returned = run();
  } catch (e) {
    err = e;
  }
  // The one rule (docs/errors.md): an argument error is thrown, never a rejected promise.
  if (returned instanceof Promise) {
    const outcome = await returned.then(
      () => 'resolved',
      (e: unknown) => `rejected with ${String(e)}`,
    );
    assert.fail(`expected a synchronous ArgumentError, but it returned a promise that ${outcome}`);
  }
  assert.ok(err instanceof ArgumentError, `expected an ArgumentError, got ${String(err)}`);
  assert.equal(err.code, code, err.message);
  assert.equal(err.command, command, err.message);
  assert.match(err.message, message);
}

/** Commands the server processed since the last CONFIG RESETSTAT, by name. */
async function calls(client: Client): Promise<Record<string, number>> {
  const stats = (await client.info('commandstats')).commandstats ?? {};
  const out: Record<string, number> = {};
  for (const [name, value] of Object.entries(stats)) out[name.replace('cmdstat_', '')] = Number(/calls=(\d+)/.exec(value)?.[1]);
  return out;
}

forEachProtocol((protocol) => {
  test('SET options spelled the way other clients spell them are refused with our spelling, and nothing is sent', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey('sess');
    await client.configResetStat();
    // connect-redis 10 (node-redis v5 shape): the session was stored without a TTL.
    await refused(() => client.set(k, 'v', { expiration: { type: 'EX', value: 10 } } as never), 'ERR_INVALID_OPTION', 'SET', /unknown option "expiration" \(use expireSeconds, expireMs, expireAtSeconds or expireAtMs\); accepted: expireSeconds, expireMs/);
    await refused(() => client.set(k, 'v', { EX: 10 } as never), 'ERR_INVALID_OPTION', 'SET', /unknown option "EX" \(use expireSeconds: n\)/);
    await refused(() => client.set(k, 'v', { PX: 10 } as never), 'ERR_INVALID_OPTION', 'SET', /"PX" \(use expireMs: n\)/);
    await refused(() => client.set(k, 'v', { NX: true } as never), 'ERR_INVALID_OPTION', 'SET', /"NX" \(use condition: 'NX'\)/);
    await refused(() => client.set(k, 'v', { expireSecond: 10 } as never), 'ERR_INVALID_OPTION', 'SET', /unknown option "expireSecond"; accepted: expireSeconds, expireMs, expireAtSeconds, expireAtMs, keepTtl, condition$/);
    // An options object held in a variable passes `tsc --strict` (no excess property check).
    const options = { expireSeconds: 10, GET: true };
    await refused(() => client.set(k, 'v', options), 'ERR_INVALID_OPTION', 'SET', /"GET" \(use the setGet\(\) method\)/);
    // ioredis passes options positionally.
    await refused(() => (client.set as (...a: unknown[]) => unknown)(k, 'v', 'EX', 10), 'ERR_INVALID_ARGUMENT', 'SET', /set: expected at most 3 arguments, got 4/);
    await refused(() => (client.set as (...a: unknown[]) => unknown)(k, 'v', 'EX'), 'ERR_INVALID_OPTION', 'SET', /options must be an object, got string \(positional "EX" is \{ expireSeconds: n \} here\)/);
    // Contradictions: the server would have been sent only one of them.
    await refused(() => client.set(k, 'v', { expireSeconds: 100, expireMs: 1000 }), 'ERR_INVALID_OPTION', 'SET', /"expireSeconds" and "expireMs" cannot be combined/);
    await refused(() => client.set(k, 'v', { expireSeconds: 100, keepTtl: true }), 'ERR_INVALID_OPTION', 'SET', /cannot be combined/);
    await refused(() => client.set(k, 'v', { expireSeconds: 1.5 }), 'ERR_INVALID_OPTION', 'SET', /"expireSeconds" must be an integer >= 1, got 1.5/);
    await refused(() => client.set(k, 'v', { condition: 'nx' as 'NX' }), 'ERR_INVALID_OPTION', 'SET', /"condition" must be "NX" or "XX"/);
    assert.equal((await calls(client)).set, undefined, 'no SET reached the server');
    assert.equal(await client.exists(k), 0);
    // What they meant.
    assert.equal(await client.set(k, 'v', { expireSeconds: 10, condition: 'NX' }), 'OK');
    const ttl = await client.ttl(k);
    assert.ok(ttl > 0 && ttl <= 10, `TTL ${ttl}`);
    assert.equal(await client.set(k, 'w', { condition: 'NX' }), null, 'NX did not overwrite');
  });

  test('options of ranges, sorted sets, scans, subscriptions and watch are checked the same way', async () => {
    await using client = redis.client({ protocol });
    const z = uniqueKey('z');
    await refused(() => client.zRange(z, 0, -1, { REV: true } as never), 'ERR_INVALID_OPTION', 'ZRANGE', /"REV" \(use reverse: true\)/);
    await refused(() => client.zRange(z, 0, -1, { by: 'SCORE', limit: { offset: 0, cnt: 1 } } as never), 'ERR_INVALID_OPTION', 'ZRANGE', /unknown option "limit.cnt"; accepted: offset, count/);
    await refused(() => client.zAdd(z, { member: 'a', score: 1 }, { nx: true } as never), 'ERR_INVALID_OPTION', 'ZADD', /"nx" \(use condition: 'NX'\)/);
    await refused(() => client.zAdd(z, { member: 'a', score: 1, weight: 2 } as never), 'ERR_INVALID_ARGUMENT', 'ZADD', /zAdd/);
    await refused(() => client.scan(0, { MATCH: 'sess:*' } as never), 'ERR_INVALID_OPTION', 'SCAN', /unknown option "MATCH" \(use "match"\); accepted: match, count, type/);
    // node-redis's scanIterator({ MATCH }) returned every key: here the call itself refuses.
    await refused(() => client.scanIterator({ MATCH: 'sess:*' } as never), 'ERR_INVALID_OPTION', 'SCAN', /MATCH/);
    await refused(() => client.hScanIterator(z, { MATCH: 'f*' } as never), 'ERR_INVALID_OPTION', 'HSCAN', /MATCH/);
    await refused(() => client.subscribe(uniqueKey('ch'), undefined, { buffer: 5 } as never), 'ERR_INVALID_OPTION', 'SUBSCRIBE', /"buffer" \(use "bufferSize"/);
    await refused(() => client.subscribe(uniqueKey('ch'), { bufferSize: 5 } as never), 'ERR_INVALID_ARGUMENT', 'SUBSCRIBE', /listener must be a function \(options go third\)/);
    await refused(() => client.watch(z, () => undefined, { retry: 3 } as never), 'ERR_INVALID_OPTION', 'WATCH', /"retry" \(use "retries"\)/);
    assert.throws(() => client.with({ timeout: 10 } as never), { code: 'ERR_INVALID_OPTION', message: /"timeout" \(use "timeoutMs"\)/ });
    assert.equal(client.stats().subscriptions, 0);
  });

  test('one rule for a key or a list of keys: a string is one key, never its characters', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey('acct:balance');
    await client.set(k, '100');
    assert.deepEqual(await client.mGet(k), ['100']);
    assert.deepEqual(await client.mGet([k, uniqueKey()]), ['100', null]);
    assert.equal(await client.exists(k), 1);
    assert.equal(await client.exists([k, k]), 2);
    assert.equal(await client.del([k]), 1, "node-redis's del([key])");
    // WATCH on 'acct:balance' watches that key: a write to it makes the transaction abort.
    await client.set(k, '100');
    const outcome = client.watch(k, async (tx) => {
      await client.set(k, '50'); // another writer, between WATCH and EXEC
      return tx.multi().set(k, String(Number(await tx.get(k)) - 10));
    });
    await assert.rejects(outcome, { code: 'ERR_WATCH_CONFLICT' }, 'the watched key changed, so EXEC aborted');
    assert.equal(await client.get(k), '50');
    await using conn = await client.acquire();
    assert.equal(await conn.watch(k), 'OK');
    const watched = (await conn.clientInfo()).watch;
    if (watched !== undefined) assert.equal(watched, '1', 'one key watched, not one per character'); // CLIENT INFO has "watch=" from Redis 7.4
    assert.equal(await conn.unwatch(), 'OK');
  });

  test('empty key lists are refused the same way everywhere, naming the command', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey();
    const cases: [() => unknown, string][] = [
      [() => client.del([]), 'DEL'],
      [() => client.exists([]), 'EXISTS'],
      [() => client.mGet([]), 'MGET'],
      [() => client.sInter([]), 'SINTER'],
      [() => client.sInterStore(k, []), 'SINTERSTORE'],
      [() => client.zUnion([]), 'ZUNION'],
      [() => client.pfCount([]), 'PFCOUNT'],
      [() => client.blPop([], 1), 'BLPOP'],
      [() => client.lPush(k, []), 'LPUSH'],
      [() => client.hDel(k, []), 'HDEL'],
      [() => client.bitOp('OR', k, []), 'BITOP'],
      [() => client.watch([], () => undefined), 'WATCH'],
      [() => client.subscribe([]), 'SUBSCRIBE'],
    ];
    for (const [run, command] of cases) await refused(run, 'ERR_INVALID_ARGUMENT', command, /expected at least one \w+/);
  });

  test('non-finite numbers, undefined names and extra positional arguments are refused', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey();
    await refused(() => client.set(k, Infinity), 'ERR_INVALID_ARGUMENT', 'SET', /argument 2 is Infinity; expected a finite number/);
    await refused(() => client.incrByFloat(k, NaN), 'ERR_INVALID_ARGUMENT', 'INCRBYFLOAT', /NaN/);
    await refused(() => client.call('SET', k, -Infinity), 'ERR_INVALID_ARGUMENT', 'SET', /-Infinity/);
    await refused(() => client.subscribe(undefined as unknown as string), 'ERR_INVALID_ARGUMENT', 'SUBSCRIBE', /names must be strings, got undefined/);
    await refused(() => client.subscribe(['a', undefined as unknown as string]), 'ERR_INVALID_ARGUMENT', 'SUBSCRIBE', /got undefined/);
    await refused(() => client.get(undefined as unknown as string), 'ERR_INVALID_ARGUMENT', 'GET', /argument 1 is undefined/);
    await refused(() => (client.get as (...a: unknown[]) => unknown)(k, 'extra'), 'ERR_INVALID_ARGUMENT', 'GET', /get: expected at most 1 argument, got 2/);
    await refused(() => (client.del as (...a: unknown[]) => unknown)(k, k), 'ERR_INVALID_ARGUMENT', 'DEL', /expected at most 1 argument, got 2 \(options go in one object, and several keys or values in one array\)/);
    await refused(() => (client.pipeline().get as (...a: unknown[]) => unknown)(k, 'extra'), 'ERR_INVALID_ARGUMENT', 'GET', /at most 1/);
    // Scores are where the server takes infinities: written as +inf / -inf there.
    assert.equal(await client.zAdd(k, [{ member: 'top', score: Infinity }, { member: 'bottom', score: -Infinity }]), 2);
    assert.deepEqual(await client.zRangeWithScores(k, -Infinity, Infinity, { by: 'SCORE' }), [
      { member: 'bottom', score: -Infinity },
      { member: 'top', score: Infinity },
    ]);
    assert.equal(await client.zCount(k, -Infinity, Infinity), 2);
  });

  test('commands that change a connection\'s state are refused on the shared connections, allowed on a lease', async () => {
    await using client = redis.client({ protocol });
    await refused(() => client.call('SELECT', 1), 'ERR_INVALID_ARGUMENT', 'SELECT', /run it on a lease/);
    await refused(() => client.call('client', 'tracking', 'on'), 'ERR_INVALID_ARGUMENT', 'CLIENT', /lease/);
    await refused(() => client.call('WATCH', 'k'), 'ERR_INVALID_ARGUMENT', 'WATCH', /lease/);
    await refused(() => client.pipeline().call('SELECT', 1), 'ERR_INVALID_ARGUMENT', 'SELECT', /lease/);
    await refused(() => client.multi().call('MULTI'), 'ERR_INVALID_ARGUMENT', 'MULTI', /lease/);
    // A blocking command would hold the shared connection's replies behind it.
    await refused(() => client.pipeline().blPop('k', 1), 'ERR_INVALID_ARGUMENT', 'BLPOP', /cannot be pipelined on the client's shared connection/);
    // Inside MULTI the server never blocks, so a transaction may hold one.
    assert.deepEqual(await client.multi().blPop(uniqueKey(), 1).exec(), [null]);
    await using conn = await client.acquire();
    assert.equal(await conn.select(1), 'OK');
    assert.equal(await conn.call('SELECT', 0), 'OK');
    assert.equal(await conn.clientSetName('mine'), 'OK');
    assert.equal(await conn.clientGetName(), 'mine');
  });

  test('a string is one item for every list-taking command, never its characters', async () => {
    await using client = redis.client({ protocol });
    const [list, set, zset, hash, hll, ch] = [uniqueKey('l'), uniqueKey('s'), uniqueKey('z'), uniqueKey('h'), uniqueKey('hll'), uniqueKey('ch')];
    assert.equal(await client.lPush(list, 'abc'), 1);
    assert.equal(await client.rPush(list, 'def'), 2);
    assert.deepEqual(await client.lRange(list, 0, -1), ['abc', 'def']);
    assert.equal(await client.sAdd(set, 'abc'), 1);
    assert.equal(await client.sRem(set, 'abc'), 1);
    assert.equal(await client.zAdd(zset, { member: 'abc', score: 1 }), 1);
    assert.equal(await client.zRem(zset, 'abc'), 1);
    await client.hSet(hash, { abc: '1', a: '2' });
    assert.equal(await client.hDel(hash, 'abc'), 1);
    assert.deepEqual({ ...(await client.hGetAll(hash)) }, { a: '2' });
    assert.equal(await client.pfAdd(hll, 'abc'), true);
    assert.equal(await client.pfCount(hll), 1);
    assert.deepEqual(await client.blPop(list, 1), { key: list, element: 'abc' });
    assert.equal(await client.touch(list), 1);
    assert.equal(await client.unlink(list), 1);
    await using _subscription = await client.subscribe(ch);
    assert.deepEqual(await client.pubsubNumSub(ch), [[ch, 1]]);
    assert.equal(client.stats().subscriptions, 1, 'one channel, not one per character');
  });
});

// What every method does with junk: each surface (client, with() view, pipeline, transaction)
// gets each method called with argument lists that some method could misread. The client points
// at a port nobody listens on (offlineQueue: false), so whatever passes the checks fails to
// connect, and nothing can reach a server: junk may not run FLUSHALL or SHUTDOWN on one.
test('every method refuses junk with a thrown ArgumentError naming its command, and none rejects with one', async () => {
  const client = createClient({ port: await freePort(), offlineQueue: false, connectTimeoutMs: 2000 });
  const junk: unknown[][] = [
    [undefined],
    [null],
    [[]],
    [{ bogus: 1 }],
    ['k', { bogus: 1 }],
    ['k', 'v', { bogus: 1 }],
    ['k', 'v', 'w', { bogus: 1 }],
    ['k', 1, 2, 3, 4, 5, 6, 7, 8, 9],
    ['k', NaN],
    ['k', 'v', Infinity],
    ['k', null],
  ];
  // Not commands: their ArgumentError has no command to name (docs/errors.md).
  const helpers = new Set(['with', 'acquire', 'streamConsumer', 'duplicate']);
  // queue and queueCall are protected (not part of the typed surface).
  const lifecycle = new Set(['constructor', 'queue', 'queueCall', 'on', 'once', 'off', 'connect', 'close', 'destroy', 'stats', 'toJSON', 'exec', 'execSettled']);
  const surfaces: [string, () => object][] = [
    ['client', () => client],
    ['with', () => client.with({ timeoutMs: 5000 })],
    ['pipeline', () => client.pipeline()],
    ['multi', () => client.multi()],
  ];
  const problems: string[] = [];
  const settling: Promise<void>[] = [];
  let calls = 0;
  for (const [surface, make] of surfaces) {
    const methods = new Set<string>();
    const sample = make();
    for (let proto = Object.getPrototypeOf(sample); proto !== null && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
      for (const name of Object.getOwnPropertyNames(proto)) {
        if (lifecycle.has(name) || Object.getOwnPropertyDescriptor(proto, name)?.get !== undefined) continue;
        if (typeof (sample as Record<string, unknown>)[name] === 'function') methods.add(name);
      }
    }
    assert.ok(methods.size > 200, `${surface}: ${methods.size} methods found`);
    for (const name of methods) {
      for (const args of junk) {
        const call = `${surface}.${name}(${args.map((a) => (Array.isArray(a) ? '[]' : typeof a === 'object' && a !== null ? '{...}' : String(a))).join(', ')})`;
        calls++;
        let returned: unknown;
        try {
          returned = ((make() as Record<string, unknown>)[name] as (...a: unknown[]) => unknown)(...args);
        } catch (err) {
          if (!(err instanceof ArgumentError)) problems.push(`${call} threw ${String(err)}`);
          else if (err.command === undefined && !helpers.has(name) && !(name === 'call' && typeof args[0] !== 'string')) problems.push(`${call}: no command in ${err.message}`);
          continue;
        }
        const settle = (value: unknown): void => {
          if (value instanceof ArgumentError) problems.push(`${call} rejected (not threw) ${value.message}`);
        };
        if (returned instanceof Promise) settling.push(returned.then(() => undefined, settle));
        else if (typeof (returned as AsyncIterator<unknown> | undefined)?.next === 'function') settling.push((returned as AsyncIterator<unknown>).next().then(() => undefined, settle));
      }
    }
  }
  await Promise.all(settling);
  await client.close();
  assert.deepEqual(problems, [], `${problems.length} of ${calls} calls misbehaved`);
});
