import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useRedisServer, forEachProtocol, uniqueKey } from '../helpers/setup.ts';
import { ArgumentError, PipelineError, ReplyError } from '../../src/index.ts';

const redis = useRedisServer();

forEachProtocol((protocol) => {
  test('pfAdd reports whether the estimate changed and pfCount counts distinct elements', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey('hll');
    assert.equal(await client.pfAdd(k, ['a', 'b', 'c', 'a']), true);
    assert.equal(await client.pfAdd(k, ['a', 'b']), false);
    assert.equal(await client.pfAdd(k, [Buffer.from('d'), 42]), true);
    assert.equal(await client.pfCount(k), 5);
    assert.equal(await client.pfCount(uniqueKey('missing')), 0);
    const created = uniqueKey('hll');
    assert.equal(await client.pfAdd(created, []), true, 'an empty list creates the key');
    assert.equal(await client.pfAdd(created, []), false);
    assert.equal(await client.exists(created), 1);
  });

  test('pfCount of several keys estimates their union and pfMerge stores it', async () => {
    await using client = redis.client({ protocol });
    const a = uniqueKey('hll');
    const b = uniqueKey('hll');
    await client.pfAdd(a, ['x', 'y', 'z']);
    await client.pfAdd(b, ['y', 'z', 'w', 'v']);
    assert.equal(await client.pfCount([a, b]), 5);
    const dest = uniqueKey('hll');
    assert.equal(await client.pfMerge(dest, [a, b]), 'OK');
    assert.equal(await client.pfCount(dest), 5);
    // The destination is part of the union.
    const other = uniqueKey('hll');
    await client.pfAdd(other, ['only-here']);
    assert.equal(await client.pfMerge(dest, other), 'OK');
    assert.equal(await client.pfCount(dest), 6);
  });

  test('a large set is estimated within the standard error', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey('hll');
    const elements = Array.from({ length: 10_000 }, (_, i) => `e${i}`);
    await client.pfAdd(k, elements);
    const estimate = await client.pfCount(k);
    assert.ok(Math.abs(estimate - 10_000) < 300, `estimate ${estimate}`);
  });

  test('HyperLogLog commands in a pipeline resolve a typed tuple', async () => {
    await using client = redis.client({ protocol });
    const a = uniqueKey('hll');
    const b = uniqueKey('hll');
    const results: [boolean, boolean, 'OK', number] = await client.pipeline().pfAdd(a, ['1', '2']).pfAdd(b, ['2', '3']).pfMerge(a, b).pfCount(a).exec();
    assert.deepEqual(results, [true, true, 'OK', 3]);
    const tx: [boolean, number] | null = await client.multi().pfAdd(a, ['4']).pfCount(a).exec();
    assert.deepEqual(tx, [true, 4]);
  });

  test('HyperLogLog commands work on a client that returns Buffers', async () => {
    await using client = redis.client({ protocol, returnBuffers: true });
    const k = uniqueKey('hll');
    assert.equal(await client.pfAdd(k, ['a']), true);
    assert.equal(await client.pfCount(k), 1);
    assert.equal(await client.pfMerge(k), 'OK');
  });

  test('pfCount without keys throws ArgumentError synchronously', async () => {
    await using client = redis.client({ protocol });
    assert.throws(
      () => client.pfCount([]),
      (err: unknown) => err instanceof ArgumentError && err.code === 'ERR_INVALID_ARGUMENT' && /^pfCount:/.test(err.message),
    );
  });

  test('HyperLogLog commands on a key of another type reject with WRONGTYPE', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey();
    await client.set(k, 'not a hll');
    await assert.rejects(client.pfAdd(k, ['a']), (err: unknown) => err instanceof ReplyError && err.code === 'WRONGTYPE' && err.command === 'PFADD');
    await assert.rejects(client.pfCount(k), (err: unknown) => err instanceof ReplyError && err.code === 'WRONGTYPE');
    const settled = await client.pipeline().pfCount(k).pfCount(uniqueKey()).execSettled();
    assert.ok(settled[0] instanceof ReplyError);
    assert.equal(settled[1], 0);
    await assert.rejects(client.pipeline().pfMerge(uniqueKey(), k).exec(), PipelineError);
  });
});
