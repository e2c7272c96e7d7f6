/**
 * Issue 9, item 7: no slow leak. A steady mix of everything a service does with the client, for
 * minutes, while the post-GC heap is sampled every 10 s: a linear fit over the run after its
 * warm-up must show a slope under 1 KB/minute, and RSS must stay flat within 5%.
 *
 *   node --import tsx packages/leanredis/test/soak/leak.ts [--minutes 30] [--warmup-minutes 5] [--rate 200] [--kill-every-ms 30000] [--warmup-kill-every-ms 1500] [--protocol 2|3] [--ops 0,3] [--snapshots 20,45,70] [--gcs-per-sample 2 | --natural-gc] [--src]
 *   npm run test:soak -- l7                       (65 min per RESP version, one after the other: 40 with a kill
 *                                                  every 1.5 s, then the 25-minute fit window of the steady mix)
 *   node --import tsx packages/leanredis/test/soak/leak.ts --refit <log> [--at 60,100] [--windows 10,25]
 *                                                  (the fits of a log's samples, redone; a run still going too)
 *
 * Open loop at `--rate` operations a second (started in 10 ms batches, at most 200 at once),
 * taking turns (`--ops 0,3`: only those, by their place in the list): GET/SET, a pipeline of 10, a lease (acquire, INCR, GET, release), WATCH +
 * MULTI/EXEC, PUBLISH to a live channel and pattern subscription, a BLPOP that finds an element,
 * a BLPOP that times out on the server, a command with a 1 ms deadline behind a slow one
 * (ERR_COMMAND_TIMEOUT), a transient subscription (subscribe, one message, unsubscribe). Every 30 s the admin connection kills the client's
 * connections (CLIENT KILL TYPE normal, then pubsub): reconnects. The heap is read after two full
 * GCs (soak-kit's retainedHeap; `--gcs-per-sample` sets how many), or with `--natural-gc` after
 * the latest full collection V8 made by itself (nothing forced). The printed series lets anyone redo the fit.
 *
 * The client is the built package (dist/, as a service runs it) with source maps off: under tsx
 * (which turns them on) every formatted error stack makes Node parse and keep the source map of
 * each module it names, ~300 KB that arrives over the first tens of minutes of this workload and
 * would read as a slow leak of the client (seen in a heap snapshot diff: SourceMap#mappings
 * arrays). `--src` runs the sources instead, source maps on.
 *
 * `--snapshots 20,45,70` writes a heap snapshot (after the sample's GCs) at those minutes, to the
 * working directory as leak-<pid>-RESP<n>-<minute>.heapsnapshot: node ids are stable within a
 * process, so objects new in the second and still alive in the third are what grows
 * (bench/heap-growth.mjs lists them by class with a retainer path). Writing one pauses the load
 * for a second or two: not for a run whose fit is the figure.
 */
import { readFileSync } from 'node:fs';
import { GCProfiler, getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';
import type { Client } from '../../src/index.ts';
import { startRedisServer } from '../helpers/redis-server.ts';
import { Tally, classify, isMain, argValue, protocolsFromArgs, report, retainedHeap, round, type Bound } from './soak-kit.ts';

export interface LeakOptions {
  port: number;
  protocol: 2 | 3;
  minutes: number;
  /** The start of the run left out of the fit (connections, JIT, buffers warming up). @default minutes / 6 */
  warmupMinutes?: number;
  /** Operations per second. @default 200 */
  rate?: number;
  /** Heap sample interval. @default 10000 (ms) */
  sampleMs?: number;
  /** CLIENT KILL interval. @default 30000 (ms) */
  killEveryMs?: number;
  /**
   * CLIENT KILL interval during the warm-up, when it differs: the reconnect path's functions
   * (the client's dial and handshake, Node's socket set-up) run a few times per kill, so V8
   * compiles them for the first time only after hundreds of kills; at 30 s between kills that
   * takes hours and reads as a slope (docs/RELIABILITY.md, seventh round). @default killEveryMs
   */
  warmupKillEveryMs?: number;
  log?: (line: string) => void;
  /** Only these operations, by their index in the mix. @default all */
  only?: readonly number[];
  /** Write a heap snapshot at each of these minutes (at the first sample after it). @default none */
  snapshotMinutes?: readonly number[];
  /**
   * Full collections before each heap reading. Every forced full GC also lets V8 drop the
   * hidden classes (maps) that no live object uses, and the machine code that embeds them:
   * the instrument churns the JIT it measures (see docs/RELIABILITY.md). @default 2
   */
  gcsPerSample?: number;
  /**
   * Read the heap after the collections V8 makes by itself (the latest full collection's
   * result, from `v8.GCProfiler`) instead of forcing any: each forced full GC drops the hidden
   * classes no live object has at that moment and with them the machine code that embeds them,
   * so the instrument makes V8 recompile hundreds of functions a minute that a service would
   * not. A sample is recorded only when a full collection happened since the last one.
   * @default false
   */
  naturalGc?: boolean;
}

export interface Sample {
  /** Seconds since the start. */
  t: number;
  heapKB: number;
  /** Of heapKB, V8's code space (machine code from the JIT), read after the same GCs. */
  codeKB: number;
  rssMB: number;
}

export interface LeakResult {
  protocol: 2 | 3;
  minutes: number;
  warmupMinutes: number;
  operations: number;
  outcomes: Record<string, number>;
  violations: number;
  kills: number;
  reconnects: number;
  pubsubReconnects: number;
  messagesReceived: number;
  /** With `naturalGc`: the full collections V8 made during the run (samples come only from these). */
  fullCollections?: number;
  series: Sample[];
  /** Least-squares fit of the post-GC heap over the samples after the warm-up. */
  fit: { slopeKBPerMin: number; slopeErrorKBPerMin: number; interceptKB: number; samples: number; r2: number };
  /**
   * The same fit of the heap less V8's code space: what the program's objects retain, without the
   * JIT's machine code (which grows while V8 still optimizes). Printed beside the bound, not a bound.
   */
  fitWithoutCode: { slopeKBPerMin: number; slopeErrorKBPerMin: number };
  /** RSS over the same samples: (max - min) / mean, in per cent. */
  rssSpreadPct: number;
  heapSpreadKB: number;
  finalStats: Record<string, unknown>;
}

/**
 * Least squares y = a + b x, with the slope's standard error: a bound of 1 KB/min is only
 * resolved by a run long enough for that error to be well under it (post-GC samples scatter by
 * tens of KB between two GCs).
 */
export function linearFit(xs: readonly number[], ys: readonly number[]): { slope: number; intercept: number; r2: number; slopeError: number } {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
    syy += (ys[i] - my) ** 2;
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  const intercept = my - slope * mx;
  let residuals = 0;
  for (let i = 0; i < n; i++) residuals += (ys[i] - intercept - slope * xs[i]) ** 2;
  const slopeError = n > 2 && sxx > 0 ? Math.sqrt(residuals / (n - 2) / sxx) : Number.NaN;
  return { slope, intercept, r2: sxx === 0 || syy === 0 ? 0 : (sxy * sxy) / (sxx * syy), slopeError };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const fromSources = process.argv.includes('--src');
if (!fromSources && isMain(import.meta.url)) process.setSourceMapsEnabled(false);
const { createClient } = (await import(fromSources ? '../../src/index.ts' : '../../dist/index.js')) as typeof import('../../src/index.ts');

export async function runLeak(options: LeakOptions): Promise<LeakResult> {
  const { port, protocol, minutes } = options;
  const warmupMinutes = options.warmupMinutes ?? minutes / 6;
  const rate = options.rate ?? 200;
  const sampleMs = options.sampleMs ?? 10_000;
  const killEveryMs = options.killEveryMs ?? 30_000;
  const warmupKillEveryMs = options.warmupKillEveryMs ?? killEveryMs;
  const tag = `leak:${process.pid}:${protocol}`;
  const client: Client = createClient({ port, protocol, maxConnections: 8, reconnectBaseDelayMs: 20, reconnectMaxDelayMs: 200 });
  const admin = createClient({ port, protocol });
  const tally = new Tally();
  let operations = 0;
  let messagesReceived = 0;
  let kills = 0;
  let violations = 0;
  const live = await client.subscribe(`${tag}:live`, () => {
    messagesReceived++;
  });
  await client.pSubscribe(`${tag}:p:*`, () => {
    messagesReceived++;
  });

  const allOps: ((i: number) => Promise<unknown>)[] = [
    (i) => client.set(`${tag}:k:${i % 1000}`, `v${i}`).then(() => client.get(`${tag}:k:${(i * 7) % 1000}`)),
    (i) => {
      const p = client.pipeline<unknown[]>();
      for (let j = 0; j < 10; j++) p.incr(`${tag}:c:${(i + j) % 100}`);
      return p.exec();
    },
    async (i) => {
      await using lease = await client.acquire();
      await lease.incr(`${tag}:lease:${i % 10}`);
      return await lease.get(`${tag}:lease:${i % 10}`); // awaited inside the lease's scope
    },
    (i) => client.watch(`${tag}:w:${i % 10}`, async (tx) => {
      const n = Number((await tx.get(`${tag}:w:${i % 10}`)) ?? 0);
      return tx.multi().set(`${tag}:w:${i % 10}`, String(n + 1));
    }, { retries: 3 }),
    (i) => (i % 2 === 0 ? client.publish(`${tag}:live`, `m${i}`) : client.publish(`${tag}:p:${i % 5}`, `m${i}`)),
    async (i) => {
      await client.rPush(`${tag}:q:${i % 10}`, 'job');
      return client.blPop(`${tag}:q:${i % 10}`, 1);
    },
    (i) => client.blPop(`${tag}:empty:${i % 10}`, 0.01),
    // A 1 ms deadline on a command that waits behind a slow one: ERR_COMMAND_TIMEOUT, its late reply dropped.
    (i) => {
      const slow = client.call('DEBUG', 'SLEEP', '0.005');
      const timed = client.with({ timeoutMs: 1 }).get(`${tag}:k:${i % 1000}`);
      return Promise.allSettled([slow, timed]).then(([, t]) => (t.status === 'rejected' ? Promise.reject(t.reason) : t.value));
    },
    async (i) => {
      let got = 0;
      // `await using`: a PUBLISH cut off by a kill (ERR_CONNECTION_LOST_AFTER_WRITE) must not
      // leave the subscription behind. Written with a plain `await sub.unsubscribe()` after the
      // PUBLISH, this workload itself leaked one Subscription per such failure (~0.2 a minute,
      // found by bench/heap-growth.mjs: Link.subs holding them); a service would too.
      await using _sub = await client.subscribe(`${tag}:t:${i % 3}`, () => {
        got++;
      });
      await client.publish(`${tag}:t:${i % 3}`, 'x');
      return got;
    },
  ];

  // --ops 0,3: only those operations (by their place above), to find which one a growth follows.
  const ops = options.only === undefined ? allOps : options.only.map((k) => allOps[k]);
  if (ops.length === 0 || ops.some((op) => op === undefined)) throw new Error(`--ops takes indices from 0 to ${allOps.length - 1}`);
  // The samples go into a typed array sized for the whole run: an array of sample objects
  // would itself grow the measured heap by ~130 bytes a sample (an object and four boxed
  // doubles), ~0.8 KB/min at one sample per 10 s, read as the client's slope.
  let samples = new Float64Array((Math.ceil((minutes * 60_000) / sampleMs) + 8) * 4);
  let sampleCount = 0;
  const t0 = performance.now();
  const endAt = t0 + minutes * 60_000;
  let stop = false;
  const snapshotsLeft = [...(options.snapshotMinutes ?? [])].sort((a, b) => a - b);
  // --natural-gc: the profiler's records are harvested at each sample (stop, then start again),
  // so what it keeps between two samples is ten seconds' worth of collections, outside the JS heap.
  const profiler = options.naturalGc === true ? new GCProfiler() : undefined;
  profiler?.start();
  let fullCollections = 0;
  const lastFullCollection = (): { heapKB: number; codeKB: number } | undefined => {
    const records = profiler?.stop()?.statistics ?? [];
    profiler?.start();
    const full = records.filter((r) => r.gcType === 'MarkSweepCompact');
    fullCollections += full.length;
    const after = full.at(-1)?.afterGC;
    if (after === undefined) return undefined;
    const code = after.heapSpaceStatistics.find((sp) => sp.spaceName === 'code_space')?.spaceUsedSize ?? 0;
    return { heapKB: after.heapStatistics.usedHeapSize / 1024, codeKB: code / 1024 };
  };
  const sampler = (async () => {
    for (let next = t0; !stop; ) {
      const reading = options.naturalGc === true ? lastFullCollection() : { heapKB: retainedHeap(options.gcsPerSample ?? 2) / 1024, codeKB: undefined };
      const minute = (performance.now() - t0) / 60_000;
      while (snapshotsLeft.length > 0 && minute >= snapshotsLeft[0]) {
        const file = writeHeapSnapshot(`leak-${process.pid}-RESP${protocol}-${snapshotsLeft.shift()}.heapsnapshot`);
        options.log?.(`heap snapshot ${file}`);
      }
      const spaces = getHeapSpaceStatistics();
      const spaceKB = (name: string): number => (spaces.find((sp) => sp.space_name === name)?.space_used_size ?? 0) / 1024;
      const rssMB = process.memoryUsage().rss / (1024 * 1024);
      const t = (performance.now() - t0) / 1000;
      if (reading === undefined) {
        options.log?.(`t=${t.toFixed(0)} s no full collection since the last sample (rss ${rssMB.toFixed(1)} MB, ops ${operations})`);
      } else {
        const codeKB = reading.codeKB ?? spaceKB('code_space');
        if ((sampleCount + 1) * 4 > samples.length) {
          const grown = new Float64Array(samples.length * 2);
          grown.set(samples);
          samples = grown;
        }
        samples.set([round(t, 1), round(reading.heapKB, 1), round(codeKB, 1), round(rssMB, 2)], sampleCount++ * 4);
        options.log?.(
          `t=${t.toFixed(0)} s heap ${reading.heapKB.toFixed(1)} KB code ${codeKB.toFixed(1)} KB rss ${rssMB.toFixed(1)} MB old ${spaceKB('old_space').toFixed(1)} KB large ${(spaceKB('large_object_space') + spaceKB('code_large_object_space')).toFixed(1)} KB ops ${operations} ${JSON.stringify(tally.counts)}`,
        );
      }
      next += sampleMs;
      while (!stop && performance.now() < next) await sleep(Math.min(500, next - performance.now()));
    }
  })();
  const killer = (async () => {
    while (!stop) {
      await sleep(performance.now() - t0 < warmupMinutes * 60_000 ? warmupKillEveryMs : killEveryMs);
      if (stop) break;
      await admin.clientKill({ type: 'normal', skipMe: true }).catch(() => 0);
      await admin.clientKill({ type: 'pubsub' }).catch(() => 0);
      kills++;
    }
  })();

  // Open loop at `rate`: every 10 ms, the operations due by now start; at most 200 run at once
  // (a stalled server must not make the load itself grow without bound).
  let inFlight = 0;
  let i = 0;
  while (performance.now() < endAt) {
    const due = Math.floor(((performance.now() - t0) / 1000) * rate);
    while (i < due && inFlight < 200) {
      const n = i++;
      inFlight++;
      operations++;
      ops[n % ops.length](n).then(
        () => tally.add('ok'),
        (err: unknown) => {
          const c = classify(err);
          tally.add(c.code);
          if (c.verdict === 'violation') violations++;
        },
      ).finally(() => inFlight--);
    }
    if (i < due) i = due; // skipped, not queued: the rate is steady, not catching up
    await sleep(10);
  }
  while (inFlight > 0) await sleep(10);
  stop = true;
  await sampler;
  await killer;
  profiler?.stop();
  const finalStats = client.stats() as unknown as Record<string, unknown>;
  await live.unsubscribe().catch(() => {});
  client.destroy();
  admin.destroy();

  const series: Sample[] = [];
  for (let k = 0; k < sampleCount; k++) series.push({ t: samples[k * 4], heapKB: samples[k * 4 + 1], codeKB: samples[k * 4 + 2], rssMB: samples[k * 4 + 3] });
  const fitted = series.filter((s) => s.t >= warmupMinutes * 60);
  const fit = linearFit(fitted.map((s) => s.t / 60), fitted.map((s) => s.heapKB));
  const noCode = linearFit(fitted.map((s) => s.t / 60), fitted.map((s) => s.heapKB - s.codeKB));
  const rss = fitted.map((s) => s.rssMB);
  const heap = fitted.map((s) => s.heapKB);
  const mean = rss.reduce((a, b) => a + b, 0) / Math.max(1, rss.length);
  const outcomes = tally.counts;
  return {
    protocol,
    minutes,
    warmupMinutes: round(warmupMinutes, 2),
    operations,
    outcomes,
    violations,
    kills,
    reconnects: Number(finalStats.reconnects),
    pubsubReconnects: Number(finalStats.pubsubReconnects),
    messagesReceived,
    ...(profiler === undefined ? {} : { fullCollections }),
    series,
    fit: { slopeKBPerMin: round(fit.slope, 3), slopeErrorKBPerMin: round(fit.slopeError, 3), interceptKB: round(fit.intercept, 1), samples: fitted.length, r2: round(fit.r2, 3) },
    fitWithoutCode: { slopeKBPerMin: round(noCode.slope, 3), slopeErrorKBPerMin: round(noCode.slopeError, 3) },
    rssSpreadPct: round(((Math.max(...rss) - Math.min(...rss)) / mean) * 100, 2),
    heapSpreadKB: round(Math.max(...heap) - Math.min(...heap), 1),
    finalStats,
  };
}

export function leakBounds(r: LeakResult): Bound[] {
  return [
    { name: `post-GC heap slope over the last ${round(r.minutes - r.warmupMinutes, 2)} min`, value: `${r.fit.slopeKBPerMin} KB/min (${r.fit.samples} samples)`, limit: '< 1 KB/min', ok: r.fit.slopeKBPerMin < 1 },
    { name: 'RSS spread over the same samples', value: `${r.rssSpreadPct}%`, limit: '<= 5%', ok: r.rssSpreadPct <= 5 },
    { name: 'untyped or unexpected errors', value: r.violations, limit: '= 0', ok: r.violations === 0 },
  ];
}

/**
 * The samples of a leak.ts log, from its `series` line or, for a run still going, its
 * per-sample lines: what `--refit` reads.
 */
export function samplesFromLog(text: string): Sample[] {
  const series = /series \(t s, post-GC heap KB, code space KB, RSS MB\): (.*)$/m.exec(text);
  if (series !== null) {
    return series[1].split(' ').map((item) => {
      const [t, heapKB, codeKB, rssMB] = item.split(',').map(Number);
      return { t, heapKB, codeKB, rssMB };
    });
  }
  const out: Sample[] = [];
  for (const m of text.matchAll(/t=(\d+) s heap ([\d.]+) KB code ([\d.]+) KB rss ([\d.]+) MB/g)) {
    out.push({ t: Number(m[1]), heapKB: Number(m[2]), codeKB: Number(m[3]), rssMB: Number(m[4]) });
  }
  return out;
}

/**
 * `--refit <log> [--at 60,100] [--windows 10,25]`: the fits of a run's printed samples, redone
 * without running anything: for each end minute (default: the last sample), the slope over each
 * trailing window, with and without V8's code space, and the RSS spread. The windows along the
 * way are how RELIABILITY.md reads where the growth comes in steps.
 */
function refit(file: string): void {
  const samples = samplesFromLog(readFileSync(file, 'utf8'));
  if (samples.length < 3) throw new Error(`${file}: fewer than 3 samples (is it a leak.ts log?)`);
  const list = (name: string, fallback: number[]): number[] => {
    const at = process.argv.indexOf(`--${name}`);
    if (at < 0) return fallback;
    const values = process.argv[at + 1]?.split(',').map(Number) ?? [];
    if (values.length === 0 || values.some((v) => !(v > 0))) throw new Error(`--${name} takes minutes, e.g. 60,100`);
    return values;
  };
  const last = samples[samples.length - 1].t / 60;
  for (const end of list('at', [last])) {
    if (end > last + 1 / 60) {
      console.log(`${file} at ${end} min: the log ends at ${round(last, 1)} min`);
      continue;
    }
    const upTo = samples.filter((s) => s.t <= end * 60 + 0.5);
    const parts: string[] = [];
    for (const w of list('windows', [10, 15, 20, 25])) {
      const q = upTo.filter((s) => s.t >= (end - w) * 60 - 0.5);
      if (end < w || q.length < 3) continue;
      const xs = q.map((s) => s.t / 60);
      const f = linearFit(xs, q.map((s) => s.heapKB));
      const nc = linearFit(xs, q.map((s) => s.heapKB - s.codeKB));
      const rss = q.map((s) => s.rssMB);
      const spread = ((Math.max(...rss) - Math.min(...rss)) / (rss.reduce((a, b) => a + b, 0) / rss.length)) * 100;
      parts.push(`${w} min ${round(f.slope, 2)} (s.e. ${round(f.slopeError, 2)}, w/o code ${round(nc.slope, 2)}, RSS ${round(spread, 2)}%)`);
    }
    console.log(`${file} at ${round(end, 1)} min: ${parts.join('; ')} KB/min`);
  }
}

if (isMain(import.meta.url) && process.argv.includes('--refit')) {
  refit(process.argv[process.argv.indexOf('--refit') + 1]);
} else if (isMain(import.meta.url)) {
  const minutes = argValue('minutes', 30);
  const warmupMinutes = argValue('warmup-minutes', minutes / 6);
  const rate = argValue('rate', 200);
  const killEveryMs = argValue('kill-every-ms', 30_000);
  const warmupKillEveryMs = argValue('warmup-kill-every-ms', killEveryMs);
  const onlyText = process.argv[process.argv.indexOf('--ops') + 1];
  const only = process.argv.includes('--ops') ? onlyText.split(',').map(Number) : undefined;
  const gcsPerSample = argValue('gcs-per-sample', 2);
  const naturalGc = process.argv.includes('--natural-gc');
  if (!Number.isInteger(gcsPerSample) || gcsPerSample < 1) throw new Error('--gcs-per-sample takes a whole number >= 1');
  const snapshotMinutes = process.argv.includes('--snapshots') ? process.argv[process.argv.indexOf('--snapshots') + 1].split(',').map(Number) : undefined;
  if (snapshotMinutes?.some((m) => !(m >= 0))) throw new Error('--snapshots takes minutes, e.g. 20,45,70');
  const redis = await startRedisServer({ enableDebug: true });
  try {
    for (const protocol of protocolsFromArgs()) {
      const r = await runLeak({ port: redis.port, protocol, minutes, warmupMinutes, rate, killEveryMs, warmupKillEveryMs, only, snapshotMinutes, gcsPerSample, naturalGc, log: (line) => console.log(`  [RESP${protocol}] ${line}`) });
      console.log(`  [RESP${protocol}] series (t s, post-GC heap KB, code space KB, RSS MB): ${r.series.map((s) => `${s.t},${s.heapKB},${s.codeKB},${s.rssMB}`).join(' ')}`);
      console.log(
        `  [RESP${protocol}] fit: heap = ${r.fit.interceptKB} KB + ${r.fit.slopeKBPerMin} KB/min x t (standard error ${r.fit.slopeErrorKBPerMin} KB/min, r2 ${r.fit.r2}, ${r.fit.samples} samples after ${r.warmupMinutes} min)`,
      );
      console.log(`  [RESP${protocol}] fit without V8's code space: ${r.fitWithoutCode.slopeKBPerMin} KB/min (standard error ${r.fitWithoutCode.slopeErrorKBPerMin})`);
      const { series: _series, finalStats: _stats, ...figures } = r;
      report(`L7 RESP${protocol} (${fromSources ? 'src/, source maps on' : 'dist/'}): ${minutes} min soak of GET/SET, pipelines, leases, WATCH, pub/sub, blocking reads, reconnects, timeouts at ${rate} ops/s`, { ...figures, series: r.series }, leakBounds(r));
    }
  } finally {
    await redis.stop();
  }
}
