/**
 * toNodeRedis's stream commands against a real server: node-redis v5's argument shapes come out
 * as the commands they mean (the trim reaches the server, the group reads only new entries, a
 * BLOCK read wakes on a later XADD), replies come back as `{ id, message }` and
 * `[{ name, messages }]`, and what cannot be honoured is refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useRedisServer, uniqueKey } from '../helpers/setup.ts';
import { waitFor } from '../helpers/wait.ts';
import { toNodeRedis } from '../../src/compat/node-redis.ts';

const redis = useRedisServer();

for (const protocol of [2, 3] as const) {
  test(`toNodeRedis (RESP${protocol}): xAdd, xRange, xRead, xReadGroup, xAck, xTrim in node-redis v5 shapes`, async () => {
    await using client = redis.client({ protocol });
    const r = toNodeRedis(client);
    const k = uniqueKey('nr-stream');
    const id1 = await r.xAdd(k, '*', { f: '1' });
    assert.match(id1, /^\d+-\d+$/);
    await r.xAdd(k, '*', { f: '2' });
    const id3 = await r.xAdd(k, '*', { f: '3', g: 'x' }, { TRIM: { strategy: 'MAXLEN', strategyModifier: '=', threshold: 2 } });
    assert.equal(await r.xLen(k), 2, 'TRIM MAXLEN = 2 reached the server');
    assert.equal(await r.xAdd(`${k}:missing`, '*', { f: '1' }, { NOMKSTREAM: true }), null);
    assert.equal(await client.exists(`${k}:missing`), 0);

    const all = await r.xRange(k, '-', '+');
    assert.deepEqual(all.map((e: { message: unknown }) => e.message), [{ f: '2' }, { f: '3', g: 'x' }]);
    assert.equal(all[1].id, id3);
    assert.deepEqual(await r.xRevRange(k, '+', '-', { COUNT: 1 }), [{ id: id3, message: { f: '3', g: 'x' } }]);

    const read = await r.xRead({ key: k, id: '0-0' }, { COUNT: 1 });
    assert.deepEqual(read, [{ name: k, messages: [{ id: all[0].id, message: { f: '2' } }] }]);
    assert.equal(await r.xRead([{ key: k, id: id3 }]), null, 'nothing after the last id');

    // A BLOCK read wakes on an XADD made after it started (added until it does: the read may
    // reach the server after the first XADD, which '$' then does not cover).
    let woken: { name: string; messages: { id: string; message: unknown }[] }[] | undefined;
    void r.xRead({ key: k, id: '$' }, { BLOCK: 10_000 }).then((reply: typeof woken) => (woken = reply));
    const late: string[] = [];
    await waitFor(async () => {
      if (woken === undefined) late.push(await r.xAdd(k, '*', { late: 'yes' }));
      return woken !== undefined;
    });
    assert.equal(woken!.length, 1);
    assert.equal(woken![0]!.name, k);
    assert.ok(late.includes(woken![0]!.messages[0]!.id));
    assert.deepEqual(woken![0]!.messages[0]!.message, { late: 'yes' });

    const g = uniqueKey('group');
    assert.equal(await r.xGroupCreate(`${k}:g`, g, '$', { MKSTREAM: true }), 'OK');
    const gid = await r.xAdd(`${k}:g`, '*', { job: '1' });
    assert.deepEqual(await r.xReadGroup(g, 'c1', { key: `${k}:g`, id: '>' }, { COUNT: 10 }), [{ name: `${k}:g`, messages: [{ id: gid, message: { job: '1' } }] }]);
    assert.equal(await r.xReadGroup(g, 'c1', { key: `${k}:g`, id: '>' }), null, 'the group read it already');
    assert.equal(await r.xAck(`${k}:g`, g, gid), 1);
    assert.equal(await r.xAck(`${k}:g`, g, [gid]), 0, 'acknowledged once');
    assert.equal(await r.xGroupDestroy(`${k}:g`, g), 1);

    assert.equal(await r.xDel(k, [id3]), 1);
    assert.equal(await r.xTrim(k, 'MAXLEN', 0), 1 + late.length);
    assert.equal(await r.xLen(k), 0);

    assert.throws(() => r.xAdd(k, '*', { f: '1' }, { MAXLEN: 10 }), { code: 'ERR_INVALID_OPTION', message: /unknown option "MAXLEN"; accepted: TRIM, NOMKSTREAM/ });
    assert.throws(() => r.xAdd(k, '*', { f: '1' }, { TRIM: { threshold: 10 } }), { code: 'ERR_INVALID_OPTION', message: /strategy must be "MAXLEN" or "MINID"/ });
    assert.throws(() => r.xRead({ key: k, id: '0', count: 1 }), { code: 'ERR_INVALID_OPTION', message: /unknown option "count"; accepted: key, id/ });
    assert.throws(() => r.xRead({ key: k, id: '0' }, { NOACK: true }), { code: 'ERR_INVALID_OPTION', message: /unknown option "NOACK"/ });
    assert.throws(() => r.xTrim(k, 'MAXLEN', 10, { strategyModifier: '>' }), { code: 'ERR_INVALID_OPTION', message: /strategyModifier must be "=" or "~"/ });
  });
}
