/**
 * Small measuring helpers shared by the scenario children.
 */
import v8 from 'node:v8';
import { PerformanceObserver } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/** Full collection, repeated so weak/finalizable garbage goes too. Needs --expose-gc. */
export async function fullGc() {
  if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc');
  for (let i = 0; i < 3; i++) {
    globalThis.gc();
    await sleep(0);
  }
  globalThis.gc();
}

export const heapUsed = () => v8.getHeapStatistics().used_heap_size;

/** Counts what keeps the event loop alive, by kind: sockets, timers, other. */
export function activeResources() {
  const list = process.getActiveResourcesInfo();
  const out = { sockets: 0, timers: 0, other: 0, list };
  for (const r of list) {
    if (/TCP|Pipe|TLS|Socket|Wrap$/i.test(r) && r !== 'Timeout' && r !== 'Immediate') out.sockets++;
    else if (r === 'Timeout' || r === 'Immediate') out.timers++;
    else out.other++;
  }
  return out;
}

/** Samples heapUsed and RSS every `everyMs` until stopped; returns the peaks. */
export function peakSampler(everyMs = 25) {
  let heap = 0;
  let rss = 0;
  const sample = () => {
    const m = process.memoryUsage();
    if (m.heapUsed > heap) heap = m.heapUsed;
    if (m.rss > rss) rss = m.rss;
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { heap, rss };
    },
  };
}

/** Collects GC pauses (perf_hooks 'gc' entries) until stopped. */
export function gcObserver() {
  const entries = [];
  const obs = new PerformanceObserver((list) => {
    // GC entries carry their kind in `detail` (Node >= 16; `kind` before).
    for (const e of /** @type {(import('node:perf_hooks').PerformanceEntry & { detail?: { kind?: number }; kind?: number })[]} */ (list.getEntries())) entries.push({ kind: e.detail?.kind ?? e.kind, ms: e.duration });
  });
  obs.observe({ entryTypes: ['gc'] });
  return {
    get count() {
      return entries.length;
    },
    async stop() {
      // Entries are delivered asynchronously; let the last ones arrive.
      await sleep(20);
      obs.disconnect();
      return { count: entries.length, totalMs: entries.reduce((s, e) => s + e.ms, 0), maxMs: entries.reduce((m, e) => Math.max(m, e.ms), 0) };
    },
  };
}

/**
 * Runs `op` from `callers` concurrent loops until `maxOps` completed or `durationMs` elapsed,
 * whichever comes first. Each call of op counts as `opsPerCall` operations.
 * Returns { ops, ms, opsPerSec, errors }.
 */
export async function runLoad({ callers, durationMs, maxOps, op, opsPerCall = 1 }) {
  let ops = 0;
  let errors = 0;
  /** @type {unknown} */
  let firstError;
  let stop = false;
  const t0 = performance.now();
  const deadline = t0 + durationMs;
  // Callback-driven rather than `await` in a loop: an async caller allocated ~220 B per call
  // of its own, which would be counted against every client in the allocation scenario.
  function caller(id) {
    return new Promise((done) => {
      let i = 0;
      const next = () => {
        // The clock is read every 16th call: performance.now() allocates a heap number.
        if (ops >= maxOps || ((i & 15) === 0 && performance.now() >= deadline)) stop = true;
        if (stop) {
          done(undefined);
          return;
        }
        let p;
        try {
          p = op(id, i++);
        } catch (e) {
          onError(e);
          return;
        }
        p.then(onOk, onError);
      };
      const onOk = () => {
        ops += opsPerCall;
        next();
      };
      const onError = (e) => {
        errors++;
        firstError ??= e;
        if (errors > 1000) stop = true;
        next();
      };
      next();
    });
  }
  const loops = [];
  for (let c = 0; c < callers; c++) loops.push(caller(c));
  await Promise.all(loops);
  const ms = performance.now() - t0;
  return { ops, ms, opsPerSec: (ops / ms) * 1000, errors, firstError: firstError === undefined ? undefined : firstError instanceof Error ? firstError.message : String(firstError) };
}

export const median = (xs) => {
  const s = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return undefined;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export const VALUE_100 = 'x'.repeat(100);
