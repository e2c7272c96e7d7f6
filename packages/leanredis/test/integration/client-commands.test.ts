/**
 * The client's command surface beyond single typed commands: call(), per-call options
 * (timeoutMs, signal, returnBuffers) without replies ever shifting, pipelines, MULTI/EXEC,
 * watch(), the SCAN iterators, eval, returnBuffers clients, ReplyError and argument errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useRedisServer, forEachProtocol, uniqueKey } from '../helpers/setup.ts';
import { pauseServer } from '../helpers/server-pause.ts';
import { waitForInFlight } from '../helpers/wait.ts';
import {
  AbortError,
  ArgumentError,
  CommandTimeoutError,
  LeanRedisError,
  PipelineError,
  ReplyError,
  createClient,
  type Client,
} from '../../src/index.ts';

const redis = useRedisServer({ enableDebug: true });

/** Asserts a synchronous throw of ArgumentError with `code` (ERR_INVALID_OPTION for options objects). */
function assertBadArgument(run: () => unknown, pattern?: RegExp, code: 'ERR_INVALID_ARGUMENT' | 'ERR_INVALID_OPTION' = 'ERR_INVALID_ARGUMENT'): void {
  let thrown: unknown;
  let returned: unknown;
  try {
    returned = run();
  } catch (err) {
    thrown = err;
  }
  if (returned instanceof Promise) returned.catch(() => {});
  assert.ok(thrown instanceof ArgumentError, `expected a synchronous ArgumentError, got ${thrown === undefined ? `a ${typeof returned} return` : String(thrown)}`);
  assert.equal(thrown.code, code);
  if (pattern !== undefined) assert.match(thrown.message, pattern);
}

/** Counts of calls per command since the last CONFIG RESETSTAT (INFO commandstats). */
async function commandCalls(client: Client): Promise<Record<string, number>> {
  const text = String(await client.call('INFO', 'commandstats'));
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) out[m[1]] = Number(m[2]);
  return out;
}

forEachProtocol((protocol) => {
  test('call() sends any command and resolves the raw reply', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey();
    assert.equal(await client.call('SET', k, 12345), 'OK');
    assert.equal(await client.call('OBJECT', 'ENCODING', k), 'int');
    assert.equal(await client.call('get', k), '12345', 'lower-case names work');
    assert.equal(await client.call('INCRBY', k, 5n), 12350, 'bigint arguments');
    const h = uniqueKey();
    assert.equal(await client.call('HSET', h, 'f1', 'v1', 'f2', Buffer.from('v2')), 2);
    const raw = await client.call('HGETALL', h);
    // RESP3 answers a map, RESP2 a flat array: call() does not reshape replies.
    if (protocol === 3) assert.deepEqual(raw, new Map([['f1', 'v1'], ['f2', 'v2']]));
    else assert.deepEqual(raw, ['f1', 'v1', 'f2', 'v2']);
    assert.equal(await client.call('PING'), 'PONG');
    await client.call('DEL', k, h);
  });

  test('with({ timeoutMs }) rejects a stalled call with ERR_COMMAND_TIMEOUT, and the next command gets its own reply', async () => {
    await using client = redis.client({ protocol });
    const [k1, k2] = [uniqueKey(), uniqueKey()];
    await client.set(k1, 'first');
    await client.set(k2, 'second');
    const { resumed } = await pauseServer(redis, 2000);
    let isResumed = false;
    void resumed.then(() => (isResumed = true));
    const started = performance.now();
    await assert.rejects(client.with({ timeoutMs: 50 }).get(k1), (err: unknown) => {
      assert.ok(err instanceof CommandTimeoutError, String(err));
      assert.equal(err.code, 'ERR_COMMAND_TIMEOUT');
      assert.equal(err.command, 'GET');
      assert.equal(err.wasWritten, true);
      assert.ok(!err.message.includes(k1), 'errors never name the arguments');
      return true;
    });
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 45, `timed out after ${elapsed} ms, before its 50 ms deadline`);
    assert.equal(isResumed, false, 'it timed out while the server still held every reply');
    // Issued while the server still sleeps: GET k1's late reply ("first") arrives before ours.
    const next = client.get(k2);
    const other = client.incr(uniqueKey());
    assert.equal(await next, 'second');
    assert.equal(await other, 1);
    await resumed;
    assert.equal(await client.get(k1), 'first');
    assert.equal(client.stats().inFlight, 0);
  });

  test('a command whose own reply is late (DEBUG SLEEP with a short timeout) does not shift later replies', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey();
    await client.set(k, 'mine');
    await assert.rejects(client.with({ timeoutMs: 50 }).call('DEBUG', 'SLEEP', 0.3), { code: 'ERR_COMMAND_TIMEOUT', command: 'DEBUG' });
    const replies = await Promise.all([client.get(k), client.call('ECHO', 'echo'), client.exists(k)]);
    assert.deepEqual(replies, ['mine', 'echo', 1]);
  });

  test('with({ timeoutMs }) validates its options synchronously and keeps other calls on the default', async () => {
    await using client = redis.client({ protocol });
    assertBadArgument(() => client.with({ timeoutMs: -1 }), /"timeoutMs"/, 'ERR_INVALID_OPTION');
    assertBadArgument(() => client.with({ timeoutMs: 1.5 }), /"timeoutMs"/, 'ERR_INVALID_OPTION');
    assertBadArgument(() => client.with({ signal: 'stop' as unknown as AbortSignal }), /"signal"/, 'ERR_INVALID_OPTION');
    assertBadArgument(() => client.with(null as unknown as { timeoutMs: number }), undefined, 'ERR_INVALID_OPTION');
    const view = client.with({ timeoutMs: 5000 });
    const k = uniqueKey();
    assert.equal(await view.set(k, 'v'), 'OK');
    assert.equal(await view.get(k), 'v');
  });

  test('with() rejects an unknown per-call option, as createClient does', () => {
    const client = redis.client({ protocol });
    assertBadArgument(() => client.with({ timeOutMs: 10 } as unknown as { timeoutMs: number }), /timeOutMs/, 'ERR_INVALID_OPTION');
    client.destroy();
  });

  test('with({ signal }) already aborted rejects with AbortError and never sends the command', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey();
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    controller.abort(reason);
    await assert.rejects(client.with({ signal: controller.signal }).set(k, 'v'), (err: unknown) => {
      assert.ok(err instanceof AbortError, String(err));
      assert.ok(err instanceof LeanRedisError);
      assert.equal(err.name, 'AbortError');
      assert.equal(err.code, 'ABORT_ERR');
      assert.equal(err.command, 'SET');
      assert.equal(err.cause, reason);
      return true;
    });
    assert.equal(await client.get(k), null, 'the aborted SET never ran');
  });

  test('with({ signal }) aborted after the write rejects at once and the late reply is discarded', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey();
    await client.connect();
    const { resumed } = await pauseServer(redis, 1000);
    const controller = new AbortController();
    const aborted = client.with({ signal: controller.signal }).incr(k);
    await waitForInFlight(client);
    controller.abort();
    const first = await Promise.race([aborted.then(() => 'resolved', (e: unknown) => e), resumed.then(() => 'server woke first')]);
    assert.ok(first instanceof AbortError, `rejected before the server answered: ${String(first)}`);
    assert.equal(first.code, 'ABORT_ERR');
    assert.equal(first.command, 'INCR');
    // The INCR did run; its late integer reply must not be taken by this GET (which expects "1").
    assert.equal(await client.get(k), '1');
    await resumed;
  });

  test('pipelines resolve typed tuples in order', async () => {
    await using client = redis.client({ protocol });
    const [k, n, h] = [uniqueKey(), uniqueKey(), uniqueKey()];
    const pipeline = client.pipeline().set(k, 'v').get(k).incr(n).incrBy(n, 10).hSet(h, { a: '1' }).hGetAll(h).call('ECHO', 'raw').get(uniqueKey());
    assert.equal(pipeline.length, 8);
    const [set, got, one, eleven, added, all, echo, missing] = await pipeline.exec();
    assert.equal(set, 'OK');
    assert.equal(got, 'v');
    assert.equal(one, 1);
    assert.equal(eleven, 11);
    assert.equal(added, 1);
    assert.deepEqual({ ...all }, { a: '1' });
    assert.equal(echo, 'raw');
    assert.equal(missing, null);
    assert.deepEqual(await client.pipeline().exec(), [], 'an empty pipeline resolves []');
  });

  test('pipeline exec() rejects with PipelineError holding every result, the ReplyError in place', async () => {
    await using client = redis.client({ protocol });
    const [k, list] = [uniqueKey(), uniqueKey()];
    await client.rPush(list, ['x']);
    const pipeline = client.pipeline().set(k, 'v').get(list).incr(`${k}:n`).get(k);
    await assert.rejects(pipeline.exec(), (err: unknown) => {
      assert.ok(err instanceof PipelineError, String(err));
      assert.equal(err.code, 'ERR_PIPELINE');
      assert.equal(err.results.length, 4);
      assert.equal(err.results[0], 'OK');
      assert.ok(err.results[1] instanceof ReplyError);
      assert.equal((err.results[1] as ReplyError).code, 'WRONGTYPE');
      assert.equal((err.results[1] as ReplyError).command, 'GET');
      assert.equal(err.results[2], 1, 'commands after the failed one still ran');
      assert.equal(err.results[3], 'v');
      assert.deepEqual(err.errors, [err.results[1]]);
      assert.match(err.message, /1 of 4 commands failed; first: GET: WRONGTYPE/);
      return true;
    });
    // The same pipeline object sends again.
    const settled = await pipeline.execSettled();
    assert.equal(settled[0], 'OK');
    assert.ok(settled[1] instanceof ReplyError && settled[1].code === 'WRONGTYPE');
    assert.equal(settled[2], 2);
    assert.equal(settled[3], 'v');
  });

  test('pipelines from the same tick keep their commands together and in order', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        Promise.all([client.pipeline().set(k, String(i)).get(k).exec(), client.incr(`${k}:between`)]).then(([tuple]) => tuple[1]),
      ),
    );
    assert.deepEqual(
      results,
      Array.from({ length: 50 }, (_, i) => String(i)),
    );
  });

  test('multi() runs atomically and resolves typed results', async () => {
    await using client = redis.client({ protocol });
    const [k, n] = [uniqueKey(), uniqueKey()];
    // Commands issued around the transaction in the same tick never land inside it.
    const before = client.set(k, 'before');
    const tx = client.multi().set(k, 'inside').incr(n).get(k).hSet(`${k}:h`, { f: 'v' }).hGetAll(`${k}:h`).exec();
    const afterward = client.set(k, 'after');
    const results = await tx;
    assert.ok(results !== null);
    const [set, one, got, added, all] = results;
    assert.deepEqual([set, one, got, added], ['OK', 1, 'inside', 1]);
    assert.deepEqual({ ...all }, { f: 'v' });
    assert.equal(await before, 'OK');
    assert.equal(await afterward, 'OK');
    assert.equal(await client.get(k), 'after');
  });

  test('multi() with a command rejected while queueing rejects with EXECABORT and runs nothing', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey();
    const tx = client.multi().set(k, 'v').call('GET').incr(`${k}:n`);
    await assert.rejects(tx.exec(), (err: unknown) => {
      assert.ok(err instanceof ReplyError, String(err));
      assert.equal(err.code, 'EXECABORT');
      assert.equal(err.command, 'EXEC');
      assert.ok(err.cause instanceof ReplyError, 'the cause is the queueing error');
      assert.equal(err.cause.code, 'ERR');
      assert.equal(err.cause.command, 'GET');
      return true;
    });
    await assert.rejects(tx.execSettled(), { code: 'EXECABORT' });
    assert.equal(await client.get(k), null);
    assert.equal(await client.get(`${k}:n`), null);
    assert.equal(await client.ping(), 'PONG', 'the connection is not left inside MULTI');
  });

  test('multi() with a runtime error inside EXEC: the others commit, exec() rejects with PipelineError', async () => {
    await using client = redis.client({ protocol });
    const [k, text] = [uniqueKey(), uniqueKey()];
    await client.set(text, 'not a number');
    const tx = () => client.multi().set(k, 'v').incr(text).get(k);
    await assert.rejects(tx().exec(), (err: unknown) => {
      assert.ok(err instanceof PipelineError, String(err));
      assert.equal(err.code, 'ERR_PIPELINE');
      assert.equal(err.results[0], 'OK');
      assert.ok(err.results[1] instanceof ReplyError);
      assert.equal((err.results[1] as ReplyError).code, 'ERR');
      assert.equal(err.results[2], 'v');
      return true;
    });
    const settled = await tx().execSettled();
    assert.ok(settled !== null);
    assert.equal(settled[0], 'OK');
    assert.ok(settled[1] instanceof ReplyError);
    assert.equal(settled[2], 'v');
  });

  test('multi(): an error inside EXEC names its command', async () => {
    await using client = redis.client({ protocol });
    const text = uniqueKey();
    await client.set(text, 'not a number');
    const settled = await client.multi().incr(text).execSettled();
    assert.ok(settled !== null && settled[0] instanceof ReplyError);
    assert.equal(settled[0].command, 'INCR');
  });

  test('watch() commits when no watched key changed', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey();
    await client.set(k, '10');
    const results = await client.watch([k], async (tx) => {
      const current = Number(await tx.get(k));
      return tx.multi().set(k, String(current + 1)).get(k);
    });
    assert.deepEqual(results, ['OK', '11']);
    assert.equal(client.stats().leased, 0, 'the lease is released');
  });

  test('watch() rejects with ERR_WATCH_CONFLICT when a watched key changes inside the body', async () => {
    await using client = redis.client({ protocol });
    await using other = redis.client({ protocol });
    const k = uniqueKey();
    await client.set(k, 'original');
    let runs = 0;
    const watching = client.watch([k], async (tx) => {
      runs++;
      await tx.get(k);
      await other.set(k, 'changed by someone else');
      return tx.multi().set(k, 'mine');
    });
    await assert.rejects(watching, { name: 'WatchConflictError', code: 'ERR_WATCH_CONFLICT', command: 'EXEC', attempts: 1 });
    assert.equal(runs, 1);
    assert.equal(await client.get(k), 'changed by someone else');
    assert.equal(client.stats().leased, 0);
  });

  test('watch() with retries runs the body again after a conflict', async () => {
    await using client = redis.client({ protocol });
    await using other = redis.client({ protocol });
    const k = uniqueKey();
    await client.set(k, '1');
    let runs = 0;
    const results = await client.watch(
      [k],
      async (tx) => {
        runs++;
        const current = Number(await tx.get(k));
        if (runs === 1) await other.incr(k); // conflict on the first attempt only
        return tx.multi().set(k, String(current * 10));
      },
      { retries: 2 },
    );
    assert.deepEqual(results, ['OK']);
    assert.equal(runs, 2);
    assert.equal(await client.get(k), '20', 'the retry read the value the other client wrote');
  });

  test('watch(): giving up, misuse and bad options', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey();
    assert.equal(await client.watch([k], () => undefined), null);
    await assert.rejects(
      client.watch([k], () => client.multi().set(k, 'v')),
      (err: unknown) => err instanceof ArgumentError && err.code === 'ERR_INVALID_ARGUMENT',
    );
    assert.equal(await client.get(k), null, 'a transaction of the wrong connection is not sent');
    // Argument errors are thrown synchronously, as by every method (docs/errors.md).
    assert.throws(() => client.watch([], () => undefined), { code: 'ERR_INVALID_ARGUMENT' });
    assert.throws(() => client.watch([k], () => undefined, { retries: -1 }), { code: 'ERR_INVALID_OPTION', command: 'WATCH' });
    assert.throws(() => client.acquire({ timeoutMs: -1 }), { code: 'ERR_INVALID_OPTION' });
    assert.throws(() => client.acquire({ timeout: 5 } as never), { code: 'ERR_INVALID_OPTION', message: /unknown option "timeout"/ });
    await assert.rejects(
      client.watch([k], async () => {
        throw new Error('body failed');
      }),
      /body failed/,
    );
    assert.equal(client.stats().leased, 0);
  });

  test('scanIterator, hScanIterator, sScanIterator and zScanIterator yield every element exactly once', async () => {
    await using client = redis.client({ protocol });
    const prefix = uniqueKey('scan');
    const N = 3000;
    const keys = Array.from({ length: N }, (_, i) => `${prefix}:key:${i}`);
    const fields = Array.from({ length: N }, (_, i) => `field-${i}`);
    for (let i = 0; i < N; i += 500) {
      await client.mSet(keys.slice(i, i + 500).map((key): [string, string] => [key, 'v']));
    }
    const [h, s, z] = [`${prefix}:hash`, `${prefix}:set`, `${prefix}:zset`];
    await client.hSet(h, fields.map((f, i): [string, string] => [f, `value-${i}`]));
    await client.sAdd(s, fields);
    await client.zAdd(z, fields.map((member, i) => ({ member, score: i / 2 })));
    await client.call('CONFIG', 'RESETSTAT');

    const seenKeys: string[] = [];
    for await (const key of client.scanIterator({ match: `${prefix}:key:*`, count: 100 })) seenKeys.push(key);
    assert.equal(seenKeys.length, N, 'no duplicates, none missing');
    assert.deepEqual(new Set(seenKeys), new Set(keys));
    const typed: string[] = [];
    for await (const key of client.scanIterator({ match: `${prefix}:*`, type: 'hash', count: 1000 })) typed.push(key);
    assert.deepEqual(typed, [h]);

    const entries: [string, string][] = [];
    for await (const entry of client.hScanIterator(h, { count: 100 })) entries.push(entry);
    assert.equal(entries.length, N);
    assert.deepEqual(new Map(entries), new Map(fields.map((f, i) => [f, `value-${i}`])));

    const members: string[] = [];
    for await (const member of client.sScanIterator(s, { count: 100 })) members.push(member);
    assert.equal(members.length, N);
    assert.deepEqual(new Set(members), new Set(fields));

    const scored: { member: string; score: number }[] = [];
    for await (const item of client.zScanIterator(z, { count: 100 })) scored.push(item);
    assert.equal(scored.length, N);
    assert.deepEqual(new Map(scored.map((m) => [m.member, m.score])), new Map(fields.map((f, i) => [f, i / 2])));

    const matched: string[] = [];
    for await (const member of client.sScanIterator(s, { match: 'field-1?', count: 50 })) matched.push(member);
    assert.deepEqual(matched.sort(), Array.from({ length: 10 }, (_, i) => `field-1${i}`));

    // Each iterator walked the cursor in many steps, not one.
    const calls = await commandCalls(client);
    for (const name of ['scan', 'hscan', 'sscan', 'zscan']) assert.ok(calls[name] > 10, `${name} ran ${calls[name]} times`);

    // A small (listpack) hash comes back in one step with cursor 0; a missing key yields nothing.
    await client.hSet(`${prefix}:small`, { a: '1', b: '2' });
    const small: [string, string][] = [];
    for await (const entry of client.hScanIterator(`${prefix}:small`)) small.push(entry);
    assert.deepEqual(small.sort(), [['a', '1'], ['b', '2']]);
    for await (const _ of client.zScanIterator(`${prefix}:missing`)) assert.fail('a missing key has no members');

    await client.unlink([...keys, h, s, z, `${prefix}:small`]);
  });

  test('eval passes keys and arguments, and falls back from EVALSHA after SCRIPT FLUSH', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey();
    const script = `redis.call('SET', KEYS[1], ARGV[1]); return {KEYS[1], ARGV[1], tonumber(ARGV[2]) * 2, redis.call('GET', KEYS[1])}`;
    assert.deepEqual(await client.eval(script, { keys: [k], arguments: ['hello', 21] }), [k, 'hello', 42, 'hello']);
    assert.equal(await client.eval('return #KEYS + #ARGV'), 0);
    await client.call('SCRIPT', 'FLUSH');
    assert.deepEqual(await client.eval(script, { keys: [k], arguments: ['again', 1] }), [k, 'again', 2, 'again']);
    await assert.rejects(client.eval("return redis.call('INCR', KEYS[1])", { keys: [k] }), (err: unknown) => {
      assert.ok(err instanceof ReplyError, String(err));
      assert.equal(err.code, 'ERR');
      assert.ok(['EVAL', 'EVALSHA'].includes(err.command ?? ''), err.command);
      return true;
    });
  });

  test('a returnBuffers client resolves bulk replies as Buffers, numbers as numbers', async () => {
    await using client = createClient({ url: redis.url, protocol, returnBuffers: true });
    const k = uniqueKey();
    const binary = Buffer.from([0x00, 0xff, 0xfe, 0x0d, 0x0a, 0x80]);
    assert.equal(await client.set(k, binary), 'OK');
    const got = await client.get(k);
    assert.ok(Buffer.isBuffer(got));
    assert.deepEqual(got, binary);
    assert.equal(await client.incr(`${k}:n`), 1);
    assert.equal(await client.get(uniqueKey()), null);
    await client.hSet(`${k}:h`, { f: binary });
    const all = await client.hGetAll(`${k}:h`);
    assert.deepEqual(Object.keys(all), ['f']);
    assert.ok(Buffer.isBuffer(all.f) && all.f.equals(binary));
    const [inPipeline] = await client.pipeline().get(k).exec();
    assert.ok(Buffer.isBuffer(inPipeline) && inPipeline.equals(binary));
    const members = await client.sMembers(uniqueKey());
    assert.deepEqual(members, []);

    // A string client can ask for Buffers per call; the next call is a string again.
    await using strings = redis.client({ protocol });
    const asBuffer = await strings.with({ returnBuffers: true }).get(k);
    assert.ok(Buffer.isBuffer(asBuffer) && asBuffer.equals(binary));
    assert.equal(typeof (await strings.get(`${k}:n`)), 'string');
  });

  test('ReplyError: code is the server prefix, command the command name, arguments never echoed', async () => {
    await using client = redis.client({ protocol });
    const list = uniqueKey();
    await client.lPush(list, ['a']);
    await assert.rejects(client.get(list), (err: unknown) => {
      assert.ok(err instanceof ReplyError && err instanceof LeanRedisError && err instanceof Error);
      assert.equal(err.code, 'WRONGTYPE');
      assert.equal(err.command, 'GET');
      assert.equal(err.name, 'ReplyError');
      assert.match(err.message, /^WRONGTYPE /);
      return true;
    });
    await assert.rejects(client.call('hset', list), { code: 'ERR', command: 'HSET' });
    await assert.rejects(client.call('CONFIG', 'GET'), { code: 'ERR', command: 'CONFIG' });
    const secret = 'echoed-secret-321';
    await assert.rejects(client.call('NOSUCHCOMMAND', secret, 'x'), (err: unknown) => {
      assert.ok(err instanceof ReplyError);
      assert.equal(err.code, 'ERR');
      assert.equal(err.command, 'NOSUCHCOMMAND');
      assert.ok(!err.message.includes(secret), `the argument was echoed: ${err.message}`);
      assert.ok(!String(err.stack).includes(secret));
      return true;
    });
    // One failed command rejects only itself.
    const [bad, good] = await Promise.allSettled([client.incr(list), client.lLen(list)]);
    assert.equal(bad.status, 'rejected');
    assert.deepEqual(good, { status: 'fulfilled', value: 1 });
  });

  test('an argument of a bad type throws ArgumentError ERR_INVALID_ARGUMENT synchronously, before dialling', async () => {
    const client = redis.client({ protocol });
    const k = uniqueKey();
    type Loose = (...args: unknown[]) => Promise<unknown>;
    const loose = (f: unknown) => f as Loose;
    assertBadArgument(() => loose(client.get).call(client, null), /GET: argument 1 is null/);
    assertBadArgument(() => loose(client.get).call(client, undefined), /GET: argument 1 is undefined/);
    assertBadArgument(() => loose(client.set).call(client, k, { toString: () => 'v' }), /SET: argument 2 is object/);
    assertBadArgument(() => loose(client.set).call(client, k, true), /SET: argument 2 is boolean/);
    assertBadArgument(() => client.incrBy(k, Number.NaN), /NaN/);
    assertBadArgument(() => client.call('SET', k, null as unknown as string), /SET: argument 2 is null/);
    assertBadArgument(() => client.with({ timeoutMs: 100 }).call('SET', k, [] as unknown as string));
    assertBadArgument(() => loose(client.mGet).call(client, [k, null]), /MGET/);
    assertBadArgument(() => client.hSet(k, {}), /hSet/);
    assert.equal(client.stats().created, 0, 'nothing was dialled for rejected arguments');
    await client.close();
  });

  test('a bad argument in a pipeline or transaction throws when it is queued, and nothing is sent', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey();
    const p = client.pipeline().set(k, 'v');
    assertBadArgument(() => p.call('SET', `${k}:2`, null as unknown as string), /SET/);
    const m = client.multi().set(k, 'v');
    assertBadArgument(() => m.call('SET', `${k}:2`, {} as unknown as string), /SET/);
    assert.equal(await client.get(k), null, 'the valid SET before it was not sent either');
    assert.equal(await client.ping(), 'PONG');
  });

  test('a bad argument of a blocking command throws synchronously too', () => {
    const client = redis.client({ protocol });
    assertBadArgument(() => client.call('BLPOP', null as unknown as string, 1), /BLPOP/);
    assertBadArgument(() => client.blPop({} as unknown as string, 1), /blPop/);
    client.destroy();
  });

  test('a bad argument on a lease throws synchronously, as on the client', async () => {
    await using client = redis.client({ protocol });
    await using lease = await client.acquire();
    assertBadArgument(() => lease.get(null as unknown as string), /GET: argument 1 is null/);
  });
});

test('a pipeline or transaction larger than maxQueuedCommands goes through on a connected client (it never sits in the queue)', async () => {
  await using client = redis.client({ maxQueuedCommands: 1000 });
  await client.ping();
  const k = uniqueKey();
  const pipeline = client.pipeline<number[]>();
  for (let i = 0; i < 5000; i++) pipeline.incr(k);
  const results = await pipeline.exec();
  assert.equal(results.length, 5000);
  assert.equal(results[4999], 5000);
  const multi = client.multi<number[]>();
  for (let i = 0; i < 3000; i++) multi.incr(k);
  const tx = await multi.exec();
  assert.equal(tx?.[2999], 8000);
});
