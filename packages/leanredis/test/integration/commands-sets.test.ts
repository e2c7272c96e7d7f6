import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useRedisServer, forEachProtocol, uniqueKey } from '../helpers/setup.ts';
import { createClient, ReplyError } from '../../src/index.ts';

const redis = useRedisServer();

const sorted = (list: string[]): string[] => [...list].sort();

forEachProtocol((protocol) => {
  test('sAdd, sRem, sMembers, sCard, sIsMember and smIsMember', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey('s');
    assert.equal(await client.sAdd(k, ['a', 'b', 'c']), 3);
    assert.equal(await client.sAdd(k, 'a'), 0);
    assert.equal(await client.sAdd(k, [1, Buffer.from('d')]), 2);
    assert.deepEqual(sorted(await client.sMembers(k)), ['1', 'a', 'b', 'c', 'd']);
    assert.equal(await client.sCard(k), 5);
    assert.equal(await client.sIsMember(k, 'a'), true);
    assert.equal(await client.sIsMember(k, 'z'), false);
    assert.equal(await client.sIsMember(k, 1), true);
    assert.deepEqual(await client.smIsMember(k, ['a', 'z', 'd']), [true, false, true]);
    assert.equal(await client.sRem(k, ['a', 'z']), 1);
    assert.equal(await client.sRem(k, 'b'), 1);
    assert.equal(await client.sCard(k), 3);
    const missing = uniqueKey();
    assert.deepEqual(await client.sMembers(missing), []);
    assert.equal(await client.sCard(missing), 0);
    assert.equal(await client.sIsMember(missing, 'a'), false);
    assert.deepEqual(await client.smIsMember(missing, 'a'), [false]);
    assert.equal(await client.sRem(missing, 'a'), 0);
  });

  test('sPop and sRandMember, with and without count', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey('s');
    const all = ['a', 'b', 'c', 'd'];
    await client.sAdd(k, all);
    const random = await client.sRandMember(k);
    assert.ok(random !== null && all.includes(random));
    assert.deepEqual(sorted(await client.sRandMemberCount(k, 10)), all);
    assert.equal((await client.sRandMemberCount(k, -6)).length, 6);
    assert.equal(await client.sCard(k), 4);
    const popped = await client.sPop(k);
    assert.ok(popped !== null && all.includes(popped));
    const rest = await client.sPopCount(k, 10);
    assert.deepEqual(sorted([popped, ...rest]), all);
    assert.equal(await client.exists(k), 0);
    assert.equal(await client.sPop(k), null);
    assert.deepEqual(await client.sPopCount(k, 2), []);
    assert.equal(await client.sRandMember(k), null);
    assert.deepEqual(await client.sRandMemberCount(k, 2), []);
  });

  test('sMove moves a member between sets', async () => {
    await using client = redis.client({ protocol });
    const from = uniqueKey('s');
    const to = uniqueKey('s');
    await client.sAdd(from, ['a', 'b']);
    assert.equal(await client.sMove(from, to, 'a'), true);
    assert.equal(await client.sMove(from, to, 'zz'), false);
    assert.deepEqual(await client.sMembers(from), ['b']);
    assert.deepEqual(await client.sMembers(to), ['a']);
  });

  test('sInter, sUnion, sDiff, their STORE forms and sInterCard', async () => {
    await using client = redis.client({ protocol });
    const [a, b, c, dst] = [uniqueKey('s'), uniqueKey('s'), uniqueKey('s'), uniqueKey('s')];
    await client.sAdd(a, ['1', '2', '3', '4']);
    await client.sAdd(b, ['3', '4', '5']);
    await client.sAdd(c, ['4', '6']);
    assert.deepEqual(sorted(await client.sInter([a, b])), ['3', '4']);
    assert.deepEqual(await client.sInter([a, b, c]), ['4']);
    assert.deepEqual(sorted(await client.sInter(a)), ['1', '2', '3', '4']);
    assert.deepEqual(await client.sInter([a, uniqueKey()]), []);
    assert.deepEqual(sorted(await client.sUnion([b, c])), ['3', '4', '5', '6']);
    assert.deepEqual(sorted(await client.sDiff([a, b])), ['1', '2']);
    assert.deepEqual(await client.sDiff([uniqueKey(), a]), []);
    assert.equal(await client.sInterCard([a, b]), 2);
    assert.equal(await client.sInterCard([a, b], { limit: 1 }), 1);
    assert.equal(await client.sInterCard([a, uniqueKey()]), 0);
    assert.equal(await client.sInterStore(dst, [a, b]), 2);
    assert.deepEqual(sorted(await client.sMembers(dst)), ['3', '4']);
    assert.equal(await client.sUnionStore(dst, [a, c]), 5);
    assert.deepEqual(sorted(await client.sMembers(dst)), ['1', '2', '3', '4', '6']);
    assert.equal(await client.sDiffStore(dst, [a, b, c]), 2);
    assert.deepEqual(sorted(await client.sMembers(dst)), ['1', '2']);
    // An empty result deletes the destination.
    assert.equal(await client.sInterStore(dst, [a, uniqueKey()]), 0);
    assert.equal(await client.exists(dst), 0);
  });

  test('sScan and sScanIterator walk every member', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey('s');
    const members = Array.from({ length: 200 }, (_, i) => `m${i}`);
    await client.sAdd(k, members);
    const step = await client.sScan(k, '0', { count: 5 });
    assert.equal(typeof step.cursor, 'string');
    const seen = new Set<string>();
    for await (const m of client.sScanIterator(k)) seen.add(m);
    assert.equal(seen.size, 200);
  });

  test('set commands on a non-set key reject with WRONGTYPE', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey();
    await client.set(k, 'string');
    for (const p of [client.sAdd(k, 'a'), client.sMembers(k), client.smIsMember(k, 'a'), client.sInter([k]), client.sInterCard([k])]) {
      await assert.rejects(p, (err: unknown) => err instanceof ReplyError && err.code === 'WRONGTYPE');
    }
  });

  test('empty member and key lists throw ERR_INVALID_ARGUMENT synchronously', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey();
    assert.throws(() => client.sAdd(k, []), { code: 'ERR_INVALID_ARGUMENT', message: /sAdd/ });
    assert.throws(() => client.sRem(k, []), { code: 'ERR_INVALID_ARGUMENT' });
    assert.throws(() => client.smIsMember(k, []), { code: 'ERR_INVALID_ARGUMENT' });
    assert.throws(() => client.sInter([]), { code: 'ERR_INVALID_ARGUMENT' });
    assert.throws(() => client.sInterCard([]), { code: 'ERR_INVALID_ARGUMENT' });
    assert.throws(() => client.sUnionStore(k, []), { code: 'ERR_INVALID_ARGUMENT' });
  });

  test('a pipeline of set commands resolves a typed tuple', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey('s');
    const results: [number, boolean, boolean[], string[], number] = await client
      .pipeline()
      .sAdd(k, ['x', 'y'])
      .sIsMember(k, 'x')
      .smIsMember(k, ['y', 'q'])
      .sMembers(k)
      .sCard(k)
      .exec();
    assert.deepEqual([results[0], results[1], results[2], sorted(results[3]), results[4]], [2, true, [true, false], ['x', 'y'], 2]);
  });

  test('a returnBuffers client reads members as Buffers', async () => {
    await using client = createClient({ url: redis.url, protocol, returnBuffers: true });
    const k = uniqueKey('s');
    const bytes = Buffer.from([0x80, 0x81]);
    await client.sAdd(k, bytes);
    const [member] = await client.sMembers(k);
    assert.ok(Buffer.isBuffer(member) && member.equals(bytes));
    const popped = await client.sPop(k);
    assert.ok(Buffer.isBuffer(popped) && popped.equals(bytes));
    assert.equal(await client.sIsMember(k, bytes), false);
  });
});

test('RESP2 and RESP3 clients get identical typed results from set commands', async () => {
  await using resp2 = redis.client({ protocol: 2 });
  await using resp3 = redis.client({ protocol: 3 });
  const [a, b] = [uniqueKey('s'), uniqueKey('s')];
  await resp2.sAdd(a, ['1', '2', '3']);
  await resp2.sAdd(b, ['2', '3', '4']);
  const read = async (c: typeof resp2) => [
    sorted(await c.sMembers(a)),
    sorted(await c.sInter([a, b])),
    sorted(await c.sUnion([a, b])),
    await c.sDiff([a, b]),
    await c.smIsMember(a, ['1', '4']),
    await c.sInterCard([a, b]),
    sorted(await c.sRandMemberCount(a, 3)),
  ];
  assert.deepEqual(await read(resp2), await read(resp3));
});
