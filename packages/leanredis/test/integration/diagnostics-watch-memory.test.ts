/**
 * watchMemory against deliberate leaks, each of which must trip its alarm naming the line of
 * the caller that leaks: a lease never released (lease-leak, pool-saturation, acquire-wait), a
 * growing array (growth of heapUsed, attributed by an inuse heap profile), a timer per request
 * and a client per request (doubling of Timeout and of TCPSocketWrap, attributed by async_hooks
 * and by where each client was created). Also the sample's contents, and that the watch keeps
 * no process alive and releases everything on stop().
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ArgumentError, createClient, type Client, type Lease } from '../../src/index.ts';
import { watchMemory, type MemoryAlarm, type MemoryWatch } from '../../src/diagnostics/index.ts';
import { useRedisServer } from '../helpers/setup.ts';
import { staysTrue, waitFor } from '../helpers/wait.ts';

const redis = useRedisServer();
const THIS_FILE = fileURLToPath(import.meta.url);

function alarmsOf(watch: MemoryWatch, kind: MemoryAlarm['kind']): MemoryAlarm[] {
  return watch.alarms().filter((a) => a.kind === kind);
}

const QUIET = { growth: false, doubling: false, saturation: false, leaseLeak: false } as const;

// --- the deliberate leaks ------------------------------------------------------------------

const leaked: Lease[] = [];
/** Takes a lease for a "request" and forgets to release it. */
async function checkoutWithoutRelease(client: Client): Promise<void> {
  leaked.push(await client.acquire());
}

const hoard: object[] = [];
/** Appends to an array nobody trims. */
function growForever(): void {
  for (let i = 0; i < 2000; i++) hoard.push({ id: i, payload: `payload-${i}-${hoard.length}`, tags: [i, i + 1] });
}

const timers: NodeJS.Timeout[] = [];
/** Arms a timeout per request and never clears it. */
function handleRequest(): void {
  timers.push(setTimeout(() => undefined, 600_000));
}

const perRequestClients: Client[] = [];
/** Creates a client per request and never closes it. */
async function connectPerRequest(url: string): Promise<void> {
  const client = createClient(url);
  perRequestClients.push(client);
  await client.ping();
}

// --- tests ---------------------------------------------------------------------------------

test('a lease never released: lease-leak names the acquiring line; the saturated pool and the waiting request name it too', async () => {
  await using client = redis.client({ maxConnections: 3, leakDetectionThresholdMs: 150, acquireTimeoutMs: 300 });
  using watch = watchMemory({ intervalMs: 50, warmupMs: 0, clients: [client], alarms: { ...QUIET, leaseLeak: {}, saturation: { windowMs: 300 } } });
  await checkoutWithoutRelease(client);
  await checkoutWithoutRelease(client);
  const leak = await waitFor(() => alarmsOf(watch, 'lease-leak')[0], { timeoutMs: 5000, intervalMs: 10, message: 'a lease-leak alarm' });
  assert.equal(leak.callSites[0].functionName, 'checkoutWithoutRelease');
  assert.equal(leak.callSites[0].file, THIS_FILE);
  assert.ok(leak.callSites[0].line > 0 && leak.callSites[0].stack.includes('checkoutWithoutRelease'));
  assert.match(leak.message, /held \d+ ms .* acquired at checkoutWithoutRelease \(/);
  assert.equal(leak.client?.address, `127.0.0.1:${redis.port}`);

  // Every slot in use (1 shared + 2 leased of 3) for the window, and a request that waits.
  await client.ping();
  await assert.rejects(client.acquire(), { code: 'ERR_POOL_TIMEOUT' });
  const saturation = await waitFor(() => alarmsOf(watch, 'pool-saturation')[0], { timeoutMs: 5000, intervalMs: 10, message: 'a pool-saturation alarm' });
  assert.match(saturation.message, /3 of maxConnections 3 connections in use \(2 leased\) for 0.3 s/);
  assert.equal(saturation.callSites[0].functionName, 'checkoutWithoutRelease');
  assert.equal(saturation.callSites[0].count, 2, 'both leaks come from there');
  const wait = await waitFor(() => alarmsOf(watch, 'acquire-wait')[0], { timeoutMs: 5000, intervalMs: 10, message: 'an acquire-wait alarm' });
  assert.match(wait.message, /1 lease request\(s\) waited for a connection in the last 0.3 s/);
  assert.equal(wait.callSites[0].functionName, 'checkoutWithoutRelease');
  assert.ok(wait.history.length >= 2 && wait.history.every((s) => s.clients.some((c) => c.address === leak.client?.address)));

  // Once per episode: more samples, no second alarm of either kind.
  const last = watch.lastSample!.at;
  await waitFor(() => watch.history().filter((s) => s.at > last).length >= 10, { timeoutMs: 5000, intervalMs: 10, message: 'ten more samples' });
  assert.equal(alarmsOf(watch, 'pool-saturation').length, 1);
  assert.equal(alarmsOf(watch, 'lease-leak').length, 1);
  for (const lease of leaked.splice(0)) lease.release();
});

test('a growing array: growth of heapUsed names the function that keeps allocating', async () => {
  using watch = watchMemory({
    intervalMs: 50,
    warmupMs: 0,
    trackClients: false,
    alarms: { ...QUIET, growth: { windowMs: 1000, minBytesPerSecond: 2 * 1024 * 1024, series: ['heapUsed'], attributionMs: 600 } },
  });
  const grower = setInterval(growForever, 5);
  try {
    const alarm = await waitFor(() => alarmsOf(watch, 'growth')[0] ?? (hoard.length > 3_000_000 ? new Error('no alarm after 3M objects') : undefined), { timeoutMs: 20_000, intervalMs: 10, message: 'a growth alarm' });
    assert.ok(!(alarm instanceof Error), String(alarm));
    assert.equal(alarm.series, 'heapUsed');
    assert.ok(alarm.bytesPerSecond! >= 2 * 1024 * 1024, `slope ${alarm.bytesPerSecond}`);
    assert.match(alarm.message, /^heapUsed grows [\d.]+ MB\/min/);
    assert.ok(alarm.history.length >= 6);
    assert.equal(alarm.callSites[0]?.functionName, 'growForever', JSON.stringify(alarm.callSites.map((s) => s.site)));
    assert.equal(alarm.callSites[0].file, THIS_FILE);
    assert.ok(alarm.callSites[0].bytes! > 0);
  } finally {
    clearInterval(grower);
    hoard.length = 0;
  }
});

test('a timer per request: doubling of Timeout names the line that arms them', async () => {
  using watch = watchMemory({ intervalMs: 50, warmupMs: 0, trackClients: false, alarms: { ...QUIET, doubling: { minCount: 16, attributionMs: 300 } } });
  await waitFor(() => watch.lastSample, { timeoutMs: 2000, intervalMs: 10, message: 'a first sample (the baseline)' });
  const requests = setInterval(() => {
    for (let i = 0; i < 5; i++) handleRequest();
  }, 10);
  try {
    const alarm = await waitFor(() => alarmsOf(watch, 'doubling').find((a) => a.series === 'resources.Timeout'), { timeoutMs: 10_000, intervalMs: 10, message: 'a Timeout doubling alarm' });
    assert.ok(alarm.value >= 32, `count ${alarm.value}`);
    assert.match(alarm.message, /^Timeout count doubled: \d+ \(baseline \d+, floor 16\)/);
    assert.equal(alarm.callSites[0]?.functionName, 'handleRequest', `${alarm.note} ${JSON.stringify(alarm.callSites)}`);
    assert.equal(alarm.callSites[0].file, THIS_FILE);
    assert.ok(alarm.callSites[0].count >= 5);
  } finally {
    clearInterval(requests);
    for (const t of timers.splice(0)) clearTimeout(t);
  }
});

test('a client per request never closed: doubling of sockets names the line that creates the clients', async () => {
  using watch = watchMemory({ intervalMs: 50, warmupMs: 0, alarms: { ...QUIET, doubling: { minCount: 4, attributionMs: 200 } } });
  await waitFor(() => watch.lastSample, { timeoutMs: 2000, intervalMs: 10, message: 'a first sample (the baseline)' });
  try {
    for (let i = 0; i < 12; i++) await connectPerRequest(redis.url);
    const alarm = await waitFor(() => alarmsOf(watch, 'doubling').find((a) => a.series === 'resources.TCPSocketWrap'), { timeoutMs: 10_000, intervalMs: 10, message: 'a socket doubling alarm' });
    assert.equal(alarm.callSites[0]?.functionName, 'connectPerRequest', `${alarm.note} ${JSON.stringify(alarm.callSites)}`);
    assert.equal(alarm.callSites[0].file, THIS_FILE);
    assert.ok(alarm.callSites[0].count >= 8, `sockets from there: ${alarm.callSites[0].count}`);
    assert.match(alarm.note ?? '', /leanredis clients holding \d+ socket\(s\), by the line that created them/);
    const sample = watch.lastSample!;
    const mine = sample.clients.filter((c) => c.createdAt?.startsWith('connectPerRequest ('));
    assert.equal(mine.length, 12, 'every client created while watching is sampled with where it was created');
  } finally {
    await Promise.all(perRequestClients.splice(0).map((c) => c.close()));
  }
  await waitFor(() => watch.lastSample!.clients.length === 0, { timeoutMs: 2000, intervalMs: 10, message: 'closed clients to leave the samples' });
});

test('a sample holds memory, the gap, resources by type, loop delay, CPU and each client stats()', async () => {
  await using client = redis.client();
  await client.ping();
  const samples: number[] = [];
  using watch = watchMemory({ intervalMs: 20, clients: [client], trackClients: false, alarms: QUIET, onSample: (s) => samples.push(s.at) });
  const s = await waitFor(() => watch.lastSample, { timeoutMs: 2000, intervalMs: 10, message: 'a sample' });
  for (const k of ['heapUsed', 'heapTotal', 'external', 'arrayBuffers', 'rss'] as const) assert.ok(Number.isSafeInteger(s[k]) && s[k] > 0, k);
  assert.equal(s.gap, s.rss - (s.heapTotal + s.external));
  assert.ok(s.resources.TCPSocketWrap >= 1, JSON.stringify(s.resources));
  assert.ok(!('Timeout' in s.resources) || s.resources.Timeout >= 1, 'only ref\'d timers are listed: the watch\'s own is unref\'d');
  for (const k of ['meanMs', 'p50Ms', 'p99Ms', 'maxMs'] as const) assert.ok(s.eventLoopDelay[k] >= 0, k);
  assert.ok(s.cpuPercent >= 0);
  assert.equal(s.clients.length, 1);
  assert.equal(s.clients[0].address, `127.0.0.1:${redis.port}`);
  assert.equal(s.clients[0].stats.totalConns, client.stats().totalConns);
  assert.equal(s.clients[0].createdAt, null, 'registered explicitly: creation site unknown');
  assert.deepEqual(JSON.parse(JSON.stringify(s)), s, 'plain data');
  await waitFor(() => samples.length >= 3, { timeoutMs: 2000, intervalMs: 10, message: 'onSample calls' });
  watch.stop();
  const n = watch.history().length;
  assert.equal(watch.isRunning, false);
  await staysTrue(() => watch.history().length === n, { forMs: 60, message: 'no sample after stop()' });
});

test('the watch keeps no process alive and its hooks go away on stop()', () => {
  const src = new URL('../../src/diagnostics/index.ts', import.meta.url).href;
  const script = `
    const { watchMemory } = await import(${JSON.stringify(src)});
    const before = process.getActiveResourcesInfo().length;
    const watch = watchMemory({ intervalMs: 10, warmupMs: 0 });
    const during = process.getActiveResourcesInfo().length;
    const hooked = globalThis[Symbol.for('leanredis.client.created')]?.size ?? 0;
    watch.stop();
    const after = globalThis[Symbol.for('leanredis.client.created')];
    console.log(JSON.stringify({ before, during, hooked, afterStop: after === undefined }));
    watchMemory({ intervalMs: 10 }); // left running: the process must still exit
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.during, out.before, 'no ref\'d handle or timer');
  assert.equal(out.hooked, 1, 'one creation listener while running');
  assert.equal(out.afterStop, true, 'the creation hook is removed when the last watch stops');
});

test('bad options throw ArgumentError naming the option', () => {
  const invalid = (re: RegExp) => (err: unknown) => err instanceof ArgumentError && err.code === 'ERR_INVALID_OPTION' && re.test(err.message);
  assert.throws(() => watchMemory({ interval: 5 } as never), invalid(/watchMemory: unknown option "interval"/));
  assert.throws(() => watchMemory({ intervalMs: 1 }), invalid(/"intervalMs" must be an integer from 10/));
  assert.throws(() => watchMemory({ alarms: { growth: { window: 1 } } as never }), invalid(/watchMemory: alarms.growth: unknown option "window"/));
  assert.throws(() => watchMemory({ alarms: { growth: { series: ['heap'] } } as never }), invalid(/"series" must be a non-empty array/));
  assert.throws(() => watchMemory({ alarms: { saturation: { ratio: 2 } } }), invalid(/"ratio" must be a number from 0.01 to 1/));
  assert.throws(() => watchMemory({ alarms: { leak: true } } as never), invalid(/alarms: unknown option "leak"/));
  assert.throws(() => watchMemory({ historySize: 10, intervalMs: 1000 }), invalid(/"historySize" \(10\) must hold the longest alarm window: at least 61/));
  assert.throws(() => watchMemory({ clients: [{}] as never }), invalid(/"clients" must be an array of leanredis clients/));
  assert.throws(() => watchMemory({ onAlarm: 'log' as never }), invalid(/"onAlarm" must be a function/));
});
