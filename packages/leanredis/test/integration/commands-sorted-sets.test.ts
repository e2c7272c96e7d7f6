import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useRedisServer, forEachProtocol, uniqueKey } from '../helpers/setup.ts';
import { createClient, ReplyError, type Client, type ScoredMember } from '../../src/index.ts';

const redis = useRedisServer();

/** Short enough to keep the suite fast, long enough to be a real wait on the server. (s) */
const SHORT_TIMEOUT = 0.1;

const scored = (...pairs: [string, number][]): ScoredMember[] => pairs.map(([member, score]) => ({ member, score }));

/** A sorted set a:1 b:2 c:3 d:4 e:5. */
async function abcde(client: Client): Promise<string> {
  const k = uniqueKey('z');
  await client.zAdd(k, scored(['a', 1], ['b', 2], ['c', 3], ['d', 4], ['e', 5]));
  return k;
}

forEachProtocol((protocol) => {
  test('zAdd adds one or many members and honours NX, XX, GT, LT and CH', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey('z');
    assert.equal(await client.zAdd(k, { member: 'a', score: 1 }), 1);
    assert.equal(await client.zAdd(k, scored(['a', 5], ['b', 2], ['c', 3])), 2);
    assert.equal(await client.zScore(k, 'a'), 5);
    assert.equal(await client.zAdd(k, scored(['a', 9], ['d', 4]), { condition: 'NX' }), 1);
    assert.equal(await client.zScore(k, 'a'), 5);
    assert.equal(await client.zAdd(k, scored(['a', 6], ['e', 1]), { condition: 'XX', changed: true }), 1);
    assert.equal(await client.zScore(k, 'e'), null);
    assert.equal(await client.zAdd(k, scored(['a', 1], ['b', 7]), { comparison: 'GT', changed: true }), 1);
    assert.deepEqual(await client.zmScore(k, ['a', 'b']), [6, 7]);
    assert.equal(await client.zAdd(k, scored(['a', 2]), { condition: 'XX', comparison: 'LT', changed: true }), 1);
    assert.equal(await client.zScore(k, 'a'), 2);
    assert.equal(await client.zCard(k), 4);
  });

  test('zAddIncr and zIncrBy return the new score; zAddIncr is null when a condition blocks it', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey('z');
    assert.equal(await client.zAddIncr(k, { member: 'm', score: 1.5 }), 1.5);
    assert.equal(await client.zAddIncr(k, { member: 'm', score: 2 }), 3.5);
    assert.equal(await client.zAddIncr(k, { member: 'm', score: 1 }, { condition: 'NX' }), null);
    assert.equal(await client.zAddIncr(k, { member: 'new', score: 1 }, { condition: 'XX' }), null);
    assert.equal(await client.zAddIncr(k, { member: 'm', score: -1 }, { comparison: 'GT' }), null);
    assert.equal(await client.zIncrBy(k, 0.25, 'm'), 3.75);
    assert.equal(await client.zIncrBy(k, -10, 'other'), -10);
  });

  test('scores of ±Infinity round-trip as numbers', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey('z');
    await client.zAdd(k, scored(['low', -Infinity], ['high', Infinity], ['mid', 0.1]));
    assert.equal(await client.zScore(k, 'high'), Infinity);
    assert.deepEqual(await client.zmScore(k, ['low', 'mid', 'none']), [-Infinity, 0.1, null]);
    assert.deepEqual(await client.zRangeWithScores(k, 0, -1), scored(['low', -Infinity], ['mid', 0.1], ['high', Infinity]));
    assert.equal(await client.zCount(k, -Infinity, Infinity), 3);
    assert.equal(await client.zCount(k, '(-inf', '(+inf'), 1);
  });

  test('zRem, zScore, zmScore, zRank, zRevRank, zCard, zCount and zLexCount', async () => {
    await using client = redis.client({ protocol });
    const k = await abcde(client);
    assert.equal(await client.zRank(k, 'a'), 0);
    assert.equal(await client.zRevRank(k, 'a'), 4);
    assert.equal(await client.zRank(k, 'zz'), null);
    assert.equal(await client.zRevRank(k, 'zz'), null);
    assert.equal(await client.zCount(k, 2, 4), 3);
    assert.equal(await client.zCount(k, '(2', 4), 2);
    assert.equal(await client.zCount(k, '-inf', '(3'), 2);
    assert.equal(await client.zRem(k, ['a', 'zz']), 1);
    assert.equal(await client.zRem(k, 'b'), 1);
    assert.equal(await client.zCard(k), 3);
    const lex = uniqueKey('z');
    await client.zAdd(lex, scored(['apple', 0], ['banana', 0], ['cherry', 0]));
    assert.equal(await client.zLexCount(lex, '-', '+'), 3);
    assert.equal(await client.zLexCount(lex, '[b', '(cherry'), 1);
    const missing = uniqueKey();
    assert.equal(await client.zScore(missing, 'a'), null);
    assert.deepEqual(await client.zmScore(missing, ['a', 'b']), [null, null]);
    assert.equal(await client.zRank(missing, 'a'), null);
    assert.equal(await client.zCard(missing), 0);
    assert.equal(await client.zCount(missing, '-inf', '+inf'), 0);
    assert.equal(await client.zRem(missing, 'a'), 0);
  });

  test('zRange reads by rank, score and lex, reversed and limited', async () => {
    await using client = redis.client({ protocol });
    const k = await abcde(client);
    assert.deepEqual(await client.zRange(k, 0, -1), ['a', 'b', 'c', 'd', 'e']);
    assert.deepEqual(await client.zRange(k, 0, 1, { reverse: true }), ['e', 'd']);
    assert.deepEqual(await client.zRange(k, 2, '(4', { by: 'SCORE' }), ['b', 'c']);
    assert.deepEqual(await client.zRange(k, '+inf', 3, { by: 'SCORE', reverse: true }), ['e', 'd', 'c']);
    assert.deepEqual(await client.zRange(k, '-inf', '+inf', { by: 'SCORE', limit: { offset: 1, count: 2 } }), ['b', 'c']);
    assert.deepEqual(await client.zRange(k, '[b', '(d', { by: 'LEX' }), ['b', 'c']);
    assert.deepEqual(await client.zRange(k, '+', '-', { by: 'LEX', reverse: true, limit: { offset: 0, count: 2 } }), ['e', 'd']);
    assert.deepEqual(await client.zRange(k, 10, 20), []);
    assert.deepEqual(await client.zRange(uniqueKey(), 0, -1), []);
    assert.deepEqual(await client.zRangeWithScores(k, 0, 1), scored(['a', 1], ['b', 2]));
    assert.deepEqual(await client.zRangeWithScores(k, 4, 3, { by: 'SCORE', reverse: true }), scored(['d', 4], ['c', 3]));
    assert.deepEqual(await client.zRangeWithScores(k, '-inf', '+inf', { by: 'SCORE', limit: { offset: 4, count: 10 } }), scored(['e', 5]));
    assert.deepEqual(await client.zRangeWithScores(uniqueKey(), 0, -1), []);
    const dst = uniqueKey('z');
    assert.equal(await client.zRangeStore(dst, k, 1, 3, { by: 'SCORE' }), 3);
    assert.deepEqual(await client.zRangeWithScores(dst, 0, -1), scored(['a', 1], ['b', 2], ['c', 3]));
    assert.equal(await client.zRangeStore(dst, k, 0, 0, { reverse: true }), 1);
    assert.deepEqual(await client.zRange(dst, 0, -1), ['e']);
  });

  test('zRemRangeByRank, zRemRangeByScore and zRemRangeByLex', async () => {
    await using client = redis.client({ protocol });
    const k = await abcde(client);
    assert.equal(await client.zRemRangeByRank(k, 0, 0), 1);
    assert.equal(await client.zRemRangeByScore(k, '(2', 3), 1);
    assert.deepEqual(await client.zRange(k, 0, -1), ['b', 'd', 'e']);
    const lex = uniqueKey('z');
    await client.zAdd(lex, scored(['a', 0], ['b', 0], ['c', 0]));
    assert.equal(await client.zRemRangeByLex(lex, '[a', '[b'), 2);
    assert.deepEqual(await client.zRange(lex, 0, -1), ['c']);
    assert.equal(await client.zRemRangeByRank(uniqueKey(), 0, -1), 0);
  });

  test('zPopMin and zPopMax, single and counted; null or empty for a missing key', async () => {
    await using client = redis.client({ protocol });
    const k = await abcde(client);
    assert.deepEqual(await client.zPopMin(k), { member: 'a', score: 1 });
    assert.deepEqual(await client.zPopMax(k), { member: 'e', score: 5 });
    assert.deepEqual(await client.zPopMinCount(k, 1), scored(['b', 2]));
    assert.deepEqual(await client.zPopMaxCount(k, 5), scored(['d', 4], ['c', 3]));
    assert.equal(await client.zPopMin(k), null);
    assert.equal(await client.zPopMax(k), null);
    assert.deepEqual(await client.zPopMinCount(k, 2), []);
    assert.deepEqual(await client.zPopMaxCount(k, 2), []);
  });

  test('zRandMember, zRandMemberCount and zRandMemberWithScores', async () => {
    await using client = redis.client({ protocol });
    const k = await abcde(client);
    const one = await client.zRandMember(k);
    assert.ok(one !== null && 'abcde'.includes(one));
    assert.deepEqual([...(await client.zRandMemberCount(k, 10))].sort(), ['a', 'b', 'c', 'd', 'e']);
    assert.equal((await client.zRandMemberCount(k, -7)).length, 7);
    const withScores = await client.zRandMemberWithScores(k, 5);
    assert.deepEqual([...withScores].sort((x, y) => x.score - y.score), scored(['a', 1], ['b', 2], ['c', 3], ['d', 4], ['e', 5]));
    const repeated = await client.zRandMemberWithScores(k, -3);
    assert.equal(repeated.length, 3);
    for (const { member, score } of repeated) assert.equal(score, 'abcde'.indexOf(member) + 1);
    const missing = uniqueKey();
    assert.equal(await client.zRandMember(missing), null);
    assert.deepEqual(await client.zRandMemberCount(missing, 2), []);
    assert.deepEqual(await client.zRandMemberWithScores(missing, 2), []);
  });

  test('zUnion, zInter and zDiff, with scores, weights, aggregate and STORE forms', async () => {
    await using client = redis.client({ protocol });
    const [a, b, dst] = [uniqueKey('z'), uniqueKey('z'), uniqueKey('z')];
    await client.zAdd(a, scored(['x', 1], ['y', 2], ['z', 3]));
    await client.zAdd(b, scored(['y', 10], ['z', 20], ['w', 30]));
    assert.deepEqual(await client.zUnion([a, b]), ['x', 'y', 'z', 'w']);
    assert.deepEqual(await client.zUnionWithScores([a, b]), scored(['x', 1], ['y', 12], ['z', 23], ['w', 30]));
    assert.deepEqual(await client.zUnionWithScores([a, b], { weights: [2, 0.5], aggregate: 'MAX' }), scored(['x', 2], ['y', 5], ['z', 10], ['w', 15]));
    assert.deepEqual(await client.zInter([a, b]), ['y', 'z']);
    assert.deepEqual(await client.zInterWithScores([a, b], { aggregate: 'MIN' }), scored(['y', 2], ['z', 3]));
    assert.deepEqual(await client.zInterWithScores(a), scored(['x', 1], ['y', 2], ['z', 3]));
    assert.deepEqual(await client.zDiff([a, b]), ['x']);
    assert.deepEqual(await client.zDiffWithScores([b, a]), scored(['w', 30]));
    assert.deepEqual(await client.zDiff([uniqueKey(), a]), []);
    assert.equal(await client.zInterCard([a, b]), 2);
    assert.equal(await client.zInterCard([a, b], { limit: 1 }), 1);
    assert.equal(await client.zUnionStore(dst, [a, b], { weights: [1, 1], aggregate: 'SUM' }), 4);
    assert.equal(await client.zScore(dst, 'z'), 23);
    assert.equal(await client.zInterStore(dst, [a, b], { weights: [3, 1] }), 2);
    assert.deepEqual(await client.zRangeWithScores(dst, 0, -1), scored(['y', 16], ['z', 29]));
    assert.equal(await client.zDiffStore(dst, [a, b]), 1);
    assert.deepEqual(await client.zRangeWithScores(dst, 0, -1), scored(['x', 1]));
    assert.equal(await client.zInterStore(dst, [a, uniqueKey()]), 0);
    assert.equal(await client.exists(dst), 0);
  });

  test('zmPop pops from the first non-empty set; null when all are empty', async () => {
    await using client = redis.client({ protocol });
    const k = await abcde(client);
    const missing = uniqueKey();
    assert.deepEqual(await client.zmPop([missing, k], 'MIN'), { key: k, members: scored(['a', 1]) });
    assert.deepEqual(await client.zmPop(k, 'MAX', { count: 2 }), { key: k, members: scored(['e', 5], ['d', 4]) });
    assert.deepEqual(await client.zmPop(k, 'MIN', { count: 10 }), { key: k, members: scored(['b', 2], ['c', 3]) });
    assert.equal(await client.zmPop([missing, k], 'MIN'), null);
  });

  test('blocking pops return at once when data is present', async () => {
    await using client = redis.client({ protocol });
    const k = await abcde(client);
    const missing = uniqueKey();
    assert.deepEqual(await client.bzPopMin([missing, k], 1), { key: k, member: 'a', score: 1 });
    assert.deepEqual(await client.bzPopMax(k, 1), { key: k, member: 'e', score: 5 });
    assert.deepEqual(await client.bzmPop(1, [missing, k], 'MIN', { count: 2 }), { key: k, members: scored(['b', 2], ['c', 3]) });
    assert.deepEqual(await client.bzmPop(0.5, k, 'MAX'), { key: k, members: scored(['d', 4]) });
  });

  test('blocking pops resolve null after a short timeout on empty sets', async () => {
    await using client = redis.client({ protocol });
    const [a, b] = [uniqueKey('z'), uniqueKey('z')];
    const started = performance.now();
    assert.equal(await client.bzPopMin([a, b], SHORT_TIMEOUT), null);
    assert.ok(performance.now() - started >= 90, 'the server waited for the timeout');
    assert.equal(await client.bzPopMax(a, SHORT_TIMEOUT), null);
    assert.equal(await client.bzmPop(SHORT_TIMEOUT, [a, b], 'MAX', { count: 3 }), null);
  });

  test('zScan and zScanIterator walk every member with its score', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey('z');
    await client.zAdd(k, Array.from({ length: 200 }, (_, i) => ({ member: `m${i}`, score: i / 2 })));
    const step = await client.zScan(k, 0, { count: 5 });
    assert.equal(typeof step.cursor, 'string');
    let total = 0;
    for await (const { member, score } of client.zScanIterator(k)) {
      assert.equal(score, Number(member.slice(1)) / 2);
      total++;
    }
    assert.equal(total, 200);
  });

  test('bad arguments (ERR_INVALID_ARGUMENT) and options (ERR_INVALID_OPTION) throw synchronously', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey();
    const invalid = { code: 'ERR_INVALID_ARGUMENT' };
    const invalidOption = { code: 'ERR_INVALID_OPTION' };
    assert.throws(() => client.zAdd(k, []), { ...invalid, message: /zAdd/ });
    assert.throws(() => client.zAdd(k, scored(['a', 1]), { condition: 'NX', comparison: 'GT' }), invalid);
    assert.throws(() => client.zAddIncr(k, { member: 'a', score: 1 }, { condition: 'NX', comparison: 'LT' }), invalid);
    assert.throws(() => client.zRem(k, []), invalid);
    assert.throws(() => client.zmScore(k, []), invalid);
    assert.throws(() => client.zRange(k, 0, 1, { limit: { offset: 0, count: 1 } }), { ...invalidOption, message: /zRange/ });
    // A JavaScript caller can pass what the types forbid.
    assert.throws(() => client.zRangeWithScores(k, '-', '+', { by: 'LEX' as 'SCORE' }), invalidOption);
    assert.throws(() => client.zUnion([k, k], { weights: [1] }), invalidOption);
    assert.throws(() => client.zInterStore(k, []), invalid);
    assert.throws(() => client.zDiff([]), invalid);
    assert.throws(() => client.zmPop([], 'MIN'), invalid);
    assert.throws(() => client.bzPopMin(k, -0.5), invalid);
    assert.throws(() => client.bzmPop(Infinity, k, 'MIN'), invalid);
  });

  test('sorted set commands on a non-zset key reject with WRONGTYPE', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey();
    await client.set(k, 'string');
    for (const p of [
      client.zAdd(k, { member: 'a', score: 1 }),
      client.zScore(k, 'a'),
      client.zRangeWithScores(k, 0, -1),
      client.zPopMin(k),
      client.zUnion([k]),
      client.zmPop(k, 'MIN'),
      client.bzPopMin(k, SHORT_TIMEOUT),
    ]) {
      await assert.rejects(p, (err: unknown) => err instanceof ReplyError && err.code === 'WRONGTYPE');
    }
  });

  test('a pipeline of sorted set commands resolves a typed tuple', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey('z');
    const results: [number, number | null, ScoredMember[], ScoredMember | null, (number | null)[]] = await client
      .pipeline()
      .zAdd(k, scored(['a', 1], ['b', 2.5]))
      .zScore(k, 'b')
      .zRangeWithScores(k, 0, -1)
      .zPopMin(k)
      .zmScore(k, ['a', 'b'])
      .exec();
    assert.deepEqual(results, [2, 2.5, scored(['a', 1], ['b', 2.5]), { member: 'a', score: 1 }, [null, 2.5]]);
  });

  test('a transaction applies the same transforms to EXEC replies', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey('z');
    const results = await client.multi().zAdd(k, scored(['a', 1], ['b', 2])).zIncrBy(k, 0.5, 'a').zPopMaxCount(k, 2).zmPop(k, 'MIN').exec();
    assert.deepEqual(results, [2, 1.5, scored(['b', 2], ['a', 1.5]), null]);
  });

  test('a returnBuffers client reads members as Buffers and scores as numbers', async () => {
    await using client = createClient({ url: redis.url, protocol, returnBuffers: true });
    const k = uniqueKey('z');
    const bytes = Buffer.from([0xfe, 0xff]);
    await client.zAdd(k, [{ member: bytes, score: 1.25 }, { member: 'b', score: 2 }]);
    const [first] = await client.zRangeWithScores(k, 0, -1);
    assert.ok(Buffer.isBuffer(first.member) && first.member.equals(bytes));
    assert.equal(first.score, 1.25);
    assert.equal(await client.zScore(k, 'b'), 2);
    const popped = await client.bzPopMax(k, 1);
    assert.ok(popped !== null && Buffer.isBuffer(popped.key) && Buffer.isBuffer(popped.member));
    assert.equal(popped.score, 2);
    const range = await client.zRange(k, 0, -1);
    assert.ok(Buffer.isBuffer(range[0]));
  });
});

test('RESP2 and RESP3 clients get identical typed results from sorted set commands', async () => {
  await using resp2 = redis.client({ protocol: 2 });
  await using resp3 = redis.client({ protocol: 3 });
  const run = async (c: Client) => {
    const k = await abcde(c);
    const other = uniqueKey('z');
    await c.zAdd(other, scored(['c', 0.5], ['q', Infinity]));
    return JSON.stringify([
      await c.zRangeWithScores(k, 0, -1, { by: 'SCORE', limit: { offset: 1, count: 3 } }),
      await c.zUnionWithScores([k, other], { weights: [1, 2] }),
      await c.zInterWithScores([k, other]),
      await c.zDiffWithScores([other, k]),
      await c.zmScore(k, ['a', 'zz']),
      await c.zIncrBy(k, 0.1, 'a'),
      await c.zPopMin(k),
      await c.zPopMaxCount(k, 2),
      await c.zmPop(k, 'MIN', { count: 2 }),
      await c.bzPopMin(other, 1),
      await c.zAddIncr(other, { member: 'q', score: 1 }),
    ]).replaceAll(k, 'K').replaceAll(other, 'O');
  };
  assert.equal(await run(resp2), await run(resp3));
});
