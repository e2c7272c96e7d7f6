import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useRedisServer, forEachProtocol, uniqueKey } from '../helpers/setup.ts';
import { ReplyError } from '../../src/index.ts';

const redis = useRedisServer();

forEachProtocol((protocol) => {
  test('SET, GET, INCR and friends return typed values', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey();
    assert.equal(await client.set(k, 'v'), 'OK');
    assert.equal(await client.get(k), 'v');
    assert.equal(await client.get(uniqueKey()), null);
    assert.equal(await client.set(k, 'w', { condition: 'NX' }), null);
    assert.equal(await client.setGet(k, 'x'), 'v');
    assert.equal(await client.append(k, 'yz'), 3);
    assert.equal(await client.strLen(k), 3);
    assert.equal(await client.getRange(k, 0, 1), 'xy');
    const n = uniqueKey();
    assert.equal(await client.incr(n), 1);
    assert.equal(await client.incrBy(n, 10), 11);
    assert.equal(await client.decrBy(n, 2), 9);
    assert.equal(await client.incrByFloat(n, 0.5), 9.5);
    assert.deepEqual(await client.mGet([k, n, uniqueKey()]), ['xyz', '9.5', null]);
    assert.equal(await client.mSet({ [`${k}:a`]: 1, [`${k}:b`]: 'two' }), 'OK');
    assert.equal(await client.get(`${k}:a`), '1');
    assert.equal(await client.getDel(`${k}:a`), '1');
    assert.equal(await client.exists([`${k}:a`, `${k}:b`]), 1);
  });

  test('expiry commands set and report TTLs', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey();
    await client.set(k, 'v', { expireSeconds: 100 });
    const ttl = await client.ttl(k);
    assert.ok(ttl > 90 && ttl <= 100, `ttl ${ttl}`);
    assert.equal(await client.persist(k), true);
    assert.equal(await client.ttl(k), -1);
    assert.equal(await client.pExpire(k, 50_000), true);
    assert.ok((await client.pTtl(k)) > 40_000);
    assert.equal(await client.expire(k, 10, 'GT'), false);
    assert.equal(await client.ttl(uniqueKey()), -2);
    assert.equal(await client.type(k), 'string');
  });

  test('a server error rejects only its own command, with the server prefix as code', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey();
    await client.call('LPUSH', k, 'a');
    const [bad, good] = await Promise.allSettled([client.get(k), client.call("LLEN", k)]);
    assert.equal(bad.status, 'rejected');
    assert.ok((bad as PromiseRejectedResult).reason instanceof ReplyError);
    assert.equal((bad as PromiseRejectedResult).reason.code, 'WRONGTYPE');
    assert.equal((bad as PromiseRejectedResult).reason.command, 'GET');
    assert.deepEqual(good, { status: 'fulfilled', value: 1 });
  });
});
