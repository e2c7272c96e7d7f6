/**
 * memoryReport against a real server: INFO, MEMORY STATS and DOCTOR, the key sample (biggest
 * keys, patterns by size), its bounds (maxKeys, timeBudgetMs), a section refused by ACL
 * reported without failing the report, and a connection whose replies pile up unread showing
 * in the output buffers from CLIENT LIST.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { ArgumentError, createClient } from '../../src/index.ts';
import { memoryReport } from '../../src/diagnostics/index.ts';
import { useRedisServer } from '../helpers/setup.ts';

const redis = useRedisServer();

async function seed(db: number): Promise<void> {
  await using c = redis.client({ database: db });
  await c.flushDb();
  for (let i = 0; i < 100; i++) void c.hSet(`user:${i}:profile`, { name: `user ${i}`, email: `u${i}@example.com` });
  for (let i = 0; i < 50; i++) void c.set(`session:${crypto.randomUUID()}`, 'x'.repeat(200));
  await c.rPush('queue:big', Array.from({ length: 5000 }, (_, i) => `job-${i}`));
}

test('a whole small keyspace: biggest keys, patterns by size, INFO and MEMORY figures', async () => {
  await seed(1);
  await using client = redis.client({ database: 1 });
  const r = await memoryReport(client, { maxKeys: 10_000, top: 5 });
  assert.deepEqual(r.errors, {});
  assert.ok(r.summary.usedMemory! > 0 && r.summary.usedMemoryRss! > 0 && r.summary.usedMemoryPeak! > 0);
  assert.equal(typeof r.summary.maxMemoryPolicy, 'string');
  assert.match(r.summary.redisVersion!, /^\d+\.\d+/);
  assert.ok(r.summary.fragmentationRatio! > 0);
  assert.ok(typeof r.memoryStats?.['peak.allocated'] === 'number', JSON.stringify(Object.keys(r.memoryStats ?? {})));
  assert.ok(typeof r.memoryStats?.['db.1'] === 'object', 'per-database figures as a nested record');
  assert.ok(r.doctor !== null && r.doctor.length > 0);
  assert.equal(r.keys.dbSize, 151);
  assert.equal(r.keys.sampled, 151);
  assert.equal(r.keys.isComplete, true);
  assert.equal(r.keys.stoppedBy, 'done');
  assert.equal(r.keys.estimatedTotalBytes, r.keys.sampledBytes);
  assert.equal(r.keys.biggest.length, 5);
  assert.deepEqual({ key: r.keys.biggest[0].key, type: r.keys.biggest[0].type }, { key: 'queue:big', type: 'list' });
  assert.ok(r.keys.biggest[0].bytes > 20_000);
  const byPattern = Object.fromEntries(r.keys.patterns.map((p) => [p.pattern, p]));
  assert.equal(byPattern['user:*:profile'].keys, 100);
  assert.deepEqual(byPattern['user:*:profile'].types, { hash: 100 });
  assert.equal(byPattern['session:*'].keys, 50);
  assert.equal(byPattern['queue:big'].keys, 1);
  const total = r.keys.patterns.reduce((a, p) => a + p.bytes, 0);
  assert.equal(total, r.keys.sampledBytes);
  assert.ok(Math.abs(r.keys.patterns.reduce((a, p) => a + p.percent, 0) - 100) < 0.1);
  assert.ok(r.clients.count >= 1 && r.clients.totalBytes > 0);
  assert.ok(r.durationMs >= 0);
  assert.deepEqual(JSON.parse(JSON.stringify(r)), r, 'plain data');
});

test('maxKeys bounds the sample, and the total is estimated from dbSize', async () => {
  await seed(2);
  await using client = redis.client({ database: 2 });
  const r = await memoryReport(client, { maxKeys: 20 });
  assert.equal(r.keys.sampled, 20);
  assert.equal(r.keys.stoppedBy, 'maxKeys');
  assert.equal(r.keys.isComplete, false);
  assert.equal(r.keys.estimatedTotalBytes, Math.round((r.keys.sampledBytes / 20) * 151));
  const matched = await memoryReport(client, { maxKeys: 1000, match: 'session:*' });
  assert.equal(matched.keys.sampled, 50);
  assert.equal(matched.keys.isComplete, true);
  assert.deepEqual(matched.keys.patterns.map((p) => p.pattern), ['session:*']);
  const skipped = await memoryReport(client, { maxKeys: 0 });
  assert.equal(skipped.keys.stoppedBy, 'skipped');
  assert.equal(skipped.keys.sampled, 0);
});

test('timeBudgetMs stops the key sample: no new batch once it has passed', async () => {
  await using client = redis.client({ database: 3 });
  await client.flushDb();
  for (let batch = 0; batch < 40; batch++) {
    await Promise.all(Array.from({ length: 1000 }, (_, i) => client.set(`bulk:${batch}:${i}`, 'v')));
  }
  const r = await memoryReport(client, { maxKeys: 1_000_000, timeBudgetMs: 150 });
  assert.equal(r.keys.stoppedBy, 'timeBudget');
  assert.ok(r.keys.sampled > 0 && r.keys.sampled < 40_000, `sampled ${r.keys.sampled}`);
  assert.equal(r.keys.isComplete, false);
  assert.ok(r.keys.estimatedTotalBytes! > r.keys.sampledBytes);
  await client.flushDb();
});

test('a section the ACL refuses is reported in errors; the rest of the report stands', async () => {
  await using admin = redis.client();
  await admin.call('ACL', 'SETUSER', 'nomemory', 'on', '>secret-pw', '~*', '&*', '+@all', '-memory');
  try {
    await using limited = createClient({ url: redis.url, username: 'nomemory', password: 'secret-pw', database: 1 });
    await seed(1);
    const r = await memoryReport(limited, { maxKeys: 100 });
    assert.equal(r.errors.memoryStats?.code, 'NOPERM');
    assert.equal(r.errors.doctor?.code, 'NOPERM');
    assert.equal(r.errors.keys?.code, 'NOPERM', 'MEMORY USAGE refused');
    assert.equal(r.keys.stoppedBy, 'error');
    assert.equal(r.memoryStats, null);
    assert.ok(r.summary.usedMemory! > 0, 'INFO still answered');
    assert.ok(!JSON.stringify(r).includes('secret-pw'), 'no credential in the report');
  } finally {
    await admin.call('ACL', 'DELUSER', 'nomemory');
  }
});

test('a connection that never reads its replies shows its output buffer in CLIENT LIST figures', async () => {
  await using client = redis.client({ database: 4 });
  await client.flushDb();
  await client.rPush('wide', Array.from({ length: 20_000 }, (_, i) => `element-${i}`));
  // A raw connection asks for the list again and again and reads nothing: the kernel buffers
  // fill, then the server keeps the replies in the connection's output buffer (omem).
  const raw = net.connect(redis.port, '127.0.0.1');
  await new Promise((resolve) => raw.once('connect', resolve));
  raw.pause();
  const request = '*2\r\n$6\r\nSELECT\r\n$1\r\n4\r\n' + '*4\r\n$6\r\nLRANGE\r\n$4\r\nwide\r\n$1\r\n0\r\n$2\r\n-1\r\n'.repeat(200);
  raw.write(request);
  const port = raw.localPort;
  try {
    let r;
    const deadline = Date.now() + 20_000;
    do {
      // The server answers INFO only after the LRANGEs queued before it (60 MB of replies to
      // build): a double run at load 9 saw that take more than the default 2 s budget.
      r = await memoryReport(client, { maxKeys: 0, top: 50, timeBudgetMs: 15_000 });
    } while (!(r.clients.top.find((c) => c.addr === `127.0.0.1:${port}`)?.outputBytes ?? 0) && Date.now() < deadline);
    const stuck = r.clients.top.find((c) => c.addr === `127.0.0.1:${port}`);
    assert.ok(stuck !== undefined, JSON.stringify(r.clients.top.map((c) => c.addr)));
    assert.ok(stuck.outputBytes > 0 && stuck.totalBytes >= stuck.outputBytes, JSON.stringify(stuck));
    assert.equal(r.clients.top[0].addr, stuck.addr, 'the biggest connection comes first');
    assert.equal(stuck.cmd, 'lrange');
    assert.ok(r.clients.outputBytes >= stuck.outputBytes);
  } finally {
    raw.destroy();
    await client.flushDb();
  }
});

test('bad options throw ArgumentError synchronously; an unreachable server rejects', async () => {
  const client = redis.client();
  const invalid = (re: RegExp) => (err: unknown) => err instanceof ArgumentError && err.code === 'ERR_INVALID_OPTION' && re.test(err.message);
  assert.throws(() => memoryReport(client, { maxkeys: 5 } as never), invalid(/memoryReport: unknown option "maxkeys"/));
  assert.throws(() => memoryReport(client, { timeBudgetMs: 0 }), invalid(/"timeBudgetMs" must be an integer from 1/));
  assert.throws(() => memoryReport(client, { match: '' }), invalid(/"match" must be a non-empty string/));
  client.destroy();
  await assert.rejects(memoryReport(client), { code: 'ERR_CLIENT_CLOSED' });
});
