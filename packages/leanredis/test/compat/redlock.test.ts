/**
 * redlock 5 (written against ioredis: evalsha(sha, numkeys, [...keys, ...args]), EVAL when the
 * error message starts with NOSCRIPT, numbers as replies) through `toIORedis(client)` on a RESP2
 * client, against a real server. What the lock promises is checked: the holder's random value is
 * stored with the TTL, every other caller is excluded while it is held, extend() renews the TTL,
 * release() frees it for the next holder, workers racing with retries run one at a time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Redlock, { ExecutionError } from 'redlock';
import { useRedisServer, uniqueKey } from '../helpers/setup.ts';
import { toIORedis } from '../../src/compat/ioredis.ts';
import type { Client } from '../../src/index.ts';

const redis = useRedisServer();

// redlock calls evalsha and eval only (its own types name ioredis's classes; see redlock.d.ts).
const adapt = (client: Client) => toIORedis(client);

test('a lock excludes every other caller until released; extend renews it on the server', async () => {
  await using client = redis.client({ protocol: 2 });
  const redlock = new Redlock([adapt(client)], { retryCount: 0 });
  const errors: Error[] = [];
  redlock.on('error', (err: Error) => errors.push(err));
  const resource = uniqueKey('locks:invoice');

  const lock = await redlock.acquire([resource], 10_000);
  assert.equal(await client.get(resource), lock.value, "the holder's random value is stored");
  const pttl = await client.pTtl(resource);
  assert.ok(pttl > 5_000 && pttl <= 10_000, `PTTL ${pttl}`);

  const contenders = await Promise.allSettled(Array.from({ length: 10 }, () => redlock.acquire([resource], 10_000)));
  assert.deepEqual(contenders.map((c) => c.status), Array(10).fill('rejected'));
  for (const c of contenders) assert.ok((c as PromiseRejectedResult).reason instanceof ExecutionError);
  // redlock reports each refusal (and the release it attempts after one) as ResourceLockedError;
  // a reply it could not read or a failed command would be another error.
  assert.ok(errors.length >= 10 && errors.every((e) => e.name === 'ResourceLockedError'), errors.map((e) => `${e.name}: ${e.message}`).join('; '));
  assert.equal(await client.get(resource), lock.value, "still the first holder's");

  const extended = await lock.extend(60_000);
  assert.ok((await client.pTtl(resource)) > 50_000, 'extend() set the new TTL');
  await extended.release();
  assert.equal(await client.exists(resource), 0, 'release() removed it');

  const next = await redlock.acquire([resource], 5_000);
  assert.notEqual(next.value, lock.value);
  await assert.rejects(lock.extend(5_000), ExecutionError, 'the released lock cannot be extended');
  await next.release();
});

test('workers racing with retries for one lock hold it one at a time', async () => {
  await using client = redis.client({ protocol: 2 });
  const redlock = new Redlock([adapt(client)], { retryCount: 500, retryDelay: 5, retryJitter: 5 });
  redlock.on('error', () => undefined); // refusals while racing are expected
  const resource = uniqueKey('locks:counter');
  let inside = 0;
  let most = 0;
  await Promise.all(
    Array.from({ length: 8 }, () =>
      redlock.using([resource], 10_000, async () => {
        inside++;
        most = Math.max(most, inside);
        await client.incr(`${resource}:n`);
        inside--;
      }),
    ),
  );
  assert.equal(most, 1, 'never two holders at once');
  assert.equal(await client.get(`${resource}:n`), '8');
  assert.equal(await client.exists(resource), 0, 'the last holder released it');
});
