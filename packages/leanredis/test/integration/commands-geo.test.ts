import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useRedisServer, forEachProtocol, uniqueKey } from '../helpers/setup.ts';
import { ArgumentError, ReplyError, type Client } from '../../src/index.ts';

const redis = useRedisServer();

const SICILY = [
  { longitude: 13.361389, latitude: 38.115556, member: 'Palermo' },
  { longitude: 15.087269, latitude: 37.502669, member: 'Catania' },
];
// Geohash scores of the members above (from the server's documentation).
const PALERMO_HASH = 3479099956230698;
const CATANIA_HASH = 3479447370796909;

async function sicily(client: Client): Promise<string> {
  const k = uniqueKey('geo');
  assert.equal(await client.geoAdd(k, SICILY), 2);
  return k;
}

/** Positions come back from a 52-bit geohash: within 1e-5 degrees of what was written. */
function assertNear(actual: { longitude: number; latitude: number } | null | undefined, expected: { longitude: number; latitude: number }): void {
  assert.ok(actual != null, 'expected a position');
  assert.ok(Math.abs(actual.longitude - expected.longitude) < 1e-5, `longitude ${actual.longitude}`);
  assert.ok(Math.abs(actual.latitude - expected.latitude) < 1e-5, `latitude ${actual.latitude}`);
}

function isArgumentError(method: string, code: 'ERR_INVALID_ARGUMENT' | 'ERR_INVALID_OPTION' = 'ERR_INVALID_ARGUMENT'): (err: unknown) => boolean {
  return (err: unknown) => err instanceof ArgumentError && err.code === code && err.message.startsWith(`${method}:`);
}

forEachProtocol((protocol) => {
  test('geoAdd adds members and honours NX, XX and CH', async () => {
    await using client = redis.client({ protocol });
    const k = await sicily(client);
    assert.equal(await client.geoAdd(k, SICILY), 0);
    const moved = { longitude: 13.4, latitude: 38.1, member: 'Palermo' };
    const added = { longitude: 15.5, latitude: 37.9, member: 'Siracusa' };
    assert.equal(await client.geoAdd(k, [moved, added], { condition: 'XX' }), 0, 'XX never adds');
    assert.equal(await client.geoAdd(k, [moved, added], { condition: 'XX', changed: true }), 0, 'already moved');
    assert.equal(await client.geoAdd(k, [{ ...moved, longitude: 13.5 }], { condition: 'XX', changed: true }), 1);
    assert.equal(await client.geoAdd(k, [{ ...moved, longitude: 13 }, added], { condition: 'NX' }), 1, 'NX only adds');
    assertNear((await client.geoPos(k, ['Palermo']))[0], { longitude: 13.5, latitude: 38.1 });
    assert.equal(await client.geoAdd(k, [{ longitude: 0, latitude: 0, member: Buffer.from([0xff, 0x00]) }]), 1);
    assert.equal(await client.call('ZCARD', k), 4);
  });

  test('geoPos returns numeric coordinates, null for missing members', async () => {
    await using client = redis.client({ protocol });
    const k = await sicily(client);
    const positions = await client.geoPos(k, ['Palermo', 'nowhere', 'Catania']);
    assert.equal(positions.length, 3);
    assertNear(positions[0], SICILY[0]);
    assert.equal(positions[1], null);
    assertNear(positions[2], SICILY[1]);
    assert.equal(typeof positions[0]!.longitude, 'number');
    assert.deepEqual(await client.geoPos(uniqueKey(), ['x']), [null]);
  });

  test('geoDist measures in m, km, mi and ft, null when a member is missing', async () => {
    await using client = redis.client({ protocol });
    const k = await sicily(client);
    assert.equal(await client.geoDist(k, 'Palermo', 'Catania'), 166274.1516);
    assert.equal(await client.geoDist(k, 'Palermo', 'Catania', 'm'), 166274.1516);
    assert.equal(await client.geoDist(k, 'Palermo', 'Catania', 'km'), 166.2742);
    assert.equal(await client.geoDist(k, 'Palermo', 'Catania', 'mi'), 103.3182);
    assert.equal(await client.geoDist(k, 'Palermo', 'Catania', 'ft'), 545518.8700);
    assert.equal(await client.geoDist(k, 'Palermo', 'Palermo'), 0);
    assert.equal(await client.geoDist(k, 'Palermo', 'nowhere'), null);
  });

  test('geoHash returns 11-character geohashes, null for missing members', async () => {
    await using client = redis.client({ protocol });
    const k = await sicily(client);
    assert.deepEqual(await client.geoHash(k, ['Palermo', 'Catania', 'nowhere']), ['sqc8b49rny0', 'sqdtr74hyu0', null]);
  });

  test('geoSearch finds members by radius or box, from a point or a member, sorted and counted', async () => {
    await using client = redis.client({ protocol });
    const k = await sicily(client);
    const point = { longitude: 15, latitude: 37 };
    assert.deepEqual(await client.geoSearch(k, point, { radius: 200, unit: 'km' }, { order: 'ASC' }), ['Catania', 'Palermo']);
    assert.deepEqual(await client.geoSearch(k, point, { radius: 200, unit: 'km' }, { order: 'DESC' }), ['Palermo', 'Catania']);
    assert.deepEqual(await client.geoSearch(k, point, { radius: 100, unit: 'km' }), ['Catania']);
    assert.deepEqual(await client.geoSearch(k, point, { radius: 200_000, unit: 'm' }, { order: 'ASC', count: 1 }), ['Catania']);
    const any = await client.geoSearch(k, point, { radius: 200, unit: 'km' }, { count: 1, any: true });
    assert.equal(any.length, 1);
    assert.deepEqual(await client.geoSearch(k, point, { width: 400, height: 400, unit: 'km' }, { order: 'ASC' }), ['Catania', 'Palermo']);
    assert.deepEqual(await client.geoSearch(k, point, { width: 10, height: 10, unit: 'mi' }), []);
    assert.deepEqual(await client.geoSearch(k, { member: 'Palermo' }, { radius: 100, unit: 'km' }), ['Palermo']);
    assert.deepEqual(await client.geoSearch(k, { member: 'Palermo' }, { radius: 600_000, unit: 'ft' }, { order: 'DESC' }), ['Catania', 'Palermo']);
    assert.deepEqual(await client.geoSearch(uniqueKey(), point, { radius: 1, unit: 'km' }), []);
  });

  test('geoSearchWith returns objects with the distance, hash and coordinates asked for', async () => {
    await using client = redis.client({ protocol });
    const k = await sicily(client);
    const point = { longitude: 15, latitude: 37 };
    const all = await client.geoSearchWith(k, point, { radius: 200, unit: 'km' }, { order: 'ASC', withCoord: true, withDist: true, withHash: true });
    assert.deepEqual(
      all.map(({ member, distance, hash }) => ({ member, distance, hash })),
      [
        { member: 'Catania', distance: 56.4413, hash: CATANIA_HASH },
        { member: 'Palermo', distance: 190.4424, hash: PALERMO_HASH },
      ],
    );
    assertNear(all[0].coordinates, SICILY[1]);
    assertNear(all[1].coordinates, SICILY[0]);
    assert.deepEqual(await client.geoSearchWith(k, point, { radius: 200, unit: 'km' }, { order: 'ASC', withDist: true }), [
      { member: 'Catania', distance: 56.4413 },
      { member: 'Palermo', distance: 190.4424 },
    ]);
    assert.deepEqual(await client.geoSearchWith(k, point, { radius: 200, unit: 'km' }, { order: 'DESC', count: 1, withHash: true }), [
      { member: 'Palermo', hash: PALERMO_HASH },
    ]);
    const coords = await client.geoSearchWith(k, { member: 'Catania' }, { width: 1, height: 1, unit: 'km' }, { withCoord: true });
    assert.deepEqual(Object.keys(coords[0]).sort(), ['coordinates', 'member']);
    assertNear(coords[0].coordinates, SICILY[1]);
    assert.deepEqual(await client.geoSearchWith(uniqueKey(), point, { radius: 1, unit: 'km' }, { withDist: true }), []);
  });

  test('geoSearchStore stores members as a sorted set, with geohash or distance scores', async () => {
    await using client = redis.client({ protocol });
    const k = await sicily(client);
    const dest = uniqueKey('geo');
    const point = { longitude: 15, latitude: 37 };
    assert.equal(await client.geoSearchStore(dest, k, point, { radius: 200, unit: 'km' }, { order: 'ASC', count: 2 }), 2);
    assert.deepEqual(await client.geoSearch(dest, point, { radius: 200, unit: 'km' }, { order: 'ASC' }), ['Catania', 'Palermo']);
    assert.equal(Number(await client.call('ZSCORE', dest, 'Palermo')), PALERMO_HASH);
    assert.equal(await client.geoSearchStore(dest, k, point, { radius: 100, unit: 'km' }, { storeDist: true }), 1);
    const score = Number(await client.call('ZSCORE', dest, 'Catania'));
    assert.ok(Math.abs(score - 56.4413) < 1e-3, `distance score ${score} (km)`);
    assert.equal(await client.geoSearchStore(dest, k, point, { radius: 1, unit: 'km' }), 0);
    assert.equal(await client.exists(dest), 0, 'an empty result deletes the destination');
  });

  test('geo commands in a pipeline and a transaction resolve a typed tuple', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey('geo');
    const results = await client
      .pipeline()
      .geoAdd(k, SICILY)
      .geoDist(k, 'Palermo', 'Catania', 'km')
      .geoHash(k, ['Palermo'])
      .geoSearch(k, { member: 'Catania' }, { radius: 10, unit: 'km' })
      .geoSearchWith(k, { member: 'Catania' }, { radius: 10, unit: 'km' }, { withDist: true })
      .exec();
    const typed: [number, number | null, (string | null)[], string[], { member: string; distance?: number }[]] = results;
    assert.deepEqual(typed, [2, 166.2742, ['sqc8b49rny0'], ['Catania'], [{ member: 'Catania', distance: 0 }]]);
    const tx = await client.multi().geoPos(k, ['Catania']).geoDist(k, 'Catania', 'Palermo', 'km').exec();
    assert.ok(tx !== null);
    assertNear(tx[0][0], SICILY[1]);
    assert.equal(tx[1], 166.2742);
  });

  test('geo replies honour returnBuffers for members; numbers stay numbers', async () => {
    await using client = redis.client({ protocol, returnBuffers: true });
    const k = uniqueKey('geo');
    await client.geoAdd(k, SICILY);
    const point = { longitude: 15, latitude: 37 };
    assert.deepEqual(await client.geoSearch(k, point, { radius: 200, unit: 'km' }, { order: 'ASC' }), [Buffer.from('Catania'), Buffer.from('Palermo')]);
    const hits = await client.geoSearchWith(k, point, { radius: 100, unit: 'km' }, { withDist: true, withCoord: true, withHash: true });
    assert.deepEqual(hits[0].member, Buffer.from('Catania'));
    assert.equal(hits[0].distance, 56.4413);
    assert.equal(hits[0].hash, CATANIA_HASH);
    assertNear(hits[0].coordinates, SICILY[1]);
    assertNear((await client.geoPos(k, ['Palermo']))[0], SICILY[0]);
    assert.equal(await client.geoDist(k, 'Palermo', 'Catania', 'km'), 166.2742);
    // Geohashes are text the server computes (ServerText): strings even on a Buffer client.
    assert.deepEqual(await client.geoHash(k, ['Catania']), ['sqdtr74hyu0']);
  });

  test('geo commands reject bad arguments synchronously with ArgumentError', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey();
    const radius = { radius: 1, unit: 'km' } as const;
    const point = { longitude: 0, latitude: 0 };
    assert.throws(() => client.geoAdd(k, []), isArgumentError('geoAdd'));
    assert.throws(() => client.geoAdd(k, [{ longitude: 181, latitude: 0, member: 'x' }]), isArgumentError('geoAdd'));
    assert.throws(() => client.geoAdd(k, [{ longitude: 0, latitude: 86, member: 'x' }]), isArgumentError('geoAdd'));
    assert.throws(() => client.geoAdd(k, [{ longitude: Number.NaN, latitude: 0, member: 'x' }]), isArgumentError('geoAdd'));
    assert.throws(() => client.geoAdd(k, [{ longitude: 0, latitude: 0, member: 'x' }], { condition: 'GT' as 'NX' }), isArgumentError('geoAdd', 'ERR_INVALID_OPTION'));
    assert.throws(() => client.geoDist(k, 'a', 'b', 'yd' as 'ft'), isArgumentError('geoDist'));
    assert.throws(() => client.geoSearch(k, point, { radius: -1, unit: 'km' }), isArgumentError('geoSearch'));
    assert.throws(() => client.geoSearch(k, point, { radius: 1, unit: 'KM' as 'km' }), isArgumentError('geoSearch'));
    assert.throws(() => client.geoSearch(k, point, { width: 1, height: Infinity, unit: 'km' }), isArgumentError('geoSearch'));
    assert.throws(() => client.geoSearch(k, { longitude: 0, latitude: -90 }, radius), isArgumentError('geoSearch'));
    assert.throws(() => client.geoSearch(k, point, radius, { count: 0 }), isArgumentError('geoSearch', 'ERR_INVALID_OPTION'));
    assert.throws(() => client.geoSearch(k, point, radius, { any: true }), isArgumentError('geoSearch'));
    assert.throws(() => client.geoSearch(k, point, radius, { order: 'asc' as 'ASC' }), isArgumentError('geoSearch', 'ERR_INVALID_OPTION'));
    assert.throws(() => client.geoSearchWith(k, point, radius, {}), isArgumentError('geoSearchWith'));
    assert.throws(() => client.geoSearchStore(k, k, point, radius, { count: 1.5 }), isArgumentError('geoSearchStore', 'ERR_INVALID_OPTION'));
  });

  test('geo commands reject with the server error: missing origin member, wrong type', async () => {
    await using client = redis.client({ protocol });
    const k = await sicily(client);
    await assert.rejects(
      client.geoSearch(k, { member: 'nowhere' }, { radius: 1, unit: 'km' }),
      (err: unknown) => err instanceof ReplyError && err.code === 'ERR' && err.command === 'GEOSEARCH',
    );
    const s = uniqueKey();
    await client.set(s, 'x');
    await assert.rejects(client.geoAdd(s, SICILY), (err: unknown) => err instanceof ReplyError && err.code === 'WRONGTYPE' && err.command === 'GEOADD');
    await assert.rejects(client.geoPos(s, ['a']), (err: unknown) => err instanceof ReplyError && err.code === 'WRONGTYPE');
  });
});

test('geo results are identical under RESP2 and RESP3', async () => {
  const outcomes = [];
  for (const protocol of [2, 3] as const) {
    await using client = redis.client({ protocol });
    const k = await sicily(client);
    const point = { longitude: 15, latitude: 37 };
    outcomes.push(
      await Promise.all([
        client.geoPos(k, ['Palermo', 'nowhere', 'Catania']),
        client.geoDist(k, 'Palermo', 'Catania', 'mi'),
        client.geoHash(k, ['Catania']),
        client.geoSearch(k, point, { radius: 300, unit: 'km' }, { order: 'ASC' }),
        client.geoSearchWith(k, point, { radius: 300, unit: 'km' }, { order: 'ASC', withCoord: true, withDist: true, withHash: true }),
        client.geoSearchWith(k, point, { radius: 300, unit: 'km' }, { order: 'ASC', withCoord: true }),
      ]),
    );
  }
  assert.deepEqual(outcomes[0], outcomes[1]);
});
