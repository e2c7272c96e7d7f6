/**
 * client.streamConsumer(): a consumer group member as an async iterator, against a real server:
 * bounded batches, acknowledgement, recovery of its own pending entries, claiming of entries
 * other consumers left idle, a prompt close, and a lost connection that loses nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useRedisServer, forEachProtocol, uniqueKey } from '../helpers/setup.ts';
import { ArgumentError, type ClientRecord, type StreamMessage } from '../../src/index.ts';

const redis = useRedisServer();

/** A connection blocked in XREADGROUP (flag "b"; cmd alone is only the last command it ran). */
const isBlockedRead = (c: ClientRecord): boolean => c.cmd === 'xreadgroup' && c.flags.includes('b');

/** Pulls `n` messages from an iterator (without ending it). */
async function take(it: AsyncIterator<StreamMessage>, n: number): Promise<StreamMessage[]> {
  const out: StreamMessage[] = [];
  while (out.length < n) {
    const r = await it.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

forEachProtocol((protocol) => {
  test('delivers entries in bounded batches; ack() takes them off the pending list', async () => {
    await using client = redis.client({ protocol });
    const stream = uniqueKey('jobs');
    const consumer = client.streamConsumer({ stream, group: 'g', consumer: 'c1', startId: '0', batchSize: 10, blockMs: 100 });
    for (let i = 0; i < 25; i++) await client.xAdd(stream, { n: i });
    const it = consumer[Symbol.asyncIterator]();
    const [first] = await take(it, 1);
    assert.deepEqual({ ...first.fields }, { n: '0' });
    assert.equal(first.source, 'new');
    assert.equal(first.stream, stream);
    // One batch was read: the other 15 entries are still in the stream, not in memory.
    assert.equal((await client.xPending(stream, 'g')).count, 10);
    await first.ack();
    const rest = await take(it, 24);
    assert.deepEqual(rest.map((m) => Number(m.fields.n)), Array.from({ length: 24 }, (_, i) => i + 1));
    assert.equal(await consumer.ack(rest.map((m) => m.id)), 24);
    assert.equal((await client.xPending(stream, 'g')).count, 0);
    assert.deepEqual(consumer.stats, { delivered: 25, acknowledged: 25, claimed: 0, retries: 0 });
    consumer.close();
    assert.deepEqual(await it.next(), { value: undefined, done: true });
  });

  test('a consumer started again gets its unacknowledged entries first, then new ones', async () => {
    await using client = redis.client({ protocol });
    const stream = uniqueKey('recover');
    const options = { stream, group: 'g', consumer: 'worker-1', startId: '0', blockMs: 100, claimIdleMs: 0 };
    for (let i = 0; i < 3; i++) await client.xAdd(stream, { n: i });
    {
      const crashed = client.streamConsumer(options);
      const got = await take(crashed[Symbol.asyncIterator](), 3);
      await got[0].ack();
      crashed.close(); // "crashes" with entries 1 and 2 unacknowledged
    }
    await client.xAdd(stream, { n: 3 });
    const again = client.streamConsumer(options);
    const got = await take(again[Symbol.asyncIterator](), 3);
    assert.deepEqual(got.map((m) => [m.fields.n, m.source]), [['1', 'pending'], ['2', 'pending'], ['3', 'new']]);
    again.close();
  });

  test('claims entries another consumer left pending longer than claimIdleMs', async () => {
    await using client = redis.client({ protocol });
    const stream = uniqueKey('claim');
    await client.xGroupCreate(stream, 'g', '0', { mkStream: true });
    for (let i = 0; i < 3; i++) await client.xAdd(stream, { n: i });
    // A consumer that read and then died.
    await client.xReadGroup('g', 'dead', { [stream]: '>' });
    const consumer = client.streamConsumer({ stream, group: 'g', consumer: 'alive', blockMs: 20, claimIdleMs: 50 });
    const got = await take(consumer[Symbol.asyncIterator](), 3);
    assert.deepEqual(got.map((m) => [m.fields.n, m.source]), [['0', 'claimed'], ['1', 'claimed'], ['2', 'claimed']]);
    assert.equal(consumer.stats.claimed, 3);
    assert.deepEqual((await client.xPending(stream, 'g')).consumers, [{ name: 'alive', count: 3 }]);
    consumer.close();
  });

  test('close() and the signal end a blocked read at once, leaving the shared connection alone', async () => {
    await using client = redis.client({ protocol });
    const stream = uniqueKey('idle');
    const consumer = client.streamConsumer({ stream, group: 'g', consumer: 'c', blockMs: 30_000, claimIdleMs: 0 });
    const next = consumer[Symbol.asyncIterator]().next();
    for (let i = 0; i < 500 && !(await client.clientList({ type: 'normal' })).some(isBlockedRead); i++) await client.ping();
    const t0 = performance.now();
    consumer.close();
    assert.deepEqual(await next, { value: undefined, done: true });
    assert.ok(performance.now() - t0 < 1000, 'ended without waiting for blockMs');
    assert.equal(await client.ping(), 'PONG');

    const controller = new AbortController();
    const other = client.streamConsumer({ stream, group: 'g', consumer: 'd', blockMs: 30_000, signal: controller.signal });
    const pending = (async () => {
      for await (const m of other) assert.fail(`unexpected ${m.id}`);
    })();
    controller.abort();
    await pending;
    assert.equal(other.isClosed, true);
  });

  test('a connection lost during a blocked read is retried and loses nothing', async () => {
    await using client = redis.client({ protocol });
    await using admin = redis.client({ protocol });
    const stream = uniqueKey('lost');
    const consumer = client.streamConsumer({ stream, group: 'g', consumer: 'c', blockMs: 30_000, claimIdleMs: 0 });
    const it = consumer[Symbol.asyncIterator]();
    const next = it.next();
    let blocked: string | undefined;
    for (let i = 0; i < 500 && blocked === undefined; i++) blocked = (await admin.clientList({ type: 'normal' })).find(isBlockedRead)?.id;
    assert.ok(blocked !== undefined, 'the read is blocked on the server');
    assert.equal(await admin.clientKill({ id: Number(blocked) }), 1);
    await admin.xAdd(stream, { after: 'kill' });
    const r = await next;
    assert.equal(r.done, false);
    assert.deepEqual({ ...(r.value as StreamMessage).fields }, { after: 'kill' });
    assert.ok(consumer.stats.retries >= 1, JSON.stringify(consumer.stats));
    await (r.value as StreamMessage).ack();
    consumer.close();
  });
});

test('streamConsumer() refuses unknown and bad options at once', () => {
  const client = redis.client();
  try {
    assert.throws(() => client.streamConsumer({ stream: 's', group: 'g', consumer: 'c', count: 5 } as never), (err: unknown) => err instanceof ArgumentError && err.code === 'ERR_INVALID_OPTION' && /unknown option "count"/.test(err.message));
    assert.throws(() => client.streamConsumer({ stream: 's', group: 'g', consumer: 'c', batchSize: 0 }), { code: 'ERR_INVALID_OPTION', message: /"batchSize" must be an integer >= 1/ });
    assert.throws(() => client.streamConsumer({ stream: 's', group: '', consumer: 'c' }), { code: 'ERR_INVALID_OPTION' });
  } finally {
    client.destroy();
  }
});
