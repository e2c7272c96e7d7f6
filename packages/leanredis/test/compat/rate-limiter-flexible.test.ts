/**
 * rate-limiter-flexible's RateLimiterRedis in both of its modes: node-redis (`useRedisPackage:
 * true`: eval(script, { keys, arguments }), multi().set(k, v, { EX }).pTTL(k).exec(true)) through
 * `toNodeRedis`, and its default ioredis mode (defineCommand('rlflxIncr', ...), multi().pttl()
 * .exec() resolving [err, reply] pairs) through `toIORedis` on a RESP2 client. What the limiter
 * promises is checked under concurrency: of 10 simultaneous consumes of 3 points exactly 3 pass,
 * the counter and its expiry are on the server, penalty/reward move it, block() refuses until
 * its expiry, delete() forgets the key.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { useRedisServer, uniqueKey } from '../helpers/setup.ts';
import { toNodeRedis } from '../../src/compat/node-redis.ts';
import { toIORedis } from '../../src/compat/ioredis.ts';
import type { Client } from '../../src/index.ts';

const redis = useRedisServer();

const modes: [name: string, limiter: (client: Client, keyPrefix: string, extra?: object) => RateLimiterRedis][] = [
  ['node-redis mode (useRedisPackage: true) through toNodeRedis', (client, keyPrefix, extra) => new RateLimiterRedis({ storeClient: toNodeRedis(client), useRedisPackage: true, points: 3, duration: 10, keyPrefix, ...extra })],
  ['ioredis mode (defineCommand) through toIORedis', (client, keyPrefix, extra) => new RateLimiterRedis({ storeClient: toIORedis(client), points: 3, duration: 10, keyPrefix, ...extra })],
];

for (const [mode, make] of modes) {
  describe(mode, () => {
    test('of 10 simultaneous consumes of 3 points exactly 3 pass; the count and its TTL are on the server', async () => {
      await using client = redis.client({ protocol: 2 });
      const prefix = uniqueKey('rl');
      const limiter = make(client, prefix);
      const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => limiter.consume('user')));
      const passed = outcomes.filter((o) => o.status === 'fulfilled');
      const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
      assert.equal(passed.length, 3, JSON.stringify(outcomes.map((o) => o.status)));
      for (const r of refused) assert.ok(r.reason instanceof RateLimiterRes, `refused with a RateLimiterRes, not ${String(r.reason)}`);
      assert.equal((refused[0].reason as RateLimiterRes).remainingPoints, 0);
      assert.ok((refused[0].reason as RateLimiterRes).msBeforeNext > 0);
      const key = `${prefix}:user`;
      assert.equal(await client.get(key), '10', 'every consume was counted atomically on the server');
      const pttl = await client.pTtl(key);
      assert.ok(pttl > 0 && pttl <= 10_000, `PTTL ${pttl}`);
      const state = await limiter.get('user');
      assert.equal(state?.consumedPoints, 10);
      assert.equal(await limiter.delete('user'), true);
      assert.equal(await client.exists(key), 0);
      assert.equal(await limiter.get('user'), null);
    });

    test('penalty and reward move the count; block() refuses until it expires', async () => {
      await using client = redis.client({ protocol: 2 });
      const prefix = uniqueKey('rl');
      const limiter = make(client, prefix);
      assert.equal((await limiter.penalty('p', 2)).consumedPoints, 2);
      assert.equal((await limiter.consume('p')).remainingPoints, 0);
      await assert.rejects(limiter.consume('p'), (r: unknown) => r instanceof RateLimiterRes && r.consumedPoints === 4);
      assert.equal((await limiter.reward('p', 3)).consumedPoints, 1);
      assert.equal((await limiter.consume('p')).consumedPoints, 2);

      await limiter.block('b', 30);
      const ttl = await client.ttl(`${prefix}:b`);
      assert.ok(ttl > 20 && ttl <= 30, `the block is a key with a 30 s TTL on the server, got ${ttl}`);
      await assert.rejects(limiter.consume('b'), (r: unknown) => r instanceof RateLimiterRes && r.msBeforeNext > 20_000);
    });

    test('blockDuration blocks a key that went over its points, with forceExpire (SET EX in a MULTI)', async () => {
      await using client = redis.client({ protocol: 2 });
      const prefix = uniqueKey('rl');
      const limiter = make(client, prefix, { blockDuration: 60 });
      const outcomes = await Promise.allSettled(Array.from({ length: 5 }, () => limiter.consume('u')));
      assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 3);
      const ttl = await client.ttl(`${prefix}:u`);
      assert.ok(ttl > 50 && ttl <= 60, `blocked for blockDuration (60 s) on the server, TTL ${ttl}`);
    });
  });
}
