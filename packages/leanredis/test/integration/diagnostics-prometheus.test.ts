/**
 * Prometheus metrics from real commands on a real server: createCommandMetrics counts what the
 * `leanredis:command:end` channel reports (plain commands, pipeline commands, reply errors by
 * code), never a key, and pipelines and transactions as batches (sizes, durations); prometheusText renders the clients' pool figures beside them; and
 * `promtool check metrics` (Debian's prometheus package; .ci/run installs it) accepts the
 * Prometheus text, lint included.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { prometheusText, createCommandMetrics, watchMemory } from '../../src/diagnostics/index.ts';
import { waitFor } from '../helpers/wait.ts';
import { useRedisServer } from '../helpers/setup.ts';
import { parseExposition } from '../helpers/exposition-parser.ts';

const redis = useRedisServer();

function sampleValue(text: string, line: RegExp): number | undefined {
  const m = line.exec(text);
  return m === null ? undefined : Number(m[1]);
}

test('commands, pipeline commands and reply errors are counted by name and code, never by key', async () => {
  using metrics = createCommandMetrics();
  await using client = redis.client();
  await client.set('secret-key-1', 'v');
  for (let i = 0; i < 5; i++) await client.get('secret-key-1');
  await client.pipeline().get('secret-key-2').incr('counter-key').exec();
  await assert.rejects(client.hGet('secret-key-1', 'f'), { code: 'WRONGTYPE' });
  const text = prometheusText({ main: client }, { commands: metrics });
  parseExposition(text, 'prometheus');
  assert.equal(sampleValue(text, /^leanredis_commands_total\{command="GET"\} (\d+)$/m), 6);
  assert.equal(sampleValue(text, /^leanredis_commands_total\{command="INCR"\} (\d+)$/m), 1);
  assert.equal(sampleValue(text, /^leanredis_command_errors_total\{command="HGET",code="WRONGTYPE"\} (\d+)$/m), 1);
  assert.equal(sampleValue(text, /^leanredis_command_duration_seconds_count\{command="GET"\} (\d+)$/m), 6);
  assert.ok(!text.includes('secret-key') && !text.includes('counter-key'), 'no key in any label');
  assert.ok((sampleValue(text, /^leanredis_pool_connections\{client="main",address="[^"]+",state="shared"\} (\d+)$/m) ?? 0) >= 1);
  metrics.stop();
  await client.get('secret-key-1');
  assert.equal(metrics.snapshot().find((r) => r.command === 'GET')?.count, 6, 'stop() unsubscribes');
});

test('promtool check metrics accepts the exposition (Prometheus text), lint included', async (t) => {
  const version = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
  if (version.error !== undefined || version.status !== 0) {
    t.skip('promtool is not installed (Debian package prometheus; .ci/run installs it)');
    return;
  }
  using metrics = createCommandMetrics();
  await using client = redis.client();
  await client.set('k', '1');
  await client.get('k');
  await assert.rejects(client.lPush('k', 'x'), { code: 'WRONGTYPE' });
  await client.pipeline().get('k').get('k').exec();
  await client.multi().get('k').incr('n').exec();
  const lease = await client.acquire();
  lease.release();
  using watch = watchMemory({ intervalMs: 50, clients: [client], trackClients: false });
  await waitFor(() => watch.lastSample !== undefined, { message: 'a first memory sample' });
  // A cluster's and a sentinel client's stats() shapes, over this client's real figures: their
  // families (pool per node with a role, slot map, redirections, sentinel figures) are linted too.
  const nodeStats = { ...client.stats(), role: 'master' };
  const cluster = { stats: () => ({ nodes: { '127.0.0.1:7000': nodeStats, '127.0.0.1:7001': { ...nodeStats, role: 'replica' } }, total: client.stats(), refreshes: 1, moved: 2, asked: 0, retries: 0, slotsServed: 16384, masters: 1 }), toJSON: () => ({ roots: [] }) };
  const sentinel = {
    stats: () => ({ ...client.stats(), sentinel: { master: '127.0.0.1:6379', sentinels: 3, discoveries: 1, switches: 0, refusedReplicas: 0, watching: undefined, readFrom: 'replica', replicas: 1, replica: '127.0.0.1:6380', refusedMasters: 0 }, replicaReads: client.stats() }),
    toJSON: () => client.toJSON(),
  };
  const text = prometheusText({ main: client, 'second"one': client, shop: cluster, jobs: sentinel } as never, { commands: metrics, watch, labels: { service: 'api\\v1' } });
  for (const family of ['leanredis_circuit_state', 'leanredis_in_flight_peak_bytes', 'leanredis_pubsub_reconnect_seconds_total', 'leanredis_pool_info', 'leanredis_cluster_redirections_total', 'leanredis_sentinel_master_info', 'leanredis_batches_total', 'leanredis_batch_size', 'leanredis_batch_duration_seconds']) {
    assert.match(text, new RegExp(`^# TYPE ${family} `, 'm'), `${family} is rendered`);
  }
  assert.match(text, /^leanredis_process_memory_bytes\{service="api\\\\v1",area="rss"\} \d+$/m, 'the watch gauges are in');
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `promtool: ${r.stdout}${r.stderr}\n--- input ---\n${text}`);
  assert.equal(`${r.stdout}${r.stderr}`.trim(), '', 'no lint finding');
  parseExposition(prometheusText({ main: client }, { commands: metrics, watch, openMetrics: true }), 'openmetrics');
});

test('pipelines and transactions are counted as batches by mode, with their sizes; a discarded transaction by its code', async () => {
  using metrics = createCommandMetrics();
  await using client = redis.client();
  await client.pipeline().set('b1', '1').get('b1').incr('b2').exec();
  await client.pipeline().get('b1').exec();
  await client.multi().get('b1').get('b1').exec();
  await assert.rejects(client.multi().get('b1').call('GET').exec(), { code: 'EXECABORT' });
  const text = prometheusText(undefined, { commands: metrics });
  parseExposition(text, 'prometheus');
  assert.equal(sampleValue(text, /^leanredis_batches_total\{mode="PIPELINE"\} (\d+)$/m), 2);
  assert.equal(sampleValue(text, /^leanredis_batches_total\{mode="MULTI"\} (\d+)$/m), 2);
  assert.equal(sampleValue(text, /^leanredis_batch_errors_total\{mode="MULTI",code="EXECABORT"\} (\d+)$/m), 1);
  assert.equal(sampleValue(text, /^leanredis_batch_size_sum\{mode="PIPELINE"\} (\d+)$/m), 4);
  assert.equal(sampleValue(text, /^leanredis_batch_size_bucket\{mode="PIPELINE",le="1\.0"\} (\d+)$/m), 1);
  assert.equal(sampleValue(text, /^leanredis_batch_duration_seconds_count\{mode="MULTI"\} (\d+)$/m), 2);
  assert.equal(sampleValue(text, /^leanredis_commands_total\{command="GET"\} (\d+)$/m), 6, 'their commands are still counted one by one');
});
