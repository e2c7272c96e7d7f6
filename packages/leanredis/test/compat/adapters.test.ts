/**
 * The adapters' own translations, against a real server and without a library in between: what
 * node-redis v5 or ioredis code passes comes out as the command it meant, replies come back in
 * that client's shapes, and what cannot be honoured is refused, never dropped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useRedisServer, uniqueKey } from '../helpers/setup.ts';
import { waitFor } from '../helpers/wait.ts';
import { toNodeRedis } from '../../src/compat/node-redis.ts';
import { toIORedis } from '../../src/compat/ioredis.ts';

const redis = useRedisServer();

for (const protocol of [2, 3] as const) {
  test(`toNodeRedis (RESP${protocol}): node-redis v5 options and reply shapes`, async () => {
    await using client = redis.client({ protocol });
    const r = toNodeRedis(client);
    const k = uniqueKey('nr');
    assert.equal(await r.set(k, 'v', { EX: 100 }), 'OK');
    assert.ok((await client.ttl(k)) > 90, 'v4 spelling { EX }');
    assert.equal(await r.set(k, 'w', { expiration: { type: 'PX', value: 50_000 }, condition: 'XX' }), 'OK');
    assert.ok((await client.pTtl(k)) > 40_000, 'v5 spelling { expiration: { type, value } }');
    assert.equal(await r.set(k, 'x', { NX: true }), null, 'NX did not overwrite');
    assert.equal(await r.set(k, 'y', { GET: true, KEEPTTL: true }), 'w', 'GET returns the old value');
    assert.ok((await client.pTtl(k)) > 40_000, 'KEEPTTL kept it');
    assert.equal(await r.expire(k, 10, 'GT'), 0, 'EXPIRE replies 0/1 numbers in v5');
    assert.equal(await r.expire(k, 1000), 1);
    assert.equal(await r.hSet(`${k}:h`, 'f', 'v'), 1);
    assert.equal(await r.hSet(`${k}:h`, { g: '1', h: '2' }), 2);
    assert.deepEqual(await r.hGetAll(`${k}:h`), { f: 'v', g: '1', h: '2' });
    assert.equal(await r.hExists(`${k}:h`, 'f'), 1);
    assert.equal(await r.zAdd(`${k}:z`, [{ score: 2, value: 'b' }, { score: 1, value: 'a' }]), 2);
    assert.deepEqual(await r.zRangeWithScores(`${k}:z`, 0, -1), [{ value: 'a', score: 1 }, { value: 'b', score: 2 }]);
    assert.deepEqual(await r.zRange(`${k}:z`, 0, -1, { REV: true }), ['b', 'a']);
    assert.deepEqual(await r.mGet([k, `${k}:missing`]), ['y', null]);
    assert.equal(await r.del([k, `${k}:h`]), 2, 'arrays of keys');
    const scan = await r.scan('0', { MATCH: `${k}*`, COUNT: 100 });
    assert.equal(typeof scan.cursor, 'string');
    assert.deepEqual(scan.keys, [`${k}:z`]);
    assert.deepEqual(await r.sendCommand(['ZCARD', `${k}:z`]), 2);

    assert.deepEqual(await r.multi().set(k, '1').incrBy(k, 2).get(k).exec(), ['OK', 3, '3'], 'MULTI/EXEC');
    assert.deepEqual(await r.multi().incr(k).pTTL(k).exec(true), [4, -1], 'exec(true) runs as a pipeline');
    await assert.rejects(r.multi().set(k, 'v').incr(k).exec(), { code: 'ERR_PIPELINE' }, 'an error reply fails the transaction, as in node-redis');

    assert.throws(() => r.set(k, 'v', { EX: 1, PX: 1 }), { code: 'ERR_INVALID_OPTION', message: /one expiration at most, got EX and PX/ });
    assert.throws(() => r.set(k, 'v', { NX: true, condition: 'XX' }), { code: 'ERR_INVALID_OPTION', message: /one condition/ });
    assert.throws(() => r.zAdd(k, { score: 1, member: 'a' }), { code: 'ERR_INVALID_OPTION', message: /unknown option "member"; accepted: score, value/ });
    assert.throws(() => r.zRange(k, 0, -1, { rev: true }), { code: 'ERR_INVALID_OPTION', message: /"rev"; accepted: BY, REV, LIMIT/ });
    assert.throws(() => r.get(k, 'extra'), { code: 'ERR_INVALID_ARGUMENT', message: /at most 1/ });
    assert.throws(() => r.subscribe('ch', undefined as never), { code: 'ERR_INVALID_ARGUMENT', message: /listener must be a function/ });
  });
}

test('toNodeRedis pub/sub: listeners per name, bufferMode Buffers, unsubscribe one listener or all', async () => {
  await using client = redis.client();
  const r = toNodeRedis(client);
  const ch = uniqueKey('ch');
  const text: unknown[] = [];
  const bytes: unknown[] = [];
  const onText = (m: unknown, c: unknown) => void text.push([m, c]);
  const onBytes = (m: unknown, c: unknown) => void bytes.push([m, c]);
  await r.subscribe(ch, onText);
  await r.subscribe([ch], onBytes, true);
  const payload = Buffer.from([0xff, 0x00, 0x80]);
  assert.equal(await r.publish(ch, payload), 2, 'two connections: the client and its Buffer twin');
  await waitFor(() => text.length === 1 && bytes.length === 1);
  assert.equal(typeof (text[0] as unknown[])[0], 'string');
  assert.deepEqual(bytes[0], [payload, Buffer.from(ch)], 'bufferMode: message and channel as Buffers');
  await r.unsubscribe(ch, onBytes);
  assert.equal(await r.publish(ch, 'two'), 1);
  await waitFor(() => text.length === 2);
  await r.unsubscribe();
  assert.equal(await r.publish(ch, 'three'), 0, 'no subscriber left');
  await r.close();
});

test('toIORedis: positional options, flattening, callbacks, raw replies, [err, reply] pairs, defineCommand', async () => {
  await using client = redis.client({ protocol: 2 });
  const r = toIORedis(client);
  const k = uniqueKey('io');
  assert.equal(await r.set(k, 'v', 'EX', 100, 'NX'), 'OK');
  assert.ok((await client.ttl(k)) > 90);
  assert.equal(await r.set(k, 'w', 'NX'), null);
  assert.equal(await r.mset({ [`${k}:a`]: '1', [`${k}:b`]: '2' }), 'OK');
  assert.deepEqual(await r.mget([`${k}:a`, `${k}:b`]), ['1', '2'], 'arrays flattened');
  assert.equal(await r.hset(`${k}:h`, { f: 'v', g: '1' }), 2);
  assert.deepEqual({ ...(await r.hgetall(`${k}:h`)) }, { f: 'v', g: '1' });
  assert.equal(await r.zadd(`${k}:z`, 1.5, 'm'), 1);
  assert.equal(await r.zscore(`${k}:z`, 'm'), '1.5', 'RESP2 raw reply: a string, as ioredis');
  assert.deepEqual(await r.getBuffer(k), Buffer.from('v'));
  const viaCallback = await new Promise((resolve, reject) => r.get(k, (err: Error | null, v: unknown) => (err === null ? resolve(v) : reject(err))));
  assert.equal(viaCallback, 'v');
  const failed = await new Promise((resolve) => r.incr(k, (err: Error | null) => resolve(err)));
  assert.ok(failed instanceof Error && (failed as { code?: string }).code === 'ERR');

  assert.deepEqual(await r.multi().set(`${k}:n`, 1).incrby(`${k}:n`, 2).pttl(`${k}:n`).exec(), [[null, 'OK'], [null, 3], [null, -1]]);
  const [[err], [, second]] = (await r.pipeline().incr(k).get(k).exec()) as [Error | null, unknown][];
  assert.ok(err instanceof Error, 'a failed command is an error in its pair');
  assert.equal(second, 'v');

  r.defineCommand('addTwo', { numberOfKeys: 1, lua: "return redis.call('INCRBY', KEYS[1], tonumber(ARGV[1]) + 2)" });
  assert.equal(await r.addTwo(`${k}:n`, 5), 10);
  r.defineCommand('keysFirst', { lua: 'return #KEYS' });
  assert.equal(await r.keysFirst(2, 'a', 'b', 'c'), 2, 'without numberOfKeys the first argument is the key count');

  assert.throws(() => r.set(k, undefined), { code: 'ERR_INVALID_ARGUMENT', message: /ioredis would have sent an empty string/ });
  assert.throws(() => r.defineCommand('x', { lua: 'return 1', keys: 1 } as never), { code: 'ERR_INVALID_OPTION', message: /unknown option "keys"/ });
  assert.throws(() => toIORedis(redis.client({ protocol: 3 })), { code: 'ERR_INVALID_ARGUMENT', message: /protocol: 2/ });
  assert.equal(r.status, 'ready');
  await r.quit();
  assert.equal(r.status, 'end');
});

test('toIORedis pub/sub: message and messageBuffer events, pattern and shard forms, counts', async () => {
  await using client = redis.client({ protocol: 2 });
  const r = toIORedis(client);
  const ch = uniqueKey('ch');
  const got: unknown[][] = [];
  r.on('message', (c: string, m: string) => got.push(['message', c, m]));
  r.on('messageBuffer', (c: Buffer, m: Buffer) => got.push(['messageBuffer', c, m]));
  r.on('pmessage', (p: string, c: string, m: string) => got.push(['pmessage', p, c, m]));
  r.on('smessage', (c: string, m: string) => got.push(['smessage', c, m]));
  assert.equal(await r.subscribe(ch, `${ch}:2`), 2);
  assert.equal(await r.psubscribe(`${ch}*`), 3);
  assert.equal(await r.ssubscribe(`${ch}:s`), 4);
  await client.publish(ch, 'hi');
  await client.sPublish(`${ch}:s`, 'shard');
  await waitFor(() => got.length === 4, { message: () => JSON.stringify(got) });
  assert.deepEqual(
    got.map((g) => g.map((x) => (Buffer.isBuffer(x) ? `<${x.toString()}>` : x))),
    [
      ['message', ch, 'hi'],
      ['messageBuffer', `<${ch}>`, '<hi>'],
      ['pmessage', `${ch}*`, ch, 'hi'],
      ['smessage', `${ch}:s`, 'shard'],
    ],
  );
  assert.equal(await r.unsubscribe(), 2, 'every channel gone; the pattern and shard remain');
  await r.quit();
});
