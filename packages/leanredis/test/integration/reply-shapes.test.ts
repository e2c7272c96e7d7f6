/**
 * Replies are the same objects under RESP2 and RESP3: a sample of methods from every family,
 * run on the same data by a RESP2 and a RESP3 client (and again by two returnBuffers clients),
 * must give deeply equal results. RESP3 sends maps, doubles, sets and verbatim strings where
 * RESP2 sends flat arrays and bulk strings; the typed result must not show the difference.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useRedisServer } from '../helpers/setup.ts';
import type { Client } from '../../src/index.ts';

const redis = useRedisServer();

/** Buffers, Maps and prototype-free records compared by content. */
function plain(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return { buffer: value.toString('hex') };
  if (value instanceof Map) return { map: [...value].map(([k, v]) => [plain(k), plain(v)]) };
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

/** One read per family, on the data `before` writes (reads only: both clients see the same). */
const SAMPLES: Record<string, (c: Client) => Promise<unknown>> = {
  'strings: get, getRange, lcs': async (c) => [await c.get('s:a'), await c.getRange('s:a', 0, 2), await c.lcs('s:a', 's:b'), await c.lcsLen('s:a', 's:b')],
  'keys: type, objectEncoding, scan': async (c) => [await c.type('h'), await c.objectEncoding('h'), await c.scan(0, { match: 'h*', count: 1000 })],
  'hashes: hGetAll, hMGet, hScan': async (c) => [await c.hGetAll('h'), await c.hMGet('h', ['f1', 'nope']), await c.hScan('h', 0)],
  'lists: lRange, lPos, lIndex': async (c) => [await c.lRange('l', 0, -1), await c.lPos('l', 'b'), await c.lPosCount('l', 'b', 0), await c.lIndex('l', 9)],
  'sets: sMembers, smIsMember, sInterCard': async (c) => [(await c.sMembers('set')).sort(), await c.smIsMember('set', ['a', 'z']), await c.sInterCard(['set', 'set'])],
  'sorted sets: ranges with scores, zmScore, zUnion, zScan': async (c) => [
    await c.zRangeWithScores('z', 0, -1),
    await c.zRange('z', '-inf', '+inf', { by: 'SCORE', limit: { offset: 0, count: 2 } }),
    await c.zmScore('z', ['a', 'nope']),
    await c.zUnionWithScores(['z', 'z'], { aggregate: 'SUM' }),
    await c.zScan('z', 0),
    await c.zScore('z', 'inf'),
  ],
  'geo: geoPos, geoDist, geoSearchWith': async (c) => [
    await c.geoPos('g', ['palermo', 'nope']),
    await c.geoDist('g', 'palermo', 'catania', 'km'),
    await c.geoSearchWith('g', { member: 'palermo' }, { radius: 200, unit: 'km' }, { withCoord: true, withDist: true, withHash: true, order: 'ASC' }),
  ],
  'hyperloglog: pfCount': async (c) => [await c.pfCount('hll')],
  'bitmaps: bitCount, bitPos, bitFieldRo': async (c) => [await c.bitCount('bits'), await c.bitPos('bits', 1), await c.bitFieldRo('bits', [{ encoding: 'u8', offset: 0 }])],
  'streams: xRange, xInfoStream, xInfoGroups, xPending, xInfoStreamFull': async (c) => [
    await c.xRange('x', '-', '+'),
    await c.xInfoStream('x'),
    await c.xInfoGroups('x'),
    await c.xPending('x', 'g'),
    await c.xInfoStreamFull('x'),
  ],
  'scripting: functionList, functionStats': async (c) => [await c.functionList({ withCode: true }), await c.functionStats()],
  'server: configGet, info keyspace, commandCount': async (c) => [await c.configGet(['maxmemory-policy', 'hz']), (await c.info('keyspace')).keyspace, await c.commandCount()],
  'pubsub: pubsubNumSub, pubsubChannels, pubsubNumPat': async (c) => [await c.pubsubNumSub(['news']), await c.pubsubChannels(), await c.pubsubNumPat()],
  'introspection: commandInfo, commandDocs, getKeysAndFlags': async (c) => [await c.commandInfo(['get', 'xreadgroup', 'client']), await c.commandDocs(['set', 'client']), await c.commandGetKeysAndFlags(['LMOVE', 'a', 'b', 'LEFT', 'RIGHT'])],
  'administration: role, tracking info, module list': async (c) => [await c.role(), await c.clientTrackingInfo(), await c.moduleList()],
  'acl: aclGetUser, aclCat, aclList': async (c) => [await c.aclGetUser('default'), await c.aclCat('geo'), await c.aclList()],
  'sort: sort with GET patterns': async (c) => [await c.sort('l2', { get: ['#', 'w:*'] })],
};

let seeded: Promise<void> | undefined;
/** Writes the data once (inside a test: the server starts in the file's hook). */
function seed(): Promise<void> {
  return (seeded ??= write());
}

async function write(): Promise<void> {
  await using c = redis.client();
  await c.mSet({ 's:a': 'ohmytext', 's:b': 'mynewtext', 'w:1': 'one' });
  await c.hSet('h', { f1: 'v1', f2: 'v2' });
  await c.rPush('l', ['a', 'b', 'c', 'b']);
  await c.rPush('l2', ['2', '1']);
  await c.sAdd('set', ['a', 'b']);
  await c.zAdd('z', [{ member: 'a', score: 1.5 }, { member: 'b', score: -2 }, { member: 'inf', score: Infinity }]);
  await c.geoAdd('g', [{ longitude: 13.361389, latitude: 38.115556, member: 'palermo' }, { longitude: 15.087269, latitude: 37.502669, member: 'catania' }]);
  await c.pfAdd('hll', ['a', 'b', 'c']);
  await c.setBit('bits', 3, 1);
  await c.xAdd('x', { a: '1' }, { id: '1-1' });
  await c.xAdd('x', { b: '2' }, { id: '2-1' });
  await c.xGroupCreate('x', 'g', '0');
  await using lease = await c.acquire();
  await lease.xReadGroup('g', 'consumer', [['x', '>']], { count: 1 });
  await c.functionLoad("#!lua name=shapes\nredis.register_function{function_name='f', callback=function() return 1 end, flags={'no-writes'}, description='d'}");
}

for (const returnBuffers of [false, true]) {
  for (const [family, sample] of Object.entries(SAMPLES)) {
    test(`${family}: the same under RESP2 and RESP3${returnBuffers ? ' (returnBuffers)' : ''}`, async () => {
      await seed();
      await using resp2 = redis.client({ protocol: 2, returnBuffers });
      await using resp3 = redis.client({ protocol: 3, returnBuffers });
      const [a, b] = [await sample(resp2), await sample(resp3)];
      assert.deepEqual(plain(a), plain(b));
    });
  }
}
