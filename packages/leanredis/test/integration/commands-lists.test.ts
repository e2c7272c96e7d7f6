import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useRedisServer, forEachProtocol, uniqueKey } from '../helpers/setup.ts';
import { createClient, ReplyError } from '../../src/index.ts';

const redis = useRedisServer();

/** Short enough to keep the suite fast, long enough to be a real wait on the server. (s) */
const SHORT_TIMEOUT = 0.1;

forEachProtocol((protocol) => {
  test('lPush, rPush, lPushX and rPushX return the new length', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey('l');
    assert.equal(await client.lPush(k, ['b', 'a']), 2);
    assert.equal(await client.rPush(k, 'c'), 3);
    assert.equal(await client.rPush(k, [4, Buffer.from('5')]), 5);
    assert.equal(await client.lPushX(k, 'z'), 6);
    assert.equal(await client.rPushX(k, ['y', 'x']), 8);
    assert.deepEqual(await client.lRange(k, 0, -1), ['z', 'a', 'b', 'c', '4', '5', 'y', 'x']);
    const missing = uniqueKey();
    assert.equal(await client.lPushX(missing, 'a'), 0);
    assert.equal(await client.rPushX(missing, 'a'), 0);
    assert.equal(await client.exists(missing), 0);
  });

  test('lPop, rPop and their count forms; null for a missing key', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey('l');
    await client.rPush(k, ['a', 'b', 'c', 'd', 'e']);
    assert.equal(await client.lPop(k), 'a');
    assert.equal(await client.rPop(k), 'e');
    assert.deepEqual(await client.lPopCount(k, 2), ['b', 'c']);
    assert.deepEqual(await client.rPopCount(k, 5), ['d']);
    assert.equal(await client.exists(k), 0);
    assert.equal(await client.lPop(k), null);
    assert.equal(await client.rPop(k), null);
    assert.equal(await client.lPopCount(k, 2), null);
    assert.equal(await client.rPopCount(k, 2), null);
  });

  test('lRange, lLen, lIndex, lSet, lRem, lTrim and lInsert', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey('l');
    await client.rPush(k, ['a', 'x', 'b', 'x', 'c', 'x']);
    assert.equal(await client.lLen(k), 6);
    assert.deepEqual(await client.lRange(k, 1, 2), ['x', 'b']);
    assert.deepEqual(await client.lRange(k, -2, -1), ['c', 'x']);
    assert.deepEqual(await client.lRange(k, 10, 20), []);
    assert.equal(await client.lIndex(k, 0), 'a');
    assert.equal(await client.lIndex(k, -2), 'c');
    assert.equal(await client.lIndex(k, 99), null);
    assert.equal(await client.lSet(k, 0, 'A'), 'OK');
    await assert.rejects(client.lSet(k, 99, 'nope'), { code: 'ERR', command: 'LSET' });
    assert.equal(await client.lRem(k, -1, 'x'), 1);
    assert.deepEqual(await client.lRange(k, 0, -1), ['A', 'x', 'b', 'x', 'c']);
    assert.equal(await client.lRem(k, 0, 'x'), 2);
    assert.equal(await client.lRem(k, 0, 'absent'), 0);
    assert.equal(await client.lInsert(k, 'BEFORE', 'b', 'before-b'), 4);
    assert.equal(await client.lInsert(k, 'AFTER', 'b', 'after-b'), 5);
    assert.equal(await client.lInsert(k, 'AFTER', 'absent', 'q'), -1);
    assert.deepEqual(await client.lRange(k, 0, -1), ['A', 'before-b', 'b', 'after-b', 'c']);
    assert.equal(await client.lTrim(k, 1, 3), 'OK');
    assert.deepEqual(await client.lRange(k, 0, -1), ['before-b', 'b', 'after-b']);
    const missing = uniqueKey();
    assert.equal(await client.lLen(missing), 0);
    assert.deepEqual(await client.lRange(missing, 0, -1), []);
    assert.equal(await client.lIndex(missing, 0), null);
    assert.equal(await client.lInsert(missing, 'BEFORE', 'a', 'b'), 0);
    assert.equal(await client.lTrim(missing, 0, 1), 'OK');
    await assert.rejects(client.lSet(missing, 0, 'a'), { code: 'ERR' });
  });

  test('lPos and lPosCount honour RANK, MAXLEN and COUNT', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey('l');
    await client.rPush(k, ['a', 'b', 'c', 'b', 'd', 'b']);
    assert.equal(await client.lPos(k, 'b'), 1);
    assert.equal(await client.lPos(k, 'b', { rank: 2 }), 3);
    assert.equal(await client.lPos(k, 'b', { rank: -1 }), 5);
    assert.equal(await client.lPos(k, 'd', { maxLen: 3 }), null);
    assert.equal(await client.lPos(k, 'zz'), null);
    assert.deepEqual(await client.lPosCount(k, 'b', 0), [1, 3, 5]);
    assert.deepEqual(await client.lPosCount(k, 'b', 2), [1, 3]);
    assert.deepEqual(await client.lPosCount(k, 'b', 0, { rank: -1 }), [5, 3, 1]);
    assert.deepEqual(await client.lPosCount(k, 'b', 0, { maxLen: 4 }), [1, 3]);
    assert.deepEqual(await client.lPosCount(k, 'zz', 0), []);
    assert.equal(await client.lPos(uniqueKey(), 'a'), null);
    assert.deepEqual(await client.lPosCount(uniqueKey(), 'a', 0), []);
  });

  test('lMove, rPopLPush and lmPop move elements between lists', async () => {
    await using client = redis.client({ protocol });
    const [src, dst] = [uniqueKey('l'), uniqueKey('l')];
    await client.rPush(src, ['a', 'b', 'c', 'd']);
    assert.equal(await client.lMove(src, dst, 'LEFT', 'RIGHT'), 'a');
    assert.equal(await client.lMove(src, dst, 'RIGHT', 'LEFT'), 'd');
    assert.equal(await client.rPopLPush(src, dst), 'c');
    assert.deepEqual(await client.lRange(dst, 0, -1), ['c', 'd', 'a']);
    assert.deepEqual(await client.lRange(src, 0, -1), ['b']);
    const missing = uniqueKey();
    assert.equal(await client.lMove(missing, dst, 'LEFT', 'LEFT'), null);
    assert.equal(await client.rPopLPush(missing, dst), null);

    assert.deepEqual(await client.lmPop([missing, dst], 'LEFT', { count: 2 }), { key: dst, elements: ['c', 'd'] });
    assert.deepEqual(await client.lmPop([src, dst], 'RIGHT'), { key: src, elements: ['b'] });
    assert.deepEqual(await client.lmPop(dst, 'RIGHT', { count: 10 }), { key: dst, elements: ['a'] });
    assert.equal(await client.lmPop([missing, src, dst], 'LEFT'), null);
  });

  test('blocking pops return at once when data is present', async () => {
    await using client = redis.client({ protocol });
    const [a, b, dst] = [uniqueKey('l'), uniqueKey('l'), uniqueKey('l')];
    await client.rPush(b, ['1', '2', '3', '4', '5', '6', '7']);
    assert.deepEqual(await client.blPop([a, b], 1), { key: b, element: '1' });
    assert.deepEqual(await client.brPop(b, 1), { key: b, element: '7' });
    assert.equal(await client.blMove(b, dst, 'LEFT', 'RIGHT', 1), '2');
    assert.equal(await client.brPopLPush(b, dst, 1), '6');
    assert.deepEqual(await client.blmPop(1, [a, b], 'LEFT', { count: 2 }), { key: b, elements: ['3', '4'] });
    assert.deepEqual(await client.blmPop(0.5, b, 'RIGHT'), { key: b, elements: ['5'] });
    assert.deepEqual(await client.lRange(dst, 0, -1), ['6', '2']);
  });

  test('blocking pops resolve null after a short timeout on empty lists', async () => {
    await using client = redis.client({ protocol });
    const [a, b] = [uniqueKey('l'), uniqueKey('l')];
    const started = performance.now();
    assert.equal(await client.blPop([a, b], SHORT_TIMEOUT), null);
    assert.ok(performance.now() - started >= 90, 'the server waited for the timeout');
    assert.equal(await client.brPop(a, SHORT_TIMEOUT), null);
    assert.equal(await client.blMove(a, b, 'LEFT', 'LEFT', SHORT_TIMEOUT), null);
    assert.equal(await client.brPopLPush(a, b, SHORT_TIMEOUT), null);
    assert.equal(await client.blmPop(SHORT_TIMEOUT, [a, b], 'LEFT'), null);
  });

  test('invalid blocking timeouts and empty lists throw ERR_INVALID_ARGUMENT synchronously', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey();
    assert.throws(() => client.blPop(k, -1), { code: 'ERR_INVALID_ARGUMENT', message: /blPop/ });
    assert.throws(() => client.brPop(k, Infinity), { code: 'ERR_INVALID_ARGUMENT' });
    assert.throws(() => client.blmPop(Number.NaN, k, 'LEFT'), { code: 'ERR_INVALID_ARGUMENT' });
    assert.throws(() => client.blPop([], 1), { code: 'ERR_INVALID_ARGUMENT' });
    assert.throws(() => client.lPush(k, []), { code: 'ERR_INVALID_ARGUMENT', message: /lPush/ });
    assert.throws(() => client.rPushX(k, []), { code: 'ERR_INVALID_ARGUMENT' });
    assert.throws(() => client.lmPop([], 'LEFT'), { code: 'ERR_INVALID_ARGUMENT' });
  });

  test('list commands on a non-list key reject with WRONGTYPE', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey();
    await client.set(k, 'string');
    for (const p of [client.lPush(k, 'a'), client.lRange(k, 0, -1), client.lPopCount(k, 1), client.lmPop(k, 'LEFT'), client.blPop(k, SHORT_TIMEOUT)]) {
      await assert.rejects(p, (err: unknown) => err instanceof ReplyError && err.code === 'WRONGTYPE');
    }
  });

  test('a pipeline of list commands resolves a typed tuple', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey('l');
    const results: [number, string[] | null, string[], number | null, { key: string; elements: string[] } | null] = await client
      .pipeline()
      .rPush(k, ['a', 'b', 'c', 'd'])
      .lPopCount(k, 2)
      .lRange(k, 0, -1)
      .lPos(k, 'd')
      .lmPop(k, 'RIGHT')
      .exec();
    assert.deepEqual(results, [4, ['a', 'b'], ['c', 'd'], 1, { key: k, elements: ['d'] }]);
  });

  test('a returnBuffers client reads elements and keys as Buffers', async () => {
    await using client = createClient({ url: redis.url, protocol, returnBuffers: true });
    const k = uniqueKey('l');
    const bytes = Buffer.from([0xc3, 0x28]); // invalid UTF-8: must survive untouched
    await client.rPush(k, [bytes, 'b', 'c']);
    const [first] = await client.lRange(k, 0, 0);
    assert.ok(Buffer.isBuffer(first) && first.equals(bytes));
    const popped = await client.blPop(k, 1);
    assert.ok(popped !== null && Buffer.isBuffer(popped.key) && Buffer.isBuffer(popped.element));
    assert.equal(popped.key.toString(), k);
    assert.ok(popped.element.equals(bytes));
    const many = await client.lmPop(k, 'LEFT', { count: 2 });
    assert.ok(many !== null && Buffer.isBuffer(many.key));
    assert.deepEqual(many.elements, [Buffer.from('b'), Buffer.from('c')]);
  });
});

test('RESP2 and RESP3 clients get identical typed results from list commands', async () => {
  await using resp2 = redis.client({ protocol: 2 });
  await using resp3 = redis.client({ protocol: 3 });
  const run = async (c: typeof resp2) => {
    const k = uniqueKey('l');
    await c.rPush(k, ['a', 'b', 'a', 'c', 'd', 'e']);
    return [
      await c.lRange(k, 0, -1),
      await c.lPosCount(k, 'a', 0),
      await c.lPopCount(k, 2),
      await c.lmPop(k, 'RIGHT', { count: 2 }),
      await c.blPop(k, 1),
      await c.blPop(uniqueKey(), SHORT_TIMEOUT),
      await c.lPopCount(uniqueKey(), 1),
    ].map((v) => (v !== null && typeof v === 'object' && 'key' in v ? { ...v, key: 'k' } : v));
  };
  assert.deepEqual(await run(resp2), await run(resp3));
});
