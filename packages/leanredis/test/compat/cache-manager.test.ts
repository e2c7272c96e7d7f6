/**
 * cache-manager 7 storing through Keyv + @keyv/redis over `toNodeRedis(client)`: values land on
 * the server with the TTL given, wrap() computes once and serves the cached value after, del
 * removes the key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCache } from 'cache-manager';
import Keyv from 'keyv';
import KeyvRedis from '@keyv/redis';
import { useRedisServer, uniqueKey } from '../helpers/setup.ts';
import { toNodeRedis } from '../../src/compat/node-redis.ts';
import type { Client } from '../../src/index.ts';

const redis = useRedisServer();

// As in keyv.test.ts: @keyv/redis types its argument as node-redis's own class.
const adapt = (client: Client) => toNodeRedis(client) as unknown as ConstructorParameters<typeof KeyvRedis>[0];

test('set with a TTL, get, wrap computing once, del', async () => {
  await using client = redis.client();
  const namespace = uniqueKey('cache');
  const cache = createCache({ stores: [new Keyv({ store: new KeyvRedis(adapt(client)), namespace })] });
  await cache.set('user:1', { name: 'Ada' }, 60_000);
  assert.deepEqual(await cache.get('user:1'), { name: 'Ada' });
  const [key] = await client.keys(`${namespace}*user:1`);
  const pttl = await client.pTtl(key);
  assert.ok(pttl > 50_000 && pttl <= 60_000, `PTTL ${pttl} on the server`);

  let calls = 0;
  const compute = async () => {
    calls++;
    return { answer: 42 };
  };
  assert.deepEqual(await cache.wrap('answer', compute, 60_000), { answer: 42 });
  assert.deepEqual(await cache.wrap('answer', compute, 60_000), { answer: 42 });
  assert.equal(calls, 1, 'the second wrap() read the cached value from Redis');
  assert.equal((await client.keys(`${namespace}*answer`)).length, 1);

  assert.equal(await cache.del('user:1'), true);
  assert.equal(await client.exists(key), 0);
  assert.equal(await cache.get('user:1'), undefined);
});
