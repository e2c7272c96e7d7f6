/**
 * Keyv 5 with @keyv/redis 5 (written against node-redis v5: it takes a client when the object has
 * `connect`, checks `isOpen`, and uses set(k, v, { PX }), multi().exec(), mGet, scan(cursor,
 * { MATCH, COUNT, TYPE }), unlink(keys)) through `toNodeRedis(client)`, against a real server.
 * What Keyv promises is checked on the server: values under the namespace, a TTL that really
 * expires, delete, getMany/setMany/deleteMany, and clear() removing only its namespace.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Keyv from 'keyv';
import KeyvRedis from '@keyv/redis';
import { useRedisServer, uniqueKey } from '../helpers/setup.ts';
import { waitFor } from '../helpers/wait.ts';
import { toNodeRedis } from '../../src/compat/node-redis.ts';
import type { Client } from '../../src/index.ts';

// @keyv/redis types its argument as node-redis's own client class (with #private members), so
// TypeScript needs a cast; at run time it tells a client from options by its connect() method.
const adapt = (client: Client) => toNodeRedis(client) as unknown as ConstructorParameters<typeof KeyvRedis>[0];

const redis = useRedisServer();

test('set, get, TTL, delete and clear, each within its namespace', async () => {
  await using client = redis.client();
  const namespace = uniqueKey('ns');
  const other = uniqueKey('other');
  const keyv = new Keyv({ store: new KeyvRedis(adapt(client)), namespace });
  const neighbour = new Keyv({ store: new KeyvRedis(adapt(client)), namespace: other });
  keyv.on('error', (err: unknown) => assert.fail(`Keyv reported ${String(err)}`));

  // Keyv and @keyv/redis each prefix the namespace (`ns::ns:key`): find the key on the server.
  const serverKey = async (name: string): Promise<string> => {
    const found = await client.keys(`${namespace}*:${name}`);
    assert.equal(found.length, 1, `one server key for ${name}: ${found.join(', ')}`);
    return found[0];
  };
  assert.equal(await keyv.set('user:1', { name: 'Ada', tags: ['x'] }), true);
  assert.deepEqual(await keyv.get('user:1'), { name: 'Ada', tags: ['x'] });
  const key = await serverKey('user:1');
  assert.ok(key.startsWith(`${namespace}::`), `stored under the namespace prefix: ${key}`);
  assert.equal(await client.ttl(key), -1, 'no TTL asked, none set');
  assert.equal(await keyv.has('user:1'), true);

  await keyv.set('short', 'lived', 1000);
  const short = await serverKey('short');
  const pttl = await client.pTtl(short);
  assert.ok(pttl > 0 && pttl <= 1000, `PX 1000 on the server, PTTL ${pttl}`);
  await waitFor(async () => (await client.exists(short)) === 0, { timeoutMs: 10_000, message: 'the 1 s TTL to run out on the server' });
  assert.equal(await keyv.get('short'), undefined);

  await keyv.setMany([
    { key: 'a', value: 1 },
    { key: 'b', value: 2, ttl: 60_000 },
  ]);
  assert.deepEqual(await keyv.getMany(['a', 'b', 'missing']), [1, 2, undefined]);
  assert.ok((await client.ttl(await serverKey('b'))) > 50, 'setMany() passed the TTL (PX in a MULTI)');
  assert.equal(await keyv.delete('a'), true);
  assert.equal(await keyv.delete('a'), false, 'nothing left to delete');
  assert.equal(await keyv.deleteMany(['b', 'user:1']), true);
  assert.deepEqual(await client.keys(`${namespace}*`), []);

  await keyv.set('c', 3);
  await neighbour.set('c', 'kept');
  await keyv.clear();
  assert.equal(await keyv.get('c'), undefined);
  assert.equal(await neighbour.get('c'), 'kept', 'clear() removed only its own namespace');
  assert.equal((await client.keys(`${other}*`)).length, 1);
});
