/**
 * R4: the server goes away under steady load. Issue 4: "server stopped for 10 s under 5,000
 * commands/s: heap growth at most 4 MB with default options; overflow rejected in under 1 ms;
 * no expired queued command ever reaches the server (proved by a server-side counter); first
 * success within 2 s after restart."
 *
 *   node --import tsx packages/leanredis/test/soak/outage.ts [--rate N] [--outage MS] [--mode sigkill|refuse|blackhole]
 *
 * A timer issues INCRs at `rate` per second, every 2 ms, through the fault proxy. All the INCRs
 * of one tick (a "batch") go to one key of their own, so the server's value of that key says
 * how many of them ran. Then the outage:
 *   sigkill    redis-server is killed with SIGKILL and restarted on the same port after `outageMs`
 *              (appendfsync always, so acknowledged INCRs survive the kill);
 *   refuse     the proxy resets every connection and closes new ones at once;
 *   blackhole  the proxy swallows every byte both ways (sockets stay open, nothing answers).
 * Checks:
 *   - heap: heapUsed after two full GCs, every 250 ms; growth = the highest sample during the
 *     outage (and 500 ms after) minus the median before it;
 *   - overflow: every ERR_QUEUE_FULL is timed from the tick that issued it to its rejection
 *     handler (an upper bound: the whole tick's issuing is included);
 *   - the server's count: after recovery, each batch key must hold between its acknowledged
 *     INCRs and acknowledged + ambiguous ones (lost after write, or timed out after write). A
 *     command that expired in the queue is counted as never sent, so one written anyway pushes
 *     its key past the bound; a batch whose commands all expired must have no key at all;
 *   - first success: from the moment the server is back (restart answered PING, or proxy
 *     healed) to the first acknowledged INCR;
 *   - no promise pending at the end (every command settles by its deadline).
 */
import { createClient, type Client, type ClientOptions } from '../../src/index.ts';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { CANARY, MB, REQUIRE_CANARY, SecretWatch, Tally, classify, isMain, argText, argValue, percentile, report, retainedHeap, retrying, round, type Bound } from './soak-kit.ts';
import { letRealTimePass, waitFor } from '../helpers/wait.ts';

export type OutageMode = 'sigkill' | 'refuse' | 'blackhole';

export interface R4Options {
  mode: OutageMode;
  protocol: 2 | 3;
  /** INCRs per second. */
  rate: number;
  outageMs: number;
  /** Load before the outage (the heap baseline is taken in its second half). @default 1500 (ms) */
  preMs?: number;
  /** Load after the server is back. @default 2000 (ms) */
  postMs?: number;
  /** Client options on top of the URL, password and protocol. @default {} (defaults) */
  clientOptions?: ClientOptions;
  log?: (line: string) => void;
}

export interface R4Result {
  mode: OutageMode;
  protocol: 2 | 3;
  rate: number;
  outageMs: number;
  clientOptions: ClientOptions;
  issued: number;
  /** Achieved rate over the whole run (commands/s). */
  achievedRate: number;
  outcomes: Record<string, number>;
  violations: Record<string, number>;
  /** Retained heap (after two full GCs) sampled every 250 ms; drift = growth between samples taken while the queue was full. */
  heap: { baselineMB: number; peakMB: number; growthMB: number; samples: number; queueFullAfterMs: number | null; driftWhileFullMB: number };
  maxQueuedCommands: number;
  /** ERR_QUEUE_FULL from the start of the load tick that issued it to its rejection handler. */
  queueFull: LatencySummary;
  /** ERR_QUEUE_FULL of a lone INCR, from the call to its rejection handler. */
  queueFullProbe: LatencySummary;
  /** Commands that expired in the queue (ERR_COMMAND_TIMEOUT before being written). */
  expiredInQueue: number;
  batches: { checked: number; allExpired: number; overCount: number; underCount: number; executed: number; acknowledged: number; ambiguous: number };
  firstSuccessAfterBackMs: number;
  pendingAtEnd: number;
  reconnects: number;
  secrets: { scanned: number; leaks: string[] };
}

export interface LatencySummary {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

function summarize(ms: number[]): LatencySummary {
  return { count: ms.length, p50Ms: round(percentile(ms, 50), 3), p99Ms: round(percentile(ms, 99), 3), maxMs: round(ms.length > 0 ? Math.max(...ms) : Number.NaN, 3) };
}

const ALLOWED = new Set(['ERR_CONNECTION_LOST_AFTER_WRITE', 'ERR_SOCKET_TIMEOUT', 'ERR_COMMAND_TIMEOUT(written)', 'ERR_COMMAND_TIMEOUT(queued)', 'ERR_QUEUE_FULL', 'reply LOADING']);

export async function runR4(options: R4Options): Promise<R4Result> {
  const { mode, protocol, rate, outageMs } = options;
  const preMs = options.preMs ?? 1500;
  const postMs = options.postMs ?? 2000;
  // A busy machine may need longer than postMs for the first reply after the outage: the load
  // then goes on until it (at most this long), so the figure is measured rather than cut off.
  const recoveryLimitMs = 20_000;
  const clientOptions = options.clientOptions ?? {};
  const log = options.log ?? (() => {});
  const prefix = `r4:${mode}:${protocol}:${process.pid}:${Date.now().toString(36)}`;
  // The command channel would add a closure per queued command and skew the heap figure; the
  // pool channels and client events are still scanned.
  const watch = new SecretWatch({ withCommandChannel: false });
  let server: RedisServer | undefined;
  let proxy: TcpProxy | undefined;
  let client: Client | undefined;
  let admin: Client | undefined;
  let loadTimer: NodeJS.Timeout | undefined;
  let heapTimer: NodeJS.Timeout | undefined;
  let probeTimer: NodeJS.Timeout | undefined;
  try {
    server = await startRedisServer({ args: [...REQUIRE_CANARY, '--appendonly', 'yes', '--appendfsync', 'always'] });
    proxy = await startTcpProxy({ targetPort: server.port });
    client = watch.watchClient(createClient({ ...clientOptions, url: proxy.url, password: CANARY, protocol }), 'load client');
    admin = watch.watchClient(createClient({ url: server.url, password: CANARY }), 'admin');
    await client.connect();
    const c = client;

    const heap: { at: number; phase: 'pre' | 'outage' | 'post'; bytes: number }[] = [];
    let phase: 'pre' | 'outage' | 'post' = 'pre';
    const outcomes = new Tally();
    const violations = new Tally();
    // Per-batch counters in typed arrays, so the harness itself adds next to nothing to the heap.
    const maxBatches = Math.ceil(((preMs + outageMs + postMs + recoveryLimitMs + 5000) / 1000) * (500 + 200));
    const size = new Int32Array(maxBatches);
    const acked = new Int32Array(maxBatches);
    const maybe = new Int32Array(maxBatches);
    const expired = new Int32Array(maxBatches);
    const issuedAt = new Float64Array(maxBatches);
    const isProbe = new Uint8Array(maxBatches);
    const queueFullMs = new Float64Array(200_000);
    let queueFullCount = 0;
    const probeMs: number[] = [];
    let batchCount = 0;
    let issued = 0;
    let settled = 0;
    let backAt = Infinity;
    let firstSuccessAt = 0;
    let maxQueued = 0;
    const queueCap = clientOptions.maxQueuedCommands ?? 10_000;
    let fullAt = Infinity;
    const keyOf = (b: number): string => `${prefix}:b:${b}`;

    /** Issues `n` INCRs of one new batch now. */
    const issue = (n: number, probe: boolean): void => {
      if (batchCount >= maxBatches) return;
      const b = batchCount++;
      const now = performance.now();
      size[b] = n;
      issuedAt[b] = now;
      isProbe[b] = probe ? 1 : 0;
      const key = keyOf(b);
      const ok = (): void => {
        settled++;
        acked[b]++;
        outcomes.add('ok');
        if (firstSuccessAt === 0 && performance.now() >= backAt) firstSuccessAt = performance.now();
      };
      const fail = (err: unknown): void => {
        settled++;
        const { verdict, code } = classify(err);
        outcomes.add(code);
        if (code === 'ERR_QUEUE_FULL') {
          const ms = performance.now() - issuedAt[b];
          if (isProbe[b] === 1) probeMs.push(ms);
          else if (queueFullCount < queueFullMs.length) queueFullMs[queueFullCount++] = ms;
        }
        if (code === 'ERR_COMMAND_TIMEOUT(queued)') expired[b]++;
        if (verdict === 'violation' || !ALLOWED.has(code)) {
          violations.add(code);
          maybe[b]++;
        } else if (verdict === 'maybe') maybe[b]++;
        // Scanning every rejection would allocate per command; a sample of each code suffices.
        if (outcomes.get(code) <= 50) watch.check('rejection', err, 'error');
      };
      for (let i = 0; i < n; i++) c.incr(key).then(ok, fail);
      issued += n;
    };

    const started = performance.now();
    const maxPerTick = Math.max(1, Math.ceil(rate / 20)); // a stalled loop catches up 50 ms at most
    const tick = (): void => {
      const due = Math.min(maxPerTick, Math.floor(((performance.now() - started) * rate) / 1000) - issued);
      if (due > 0) issue(due, false);
      const queued = c.stats().queuedCommands;
      if (queued > maxQueued) maxQueued = queued;
      if (fullAt === Infinity && queued >= queueCap) fullAt = performance.now();
    };
    loadTimer = setInterval(tick, 2);
    // A lone INCR every 10 ms while the server is away: its ERR_QUEUE_FULL is timed from the
    // call to the rejection handler, with nothing else issued in between.
    probeTimer = setInterval(() => {
      if (phase === 'outage') issue(1, true);
    }, 10);

    heapTimer = setInterval(() => heap.push({ at: performance.now(), phase, bytes: retainedHeap() }), 250);

    await letRealTimePass(preMs, 'steady load before the outage');
    phase = 'outage';
    const outageStart = performance.now();
    log(`outage (${mode}) at ${issued} commands`);
    const srv = server;
    const px = proxy;
    if (mode === 'sigkill') await srv.kill();
    else if (mode === 'refuse') {
      px.refuse(true);
      px.resetAll();
    } else px.blackhole();
    await letRealTimePass(Math.max(0, outageMs - (performance.now() - outageStart)), 'the outage lasts outageMs');
    if (mode === 'sigkill') await srv.restart();
    else px.heal();
    backAt = performance.now();
    log(`server back at ${issued} commands; ${c.stats().queuedCommands} queued`);
    await letRealTimePass(500, 'recovery: the first 500 ms after the server is back are not the post phase');
    phase = 'post';
    await letRealTimePass(Math.max(0, postMs - 500), 'steady load after the outage');
    await waitFor(() => firstSuccessAt !== 0, { message: 'the first success after the outage', timeoutMs: recoveryLimitMs }).catch(() => {});
    clearInterval(loadTimer);
    clearInterval(probeTimer);
    const loadMs = performance.now() - started;
    clearInterval(heapTimer);
    const settleLimitMs = (clientOptions.commandTimeoutMs ?? 5000) + (clientOptions.socketTimeoutMs ?? 5000) + 3000;
    await waitFor(() => settled === issued, { message: 'every command to settle', timeoutMs: settleLimitMs }).catch(() => {});
    const pendingAtEnd = issued - settled;

    // ---- the server's count, batch by batch ----
    const a = admin;
    const counts = { checked: 0, allExpired: 0, overCount: 0, underCount: 0, executed: 0, acknowledged: 0, ambiguous: 0 };
    for (let from = 0; from < batchCount; from += 1000) {
      const ids = Array.from({ length: Math.min(1000, batchCount - from) }, (_, n) => from + n);
      const values = await retrying(() => a.mGet(ids.map(keyOf)));
      ids.forEach((b, n) => {
        const v = Number(values[n] ?? 0);
        counts.checked++;
        counts.executed += v;
        counts.acknowledged += acked[b];
        counts.ambiguous += maybe[b];
        if (expired[b] === size[b]) counts.allExpired++;
        if (v > acked[b] + maybe[b]) counts.overCount++;
        if (v < acked[b]) counts.underCount++;
      });
    }

    const pre = heap.filter((s) => s.phase === 'pre' && s.at > started + preMs / 2).map((s) => s.bytes);
    const during = heap.filter((s) => s.phase === 'outage').map((s) => s.bytes);
    const baseline = percentile(pre.length > 0 ? pre : heap.slice(0, 1).map((s) => s.bytes), 50);
    const peak = Math.max(...during);
    // Once the queue is full, more load must not mean more heap.
    const whileFull = heap.filter((s) => s.phase === 'outage' && s.at > fullAt + 250).map((s) => s.bytes);
    const plateauDrift = whileFull.length >= 2 ? Math.max(...whileFull) - whileFull[0] : Number.NaN;
    watch.checkClient(c, 'load client');
    watch.checkClient(a, 'admin');
    return {
      mode,
      protocol,
      rate,
      outageMs,
      clientOptions,
      issued,
      achievedRate: round((issued * 1000) / loadMs, 0),
      outcomes: outcomes.counts,
      violations: violations.counts,
      heap: {
        baselineMB: round(baseline / MB),
        peakMB: round(peak / MB),
        growthMB: round((peak - baseline) / MB),
        samples: heap.length,
        queueFullAfterMs: fullAt === Infinity ? null : round(fullAt - outageStart, 0),
        driftWhileFullMB: round(plateauDrift / MB),
      },
      maxQueuedCommands: maxQueued,
      queueFull: summarize(Array.from(queueFullMs.subarray(0, queueFullCount))),
      queueFullProbe: summarize(probeMs),
      expiredInQueue: outcomes.get('ERR_COMMAND_TIMEOUT(queued)'),
      batches: counts,
      firstSuccessAfterBackMs: firstSuccessAt === 0 ? Number.POSITIVE_INFINITY : round(firstSuccessAt - backAt, 1),
      pendingAtEnd,
      reconnects: c.stats().reconnects,
      secrets: { scanned: watch.total, leaks: watch.leaks },
    };
  } finally {
    clearInterval(loadTimer);
    clearInterval(heapTimer);
    clearInterval(probeTimer);
    watch.close();
    client?.destroy();
    admin?.destroy();
    await proxy?.close();
    await server?.stop();
  }
}

export function r4Bounds(r: R4Result, limits: { heapGrowthMB: number; queueFullP99Ms: number; firstSuccessMs: number }): Bound[] {
  return [
    { name: 'retained heap growth during the outage (MB)', value: r.heap.growthMB, limit: `<= ${limits.heapGrowthMB}`, ok: r.heap.growthMB <= limits.heapGrowthMB },
    {
      name: 'ERR_QUEUE_FULL of a lone command, p99 from call to rejection (ms)',
      value: r.queueFullProbe.count === 0 ? 'none' : r.queueFullProbe.p99Ms,
      limit: `< ${limits.queueFullP99Ms}`,
      ok: r.queueFullProbe.count === 0 || r.queueFullProbe.p99Ms < limits.queueFullP99Ms,
    },
    { name: 'batch keys above acknowledged + ambiguous (a never-sent command ran)', value: r.batches.overCount, limit: '0', ok: r.batches.overCount === 0 },
    { name: 'batch keys below acknowledged (an acknowledged INCR lost)', value: r.batches.underCount, limit: '0', ok: r.batches.underCount === 0 },
    { name: 'first success after the server is back (ms)', value: r.firstSuccessAfterBackMs, limit: `<= ${limits.firstSuccessMs}`, ok: r.firstSuccessAfterBackMs <= limits.firstSuccessMs },
    { name: 'commands still pending at the end', value: r.pendingAtEnd, limit: '0', ok: r.pendingAtEnd === 0 },
    { name: 'rejections that are not an allowed typed error', value: JSON.stringify(r.violations), limit: '{}', ok: Object.keys(r.violations).length === 0 },
    { name: 'canary leaks', value: r.secrets.leaks.length, limit: '0', ok: r.secrets.leaks.length === 0 },
  ];
}

if (isMain(import.meta.url)) {
  const rate = argValue('rate', 5000);
  const outageMs = argValue('outage', 10_000);
  const modes = (argText('mode')?.split(',') ?? ['sigkill', 'refuse']) as OutageMode[];
  for (const mode of modes) {
    const r = await runR4({ mode, protocol: 3, rate, outageMs, log: (line) => console.log(`  [${mode}] ${line}`) });
    report(`R4 ${mode}: ${outageMs / 1000} s outage at ${rate} INCR/s, default options`, r, r4Bounds(r, { heapGrowthMB: 4, queueFullP99Ms: 1, firstSuccessMs: 2000 }));
  }
}
