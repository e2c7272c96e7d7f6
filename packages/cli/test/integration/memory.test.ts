/**
 * `leanredis memory` against a real redis-server (started on a free loopback port) holding
 * keys of known shapes and sizes, through the built executable.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'leanredis';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.ts';
import { EXIT } from '../../src/exit-codes.ts';
import type { MemoryResult } from '../../src/report/memory-report.ts';
import { runCli } from '../helpers/cli.ts';

let server: TestRedis;
before(async () => {
  server = await startTestRedis();
  const client = createClient(server.url);
  try {
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 200; i++) writes.push(client.set(`session:${i}`, 'x'.repeat(100)));
    for (let i = 0; i < 50; i++) writes.push(client.hSet(`user:${i}:cart`, { item: 'a', qty: '1' }));
    writes.push(client.set('blob:big', 'y'.repeat(512 * 1024)));
    await Promise.all(writes);
  } finally {
    await client.close();
  }
});
after(async () => {
  await server?.stop();
});

test('--json: the biggest key, the key patterns, the connections and the server figures', async () => {
  const run = await runCli(['memory', '--url', server.url, '--json']);
  assert.equal(run.code, EXIT.ok, run.stderr);
  assert.equal(run.stderr, '');
  const r = JSON.parse(run.stdout) as MemoryResult;
  assert.equal(r.kind, 'memory');
  assert.equal(r.server, `127.0.0.1:${server.port}`);
  assert.equal(r.keys.dbSize, 251);
  assert.equal(r.keys.sampled, 251);
  assert.equal(r.keys.isComplete, true);
  assert.equal(r.keys.biggest[0].key, 'blob:big');
  assert.ok(r.keys.biggest[0].bytes >= 512 * 1024);
  const patterns = Object.fromEntries(r.keys.patterns.map((p) => [p.pattern, p]));
  assert.equal(patterns['session:*'].keys, 200);
  assert.deepEqual(patterns['session:*'].types, { string: 200 });
  assert.equal(patterns['user:*:cart'].keys, 50);
  assert.ok((r.summary.usedMemory ?? 0) > 512 * 1024);
  assert.ok(r.clients.count >= 1);
});

test('the terminal report prints the sections; --max-keys bounds the sample', async () => {
  const run = await runCli(['memory', '--url', server.url, '--max-keys', '20', '--top', '3']);
  assert.equal(run.code, EXIT.ok, run.stderr);
  for (const s of ['used memory', 'maxmemory', 'keys: 251 in the database; sampled 20', 'sampling stopped by --max-keys', 'key patterns by total size', 'connections:']) assert.ok(run.stdout.includes(s), s);
});

test('a server that does not answer exits 3 with a message naming it; bad options exit 2', async () => {
  const down = await runCli(['memory', '--url', 'redis://127.0.0.1:1', '--time-budget', '2s']);
  assert.equal(down.code, EXIT.unavailable);
  assert.match(down.stderr, /127\.0\.0\.1:1/);
  assert.equal(down.stdout, '');
  const secret = await runCli(['memory', '--url', 'redis://user:hunter2@127.0.0.1:1', '--time-budget', '1s']);
  assert.ok(!secret.stderr.includes('hunter2'), 'the password never reaches output');
  for (const bad of [['--url', 'http://x'], ['--max-keys', '-1'], ['--top', '0'], ['--bogus']]) {
    const r = await runCli(['memory', ...bad]);
    assert.equal(r.code, EXIT.usage, bad.join(' '));
  }
});
