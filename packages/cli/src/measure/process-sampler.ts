/**
 * What the load generator samples of its own process each second: heap, RSS, bytes allocated
 * (from GCProfiler's before/after figures) and GC pauses (PerformanceObserver 'gc').
 */
import { GCProfiler } from 'node:v8';
import { PerformanceObserver } from 'node:perf_hooks';
import type { ProcessSample } from '../bench/bench-protocol.js';

/** Rounds to 3 decimals (figures in ms and MiB are reported to the microsecond / KiB). */
export const round3 = (n: number): number => Math.round(n * 1000) / 1000;

/** Memory, GC pauses and allocation between two calls of take(). */
export class ProcessSampler {
  #profiler = new GCProfiler();
  #usedBefore = process.memoryUsage().heapUsed;
  #gcCount = 0;
  #gcMs = 0;
  #gcMaxMs = 0;
  readonly #observer: PerformanceObserver;

  constructor() {
    this.#observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        this.#gcCount++;
        this.#gcMs += e.duration;
        if (e.duration > this.#gcMaxMs) this.#gcMaxMs = e.duration;
      }
    });
    this.#observer.observe({ entryTypes: ['gc'] });
    this.#profiler.start();
  }

  /** Figures since the previous call (or construction). */
  take(): ProcessSample {
    // GCProfiler reports the used heap before and after each collection: what a GC freed was
    // allocated in the interval too (V8 has no allocation counter).
    const data = this.#profiler.stop() as { statistics?: Array<{ beforeGC: { heapStatistics: { usedHeapSize: number } }; afterGC: { heapStatistics: { usedHeapSize: number } } }> } | undefined;
    this.#profiler = new GCProfiler();
    this.#profiler.start();
    const m = process.memoryUsage();
    let freed = 0;
    for (const s of data?.statistics ?? []) freed += Math.max(0, s.beforeGC.heapStatistics.usedHeapSize - s.afterGC.heapStatistics.usedHeapSize);
    const allocatedBytes = Math.max(0, m.heapUsed - this.#usedBefore + freed);
    this.#usedBefore = m.heapUsed;
    const sample: ProcessSample = {
      heapUsed: m.heapUsed,
      heapTotal: m.heapTotal,
      rss: m.rss,
      external: m.external,
      arrayBuffers: m.arrayBuffers,
      gcCount: this.#gcCount,
      gcPauseMs: round3(this.#gcMs),
      gcMaxPauseMs: round3(this.#gcMaxMs),
      allocatedBytes,
    };
    this.#gcCount = 0;
    this.#gcMs = 0;
    this.#gcMaxMs = 0;
    return sample;
  }

  stop(): void {
    this.#profiler.stop();
    this.#observer.disconnect();
  }
}
