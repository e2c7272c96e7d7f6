import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useRedisServer, forEachProtocol, uniqueKey } from '../helpers/setup.ts';
import { ReplyError, type StreamEntry } from '../../src/index.ts';

const redis = useRedisServer();

const fieldsOf = (entries: StreamEntry[]): Record<string, string>[] => entries.map((e) => ({ ...e.fields }));

forEachProtocol((protocol) => {
  test('xAdd, xLen, xRange, xRevRange, xDel and xTrim with typed entries', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey('stream');
    const first = await client.xAdd(k, { name: 'a', n: 1 });
    assert.match(String(first), /^\d+-\d+$/);
    const second = await client.xAdd(k, [['name', 'b'], ['n', '2']], { id: '*' });
    const third = await client.xAdd(k, { name: 'c' }, { id: `${Date.now() + 1_000_000}-0` });
    assert.equal(third, `${Number(String(third).split('-')[0])}-0`);
    assert.equal(await client.xLen(k), 3);
    const all = await client.xRange(k, '-', '+');
    assert.deepEqual(all.map((e) => e.id), [first, second, third]);
    assert.deepEqual(fieldsOf(all), [{ name: 'a', n: '1' }, { name: 'b', n: '2' }, { name: 'c' }]);
    assert.equal(Object.getPrototypeOf(all[0].fields), null, 'fields are a prototype-free record');
    assert.deepEqual((await client.xRange(k, `(${first}`, '+', { count: 1 })).map((e) => e.id), [second]);
    assert.deepEqual((await client.xRevRange(k, '+', '-', { count: 2 })).map((e) => e.id), [third, second]);
    assert.deepEqual(await client.xRange(uniqueKey(), '-', '+'), []);
    assert.equal(await client.xDel(k, [String(second), '0-1']), 1);
    assert.equal(await client.xTrim(k, { maxLen: 1 }), 1);
    assert.deepEqual((await client.xRange(k, '-', '+')).map((e) => e.id), [third]);
    assert.equal(await client.xAdd(uniqueKey(), { a: 1 }, { noMkStream: true }), null, 'NOMKSTREAM on a missing stream');
    // Trimming while adding, exact and approximate.
    const t = uniqueKey('trim');
    for (let i = 0; i < 5; i++) await client.xAdd(t, { i }, { trim: { maxLen: 3 } });
    assert.equal(await client.xLen(t), 3);
    await client.xAdd(t, { i: 5 }, { trim: { minId: '0-1', approximate: true, limit: 10 } });
    assert.equal(await client.xTrim(t, { minId: String((await client.xRange(t, '-', '+'))[2].id) }), 2);
  });

  test('xAdd and xTrim refuse contradictory or unknown options before sending', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey();
    assert.throws(() => client.xAdd(k, { a: 1 }, { trim: { maxLen: 1, minId: '1-0' } }), { code: 'ERR_INVALID_OPTION', message: /"trim.maxLen" and "trim.minId" cannot be combined/ });
    assert.throws(() => client.xAdd(k, { a: 1 }, { trim: { maxLen: 1, limit: 10 } }), { code: 'ERR_INVALID_ARGUMENT', message: /limit needs trim.approximate/ });
    assert.throws(() => client.xAdd(k, { a: 1 }, { MAXLEN: 10 } as never), { code: 'ERR_INVALID_OPTION', message: /"MAXLEN" \(use trim: \{ maxLen: n \}\)/ });
    assert.throws(() => client.xTrim(k, { MAXLEN: 10 } as never), { code: 'ERR_INVALID_OPTION', message: /"MAXLEN" \(use maxLen: n\)/ });
    assert.throws(() => client.xAdd(k, {}), { code: 'ERR_INVALID_ARGUMENT', message: /at least one entry/ });
    assert.throws(() => client.xTrim(k, {}), { code: 'ERR_INVALID_ARGUMENT', message: /maxLen or minId is required/ });
    assert.throws(() => client.xRead({}), { code: 'ERR_INVALID_ARGUMENT', message: /at least one stream/ });
    assert.throws(() => client.xRead({ [k]: '0' }, { blockMs: -1 }), { code: 'ERR_INVALID_OPTION' });
    assert.equal(await client.exists(k), 0);
  });

  test('xRead reads several streams in the order given, and null when there is nothing', async () => {
    await using client = redis.client({ protocol });
    const a = uniqueKey('a');
    const b = uniqueKey('b');
    const idA = await client.xAdd(a, { v: 'a1' });
    await client.xAdd(b, { v: 'b1' });
    await client.xAdd(b, { v: 'b2' });
    const read = await client.xRead([[b, '0'], [a, '0']], { count: 1 });
    assert.ok(read !== null);
    assert.deepEqual(read.map((s) => s.key), [b, a]);
    assert.deepEqual(read.map((s) => fieldsOf(s.entries)), [[{ v: 'b1' }], [{ v: 'a1' }]]);
    assert.equal(await client.xRead({ [a]: String(idA) }), null);
    assert.equal(await client.xRead({ [a]: '$' }, { blockMs: 50 }), null, 'a blocking read times out with null');
  });

  test('a blocking xRead waits on a connection of its own: other commands go on, and it wakes on xAdd', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey('block');
    const reading = client.xRead({ [k]: '$' }, { blockMs: 5000 });
    // Give the read time to reach the server and block there.
    for (let i = 0; i < 200 && !(await client.clientList({ type: 'normal' })).some((c) => c.cmd === 'xread' && c.flags.includes('b')); i++) await client.ping();
    assert.equal(await client.ping(), 'PONG', 'the shared connection is not held up');
    const id = await client.xAdd(k, { hello: 'world' });
    const read = await reading;
    assert.deepEqual(read?.[0].entries.map((e) => e.id), [id]);
    assert.deepEqual(read?.[0].entries[0].fields, Object.assign(Object.create(null), { hello: 'world' }));
  });

  test('consumer groups: create, read new entries, pending, acknowledge, claim and describe', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey('jobs');
    assert.equal(await client.xGroupCreate(k, 'g', '$', { mkStream: true }), 'OK');
    await assert.rejects(client.xGroupCreate(k, 'g', '$'), (err: unknown) => err instanceof ReplyError && err.code === 'BUSYGROUP');
    const ids = [await client.xAdd(k, { job: 1 }), await client.xAdd(k, { job: 2 }), await client.xAdd(k, { job: 3 })].map(String);
    const read = await client.xReadGroup('g', 'alice', { [k]: '>' }, { count: 2 });
    assert.deepEqual(read?.[0].entries.map((e) => [e.id, { ...e.fields }]), [[ids[0], { job: '1' }], [ids[1], { job: '2' }]]);
    assert.equal(await client.xReadGroup('g', 'bob', { [k]: '>' }, { count: 5 }).then((r) => r?.[0].entries.length), 1);
    assert.equal(await client.xReadGroup('g', 'bob', { [k]: '>' }), null, 'nothing new');

    const summary = await client.xPending(k, 'g');
    assert.deepEqual(summary, { count: 3, minId: ids[0], maxId: ids[2], consumers: [{ name: 'alice', count: 2 }, { name: 'bob', count: 1 }] });
    const pending = await client.xPendingRange(k, 'g', '-', '+', 10, { consumer: 'alice' });
    assert.deepEqual(pending.map((p) => [p.id, p.consumer, p.deliveries]), [[ids[0], 'alice', 1], [ids[1], 'alice', 1]]);
    assert.ok(pending.every((p) => typeof p.idleMs === 'number' && p.idleMs >= 0));

    assert.equal(await client.xAck(k, 'g', ids[0]), 1);
    assert.equal(await client.xAck(k, 'g', [ids[0], ids[1]]), 1, 'only ids still pending count');
    // alice's own pending entries, by reading her history (id 0).
    await client.xReadGroup('g', 'alice', { [k]: '0' }).then((r) => assert.deepEqual(r?.[0].entries, []));

    // bob's entry, idle 0 ms or more, claimed by carol; then autoclaimed back by dave.
    const claimed = await client.xClaim(k, 'g', 'carol', 0, ids[2], { retryCount: 5 });
    assert.deepEqual(claimed.map((e) => e.id), [ids[2]]);
    assert.deepEqual(await client.xClaimJustId(k, 'g', 'carol', 0, [ids[2]]), [ids[2]]);
    const auto = await client.xAutoClaim(k, 'g', 'dave', 0, '0-0', { count: 10 });
    assert.deepEqual({ next: auto.nextId, ids: auto.entries.map((e) => e.id), deleted: auto.deletedIds }, { next: '0-0', ids: [ids[2]], deleted: [] });
    assert.deepEqual((await client.xPendingRange(k, 'g', '-', '+', 10))[0].consumer, 'dave');
    // A pending entry deleted from the stream: XAUTOCLAIM reports it and drops it.
    await client.xDel(k, ids[2]);
    const gone = await client.xAutoClaimJustId(k, 'g', 'erin', 0, '0-0');
    assert.deepEqual(gone, { nextId: '0-0', ids: [], deletedIds: [ids[2]] });

    const info = await client.xInfoStream(k);
    assert.equal(info.length, 2);
    assert.equal(info.groups, 1);
    assert.equal(info.lastGeneratedId, ids[2]);
    assert.equal(info.firstEntry?.id, ids[0]);
    assert.deepEqual({ ...info.lastEntry?.fields }, { job: '2' });
    const groups = await client.xInfoGroups(k);
    // erin claimed nothing (only a deleted id), so the server did not create her.
    assert.deepEqual(groups.map((g) => [g.name, g.consumers, g.pending, g.lastDeliveredId]), [['g', 4, 0, ids[2]]]);
    const consumers = await client.xInfoConsumers(k, 'g');
    assert.deepEqual(consumers.map((c) => c.name).sort(), ['alice', 'bob', 'carol', 'dave']);
    assert.ok(consumers.every((c) => c.pending === 0 && c.idleMs >= 0));
    const full = await client.xInfoStreamFull(k, { count: 1 });
    assert.equal(full.length, 2);
    assert.equal(full.entries.length, 1);
    assert.deepEqual(full.groups.map((g) => [g.name, g.lastDeliveredId, g.pelCount, g.consumers.length]), [['g', ids[2], 0, 4]]);
    assert.ok(full.groups[0].consumers.every((c) => c.seenTimeMs > 1e12 && c.pending.length === 0));

    assert.equal(await client.xGroupCreateConsumer(k, 'g', 'frank'), true);
    assert.equal(await client.xGroupCreateConsumer(k, 'g', 'frank'), false);
    assert.equal(await client.xGroupDelConsumer(k, 'g', 'frank'), 0);
    assert.equal(await client.xGroupSetId(k, 'g', '0'), 'OK');
    assert.equal((await client.xReadGroup('g', 'alice', { [k]: '>' }))?.[0].entries.length, 2, 'the group reads again from the start');
    assert.equal(await client.xGroupDestroy(k, 'g'), true);
    assert.equal(await client.xGroupDestroy(k, 'g'), false);
    assert.equal(await client.xSetId(k, `${Date.now() + 2_000_000}-0`, { entriesAdded: 10 }), 'OK');
    assert.equal((await client.xInfoStream(k)).entriesAdded, 10);
  });

  test('xReadGroup of a consumer\'s history gives null fields for an entry deleted while pending', async () => {
    await using client = redis.client({ protocol });
    const k = uniqueKey('hist');
    await client.xGroupCreate(k, 'g', '$', { mkStream: true });
    const id = String(await client.xAdd(k, { a: 1 }));
    await client.xReadGroup('g', 'c', { [k]: '>' });
    await client.xDel(k, id);
    const history = await client.xReadGroup('g', 'c', { [k]: '0' });
    assert.deepEqual(history?.[0].entries, [{ id, fields: null }]);
  });

  test('publish and sPublish reach subscribers and count them; PUBSUB introspection', async () => {
    await using client = redis.client({ protocol });
    const channel = uniqueKey('news');
    const shard = uniqueKey('shard');
    const got: string[] = [];
    await using sub = await client.subscribe(channel, (m) => void got.push(`c:${m}`));
    await using ssub = await client.sSubscribe(shard, (m) => void got.push(`s:${m}`));
    assert.equal(await client.publish(channel, 'hello'), 1);
    assert.equal(await client.sPublish(shard, 'world'), 1);
    assert.equal(await client.publish(uniqueKey('nobody'), 'x'), 0);
    for (let i = 0; i < 500 && got.length < 2; i++) await client.ping();
    assert.deepEqual(got.sort(), ['c:hello', 's:world']);
    assert.ok((await client.pubsubChannels()).includes(channel));
    assert.deepEqual(await client.pubsubChannels(`${channel}*`), [channel]);
    assert.deepEqual(await client.pubsubNumSub([channel, uniqueKey('none')]).then((p) => p.map(([c, n]) => [c === channel, n])), [[true, 1], [false, 0]]);
    assert.deepEqual(await client.pubsubNumSub(), []);
    assert.equal(typeof (await client.pubsubNumPat()), 'number');
    assert.deepEqual(await client.pubsubShardChannels(`${shard}*`), [shard]);
    assert.deepEqual(await client.pubsubShardNumSub(shard), [[shard, 1]]);
    await sub.unsubscribe();
    await ssub.unsubscribe();
  });
});

test('stream replies are identical under RESP2 and RESP3', async () => {
  const outcomes = [];
  for (const protocol of [2, 3] as const) {
    await using client = redis.client({ protocol });
    const k = `same-stream:${protocol}`;
    await client.del(k);
    await client.xAdd(k, { a: 1, b: 'x' }, { id: '1-1' });
    await client.xAdd(k, { c: 2 }, { id: '2-1' });
    await client.xGroupCreate(k, 'g', '0');
    const read = await client.xRead({ [k]: '0' });
    const group = await client.xReadGroup('g', 'c', { [k]: '>' }, { count: 1 });
    const pending = await client.xPending(k, 'g');
    const info = await client.xInfoStream(k);
    const groups = await client.xInfoGroups(k);
    const consumers = (await client.xInfoConsumers(k, 'g')).map((c) => ({ ...c, idleMs: 0 }));
    const claimed = await client.xAutoClaim(k, 'g', 'd', 0, '0-0');
    outcomes.push(JSON.stringify({ read: read?.map((s) => ({ key: s.key.replace(String(protocol), ''), entries: s.entries })), group: group?.[0].entries, pending: { ...pending, consumers: pending.consumers }, info, groups, consumers, claimed }));
  }
  assert.equal(outcomes[0], outcomes[1]);
});
