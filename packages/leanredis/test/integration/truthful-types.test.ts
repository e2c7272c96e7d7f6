/**
 * Issue 13's "types that tell the truth", at run time against a real server (the types
 * themselves: test/types/truthful-types.ts). A `with({ returnBuffers: true })` view resolves
 * Buffers wherever its types say Buffer; a transaction of the shared connection never resolves
 * null; `watch()` tells a body that gave up (null) from retries that ran out
 * (ERR_WATCH_CONFLICT); `eval()`'s EVALSHA-to-EVAL fallback is one successful call to
 * observers, not a NOSCRIPT failure.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as dc from 'node:diagnostics_channel';
import { WatchConflictError, createClient, type CommandContext } from '../../src/index.ts';
import { useRedisServer, forEachProtocol, uniqueKey } from '../helpers/setup.ts';

const redis = useRedisServer();

const binary = Buffer.from([0x00, 0xff, 0xfe, 0x0d, 0x0a, 0x80]);

/** Asserts `value` is a Buffer holding `expected` (the view's type says Buffer). */
function isBytes(value: Buffer | null | undefined, expected: Buffer | string = binary): void {
  assert.ok(Buffer.isBuffer(value), `expected a Buffer, got ${typeof value}`);
  assert.ok(value.equals(Buffer.from(expected)));
}

forEachProtocol((protocol) => {
  test('with({ returnBuffers: true }) resolves Buffers where its types say Buffer, strings and numbers where they say so', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey();
    await client.set(k, binary);
    await client.hSet(`${k}:h`, { f: binary });
    await client.rPush(`${k}:l`, [binary, 'b']);
    await client.sAdd(`${k}:s`, binary);
    await client.zAdd(`${k}:z`, [{ score: 1.5, member: binary }]);
    const view = client.with({ returnBuffers: true });

    const value: Buffer | null = await view.get(k);
    isBytes(value);
    const many: (Buffer | null)[] = await view.mGet([k, uniqueKey()]);
    isBytes(many[0]);
    assert.equal(many[1], null);
    isBytes(await view.getRange(k, 0, -1));
    const hash: Record<string, Buffer> = await view.hGetAll(`${k}:h`);
    assert.deepEqual(Object.keys(hash), ['f']);
    isBytes(hash.f);
    isBytes(await view.hGet(`${k}:h`, 'f'));
    const list: Buffer[] = await view.lRange(`${k}:l`, 0, -1);
    isBytes(list[0]);
    isBytes(list[1], 'b');
    const members: Buffer[] = await view.sMembers(`${k}:s`);
    isBytes(members[0]);
    const scored: { member: Buffer; score: number }[] = await view.zRangeWithScores(`${k}:z`, 0, -1);
    isBytes(scored[0].member);
    assert.equal(scored[0].score, 1.5);
    const keys: Buffer[] = [];
    for await (const key of view.scanIterator({ match: `${k}:*` })) keys.push(key);
    assert.ok(keys.length === 4 && keys.every((key) => Buffer.isBuffer(key)));
    isBytes(await view.getDel(k));
    // Not bulk strings: integers, status replies and the server's own text keep their types.
    assert.equal(await view.incr(`${k}:n`), 1);
    assert.equal(await view.set(k, 'v'), 'OK');
    assert.equal(await view.type(k), 'string');

    // The client itself still reads strings, and a false view on it too.
    assert.equal(await client.get(k), 'v');
    assert.equal(await client.with({ returnBuffers: false }).get(k), 'v');
  });

  test('with({ returnBuffers: false }) on a returnBuffers client resolves strings', async () => {
    await using client = createClient({ url: redis.url, protocol, returnBuffers: true });
    const k = uniqueKey();
    await client.set(k, 'text');
    isBytes(await client.get(k), 'text');
    isBytes(await client.with({ timeoutMs: 1000 }).get(k), 'text');
    const text: string | null = await client.with({ returnBuffers: false }).get(k);
    assert.equal(text, 'text');
  });

  test("client.multi().exec() resolves the results, never null: the shared connection refuses WATCH", async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey();
    const results: ['OK' | null, number] = await client.multi().set(k, '1').incr(k).exec();
    assert.deepEqual(results, ['OK', 2]);
    assert.throws(() => client.call('WATCH', k), { code: 'ERR_INVALID_ARGUMENT', command: 'WATCH' });
    assert.throws(() => client.multi().call('WATCH', k), { code: 'ERR_INVALID_ARGUMENT', command: 'WATCH' });
  });

  test('a lease transaction after WATCH resolves null when a watched key changed (its type says so)', async () => {
    await using client = redis.client({ protocol });
    await using other = redis.client({ protocol });
    const k = uniqueKey();
    await using lease = await client.acquire();
    await lease.watch(k);
    await other.set(k, 'theirs');
    const results: ['OK' | null] | null = await lease.multi().set(k, 'mine').exec();
    assert.equal(results, null);
    assert.equal(await client.get(k), 'theirs');
  });

  test('watch(): the body giving up resolves null; it is not a conflict', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey();
    await client.set(k, '0');
    let runs = 0;
    const results = await client.watch(
      k,
      async (tx) => {
        runs++;
        if ((await tx.get(k)) === '0') return undefined; // nothing to do: give up
        return tx.multi().incr(k);
      },
      { retries: 3 },
    );
    assert.equal(results, null);
    assert.equal(runs, 1, 'giving up is not retried');
    assert.equal(client.stats().leased, 0);
  });

  test('watch(): retries that run out reject with ERR_WATCH_CONFLICT, after retries + 1 attempts, nothing committed', async () => {
    await using client = redis.client({ protocol });
    await using other = redis.client({ protocol });
    const k = uniqueKey();
    await client.set(k, '0');
    let runs = 0;
    const watching = client.watch(
      k,
      async (tx) => {
        runs++;
        const n = Number(await tx.get(k));
        // Another client writes the watched key between this WATCH and the EXEC, every time.
        await other.incr(k);
        return tx.multi().set(k, String(n + 100));
      },
      { retries: 2 },
    );
    await assert.rejects(watching, (err: unknown) => {
      assert.ok(err instanceof WatchConflictError);
      assert.equal(err.code, 'ERR_WATCH_CONFLICT');
      assert.equal(err.attempts, 3);
      assert.equal(err.command, 'EXEC');
      assert.doesNotMatch(err.message, new RegExp(k));
      return true;
    });
    assert.equal(runs, 3);
    assert.equal(await client.get(k), '3', 'only the other client wrote');
    assert.equal(client.stats().leased, 0);
  });

  test('watch(): a conflict on the first attempt only commits on the retry', async () => {
    await using client = redis.client({ protocol });
    await using other = redis.client({ protocol });
    const k = uniqueKey();
    await client.set(k, '1');
    let runs = 0;
    const results: [number] = await client.watch(
      k,
      async (tx) => {
        runs++;
        await tx.get(k);
        if (runs === 1) await other.incr(k);
        return tx.multi().incr(k);
      },
      { retries: 1 },
    );
    assert.deepEqual(results, [3]);
    assert.equal(runs, 2);
  });
});

// ---- eval()'s fallback as observers see it ------------------------------------------------------

const ended: CommandContext[] = [];
const failed: CommandContext[] = [];
const onEnd = (message: unknown): void => void ended.push(message as CommandContext);
const onError = (message: unknown): void => void failed.push(message as CommandContext);
dc.subscribe('leanredis:command:end', onEnd);
dc.subscribe('tracing:leanredis:command:error', onError);
after(() => {
  dc.unsubscribe('leanredis:command:end', onEnd);
  dc.unsubscribe('tracing:leanredis:command:error', onError);
});

const of = (list: CommandContext[], client: object): CommandContext[] => list.filter((c) => c.client === client);

test("eval() of a script the server does not know: one successful call, the EVALSHA reported as a fallback, not a NOSCRIPT failure", async () => {
  await using client = redis.client();
  // A script no other test sends, so the server cannot know it yet.
  const script = `return '${uniqueKey('fallback')}'`;
  const before = ended.length;
  assert.match(String(await client.eval(script)), /^fallback/);
  const events = of(ended.slice(before), client);
  assert.deepEqual(
    events.map((c) => [c.command, c.fallback, c.error]),
    [
      ['EVALSHA', 'NOSCRIPT', undefined],
      ['EVAL', undefined, undefined],
    ],
  );
  assert.deepEqual(of(failed, client), [], 'no error event');

  // Loaded now: one EVALSHA, no fallback.
  const again = ended.length;
  await client.eval(script);
  assert.deepEqual(of(ended.slice(again), client).map((c) => [c.command, c.fallback]), [['EVALSHA', undefined]]);

  // The same on a lease, and for evalRo.
  await client.call('SCRIPT', 'FLUSH');
  {
    await using lease = await client.acquire();
    const onLease = ended.length;
    await lease.evalRo(script);
    assert.deepEqual(of(ended.slice(onLease), client).map((c) => [c.command, c.fallback, c.error]), [
      ['EVALSHA_RO', 'NOSCRIPT', undefined],
      ['EVAL_RO', undefined, undefined],
    ]);
  }
  assert.deepEqual(of(failed, client), []);
});

test('evalSha() of an unknown script is still a NOSCRIPT failure: nothing falls back', async () => {
  await using client = redis.client();
  const before = ended.length;
  await assert.rejects(client.evalSha('0'.repeat(40)), { code: 'NOSCRIPT', command: 'EVALSHA' });
  const [context] = of(ended.slice(before), client);
  assert.equal(context.command, 'EVALSHA');
  assert.equal(context.fallback, undefined);
  assert.equal((context.error as { code?: string }).code, 'NOSCRIPT');
  assert.equal(of(failed, client).length, 1);
});

test('eval() whose script fails after the fallback reports the EVAL failure, once', async () => {
  await using client = redis.client();
  const before = ended.length;
  await assert.rejects(client.eval(`return redis.error_reply('BOOM from the script') -- ${uniqueKey()}`), { code: 'BOOM', command: 'EVAL' });
  const events = of(ended.slice(before), client).map((c) => [c.command, c.fallback, c.error === undefined ? 'ok' : 'failed']);
  assert.deepEqual(events, [
    ['EVALSHA', 'NOSCRIPT', 'ok'],
    ['EVAL', undefined, 'failed'],
  ]);
  assert.equal(of(failed, client).length, 1);
  assert.equal(of(failed, client)[0].command, 'EVAL');
});
