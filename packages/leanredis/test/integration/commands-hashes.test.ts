import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useRedisServer, forEachProtocol, uniqueKey } from '../helpers/setup.ts';
import { createClient, ReplyError } from '../../src/index.ts';

const redis = useRedisServer();

/** A plain-object copy, so deepEqual does not trip over the prototype-free record. */
const plain = <T extends object>(o: T): T => ({ ...o });

forEachProtocol((protocol) => {
  test('hSet writes a record or pairs and reports only added fields; hGet and hMGet read them', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey('h');
    assert.equal(await client.hSet(k, { a: '1', b: 2 }), 2);
    assert.equal(await client.hSet(k, [['b', 'two'], ['c', Buffer.from('3')]]), 1);
    assert.equal(await client.hGet(k, 'a'), '1');
    assert.equal(await client.hGet(k, 'b'), 'two');
    assert.equal(await client.hGet(k, 'nope'), null);
    assert.equal(await client.hGet(uniqueKey(), 'a'), null);
    assert.deepEqual(await client.hMGet(k, ['a', 'nope', 'c']), ['1', null, '3']);
    assert.deepEqual(await client.hMGet(k, 'a'), ['1']);
    assert.deepEqual(await client.hMGet(uniqueKey(), ['a', 'b']), [null, null]);
  });

  test('hGetAll returns a prototype-free record, empty for a missing key', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey('h');
    await client.hSet(k, [['f', 'v'], ['__proto__', 'p'], ['n', 1]]);
    const all = await client.hGetAll(k);
    assert.equal(Object.getPrototypeOf(all), null);
    assert.deepEqual(Object.keys(all).sort(), ['__proto__', 'f', 'n']);
    assert.equal(all.f, 'v');
    assert.equal(all['__proto__'], 'p');
    assert.equal(all.n, '1');
    assert.deepEqual(plain(await client.hGetAll(uniqueKey())), {});
  });

  test('hDel, hExists, hLen, hKeys, hVals and hStrLen', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey('h');
    await client.hSet(k, { a: 'x', b: 'yy', c: 'zzz', d: '' });
    assert.equal(await client.hLen(k), 4);
    assert.deepEqual((await client.hKeys(k)).sort(), ['a', 'b', 'c', 'd']);
    assert.deepEqual((await client.hVals(k)).sort(), ['', 'x', 'yy', 'zzz']);
    assert.equal(await client.hStrLen(k, 'c'), 3);
    assert.equal(await client.hStrLen(k, 'nope'), 0);
    assert.equal(await client.hExists(k, 'a'), true);
    assert.equal(await client.hExists(k, 'nope'), false);
    assert.equal(await client.hDel(k, 'a'), 1);
    assert.equal(await client.hDel(k, ['a', 'b', 'c', 'nope']), 2);
    assert.equal(await client.hExists(k, 'a'), false);
    assert.equal(await client.hLen(k), 1);
    assert.equal(await client.hDel(k, 'd'), 1);
    // Deleting the last field deletes the key.
    assert.equal(await client.exists(k), 0);
    const missing = uniqueKey();
    assert.equal(await client.hLen(missing), 0);
    assert.deepEqual(await client.hKeys(missing), []);
    assert.deepEqual(await client.hVals(missing), []);
    assert.equal(await client.hDel(missing, 'a'), 0);
  });

  test('hSetNX sets only new fields', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey('h');
    assert.equal(await client.hSetNX(k, 'f', 'v1'), true);
    assert.equal(await client.hSetNX(k, 'f', 'v2'), false);
    assert.equal(await client.hGet(k, 'f'), 'v1');
  });

  test('hIncrBy and hIncrByFloat return numbers', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey('h');
    assert.equal(await client.hIncrBy(k, 'n', 5), 5);
    assert.equal(await client.hIncrBy(k, 'n', -7), -2);
    assert.equal(await client.hIncrByFloat(k, 'f', 10.5), 10.5);
    assert.equal(await client.hIncrByFloat(k, 'f', 0.1), 10.6);
    assert.equal(await client.hIncrByFloat(k, 'n', 1), -1);
    await client.hSet(k, { s: 'text' });
    await assert.rejects(client.hIncrBy(k, 's', 1), { code: 'ERR', command: 'HINCRBY' });
  });

  test('hRandField, hRandFieldCount and hRandFieldWithValues', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey('h');
    const entries = { a: '1', b: '2', c: '3' };
    await client.hSet(k, entries);
    const one = await client.hRandField(k);
    assert.ok(one !== null && one in entries);
    const distinct = await client.hRandFieldCount(k, 10);
    assert.deepEqual([...distinct].sort(), ['a', 'b', 'c']);
    const repeated = await client.hRandFieldCount(k, -5);
    assert.equal(repeated.length, 5);
    const pairs = await client.hRandFieldWithValues(k, 3);
    assert.deepEqual([...pairs].sort(), [['a', '1'], ['b', '2'], ['c', '3']]);
    const repeatedPairs = await client.hRandFieldWithValues(k, -4);
    assert.equal(repeatedPairs.length, 4);
    for (const [f, v] of repeatedPairs) assert.equal(entries[f as keyof typeof entries], v);
    const missing = uniqueKey();
    assert.equal(await client.hRandField(missing), null);
    assert.deepEqual(await client.hRandFieldCount(missing, 2), []);
    assert.deepEqual(await client.hRandFieldWithValues(missing, 2), []);
  });

  test('hScan and hScanIterator walk every field', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey('h');
    const record: Record<string, string> = {};
    for (let i = 0; i < 300; i++) record[`f${i}`] = `v${i}`;
    await client.hSet(k, record);
    const step = await client.hScan(k, 0, { count: 10 });
    assert.equal(typeof step.cursor, 'string');
    assert.ok(step.entries.length > 0);
    const seen: Record<string, string> = {};
    for await (const [f, v] of client.hScanIterator(k, { match: 'f1*' })) seen[f] = v;
    assert.equal(Object.keys(seen).length, 111); // f1, f10-f19, f100-f199
    assert.equal(seen.f150, 'v150');
  });

  test('hash commands on a non-hash key reject with WRONGTYPE', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey();
    await client.set(k, 'string');
    for (const p of [client.hGet(k, 'f'), client.hGetAll(k), client.hSet(k, { f: 'v' }), client.hRandFieldWithValues(k, 1)]) {
      await assert.rejects(p, (err: unknown) => err instanceof ReplyError && err.code === 'WRONGTYPE');
    }
  });

  test('empty field lists throw ERR_INVALID_ARGUMENT synchronously', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey();
    assert.throws(() => client.hSet(k, {}), { code: 'ERR_INVALID_ARGUMENT' });
    assert.throws(() => client.hSet(k, []), { code: 'ERR_INVALID_ARGUMENT' });
    assert.throws(() => client.hMGet(k, []), { code: 'ERR_INVALID_ARGUMENT' });
    assert.throws(() => client.hDel(k, []), { code: 'ERR_INVALID_ARGUMENT' });
  });

  test('a pipeline of hash commands resolves a typed tuple', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey('h');
    const results: [number, string | null, Record<string, string>, boolean, number] = await client
      .pipeline()
      .hSet(k, { a: '1', b: '2' })
      .hGet(k, 'a')
      .hGetAll(k)
      .hExists(k, 'z')
      .hIncrByFloat(k, 'a', 0.5)
      .exec();
    const [added, a, all, exists, incremented] = results;
    assert.equal(added, 2);
    assert.equal(a, '1');
    assert.deepEqual(plain(all), { a: '1', b: '2' });
    assert.equal(exists, false);
    assert.equal(incremented, 1.5);
  });

  test('a transaction applies the same transforms to EXEC replies', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey('h');
    const results = await client.multi().hSet(k, { x: '1' }).hGetAll(k).hRandFieldWithValues(k, 1).exec();
    assert.ok(results !== null);
    assert.equal(results[0], 1);
    assert.deepEqual(plain(results[1]), { x: '1' });
    assert.deepEqual(results[2], [['x', '1']]);
  });

  test('a returnBuffers client reads values as Buffers and record keys as strings', async () => {
    await using client = createClient({ url: redis.url, protocol, returnBuffers: true });
    const k = uniqueKey('h');
    const bytes = Buffer.from([0xff, 0x00, 0xfe]);
    await client.hSet(k, [['bin', bytes], ['t', 'text']]);
    const value = await client.hGet(k, 'bin');
    assert.ok(Buffer.isBuffer(value));
    assert.deepEqual(value, bytes);
    const all = await client.hGetAll(k);
    assert.deepEqual(Object.keys(all).sort(), ['bin', 't']);
    assert.ok(Buffer.isBuffer(all.bin) && all.bin.equals(bytes));
    assert.ok(Buffer.isBuffer(all.t) && all.t.toString() === 'text');
    const [[field, v]] = await client.hRandFieldWithValues(k, -1);
    assert.ok(Buffer.isBuffer(field) && Buffer.isBuffer(v));
    assert.equal(await client.hIncrByFloat(k, 'n', 2.5), 2.5);
  });
});

test('RESP2 and RESP3 clients get identical typed results from hash commands', async () => {
  await using resp2 = redis.client({ protocol: 2 });
  await using resp3 = redis.client({ protocol: 3 });
  const k = uniqueKey('h');
  await resp2.hSet(k, { a: '1', b: '2.5', c: 'x' });
  const read = async (c: typeof resp2) => [
    plain(await c.hGetAll(k)),
    await c.hMGet(k, ['a', 'q']),
    [...(await c.hRandFieldWithValues(k, 3))].sort(),
    await c.hExists(k, 'a'),
    await c.hLen(k),
  ];
  assert.deepEqual(await read(resp2), await read(resp3));
});
