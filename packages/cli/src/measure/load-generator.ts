/**
 * The load generator: one fresh process (`node --expose-gc load-generator.js`, its config in
 * $LEANREDIS_LOAD_CONFIG) per client and configuration, run by `leanredis bench`, so no client
 * shares a heap, a JIT or an event loop with another and its memory figures are its own.
 *
 *   1. Heap baseline (full GC), then the client is imported from the user's project, connected,
 *      and every key written once.
 *   2. The generator runs against a fake client that answers at once: its own cost per op.
 *   3. Warm-up at the first step's load (not recorded).
 *   4. Each step of the ramp: closed loop (N callers, each sending its next command when the
 *      previous one answered) or open loop (commands leave on a schedule, latency counted from
 *      the planned send time, so a slow server cannot hide its queue: no coordinated omission).
 *      Every second a sample: throughput, latency, errors, heap, RSS, GC pauses, bytes allocated.
 *   5. Heap after the load (full GC, the client still open), then the client is closed.
 *
 * The client under test is opened behind four calls by load-driver.ts.
 * Messages go to fd 3 as JSON lines (bench/bench-protocol.ts); stdout and stderr are left to
 * the client library.
 */
import { writeSync } from 'node:fs';
import { Histogram, summarizeLatency } from '../bench/histogram.js';
import { openDriver, type Driver } from './load-driver.js';
import { ProcessSampler, round3 } from './process-sampler.js';
import { LOAD_CONFIG_ENV, type LoadConfig, type LoadMessage, type MixCommand, type SecondSample, type StepResult } from '../bench/bench-protocol.js';

// The config comes in the environment, not argv: the URL may hold a password, and any user can
// read a process's arguments (ps), not its environment.
const config = JSON.parse(process.env[LOAD_CONFIG_ENV] ?? 'null') as LoadConfig;
const send = (message: LoadMessage) => writeSync(3, `${JSON.stringify(message)}\n`);
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function fullGc(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('the load generator needs --expose-gc');
  gc();
  await tick();
  gc();
}

/** Per-second (and per-step) counters the callers update. */
class Counters {
  /** Bumped when a step gives up on commands that never answered: their late replies are ignored. */
  generation = 0;
  ops = 0;
  errors = 0;
  dropped = 0;
  inFlight = 0;
  readonly errorsByCode = new Map<string, number>();
  readonly second = new Histogram();
  readonly step = new Histogram();
  stepOps = 0;
  stepErrors = 0;
  stepDropped = 0;
  readonly stepErrorsByCode = new Map<string, number>();

  recordError(err: unknown): void {
    this.errors++;
    this.stepErrors++;
    const code = (err as { code?: unknown })?.code;
    const key = typeof code === 'string' ? code : err instanceof Error ? err.name : 'UNKNOWN';
    this.errorsByCode.set(key, (this.errorsByCode.get(key) ?? 0) + 1);
    this.stepErrorsByCode.set(key, (this.stepErrorsByCode.get(key) ?? 0) + 1);
  }

  resetStep(): void {
    this.step.reset();
    this.stepOps = 0;
    this.stepErrors = 0;
    this.stepDropped = 0;
    this.stepErrorsByCode.clear();
  }
}

/** The mix as a repeating sequence of 100 commands, interleaved so weights hold over any window. */
function mixSequence(): MixCommand[] {
  const total = config.mix.reduce((s, m) => s + m.weight, 0);
  const seq: MixCommand[] = [];
  const credit = config.mix.map(() => 0);
  for (let i = 0; i < 100; i++) {
    // Smooth weighted round-robin: each entry earns its weight, the richest is sent.
    let best = 0;
    for (let j = 0; j < config.mix.length; j++) {
      credit[j] += config.mix[j].weight;
      if (credit[j] > credit[best]) best = j;
    }
    credit[best] -= total;
    seq.push(config.mix[best].command);
  }
  return seq;
}

const value = 'x'.repeat(config.valueSize);
const keys = Array.from({ length: config.keys }, (_, i) => `${config.keyPrefix}${i}`);
const counterKeys = Array.from({ length: Math.min(config.keys, 100) }, (_, i) => `${config.keyPrefix}n:${i}`);
const sequence = mixSequence();

/** Sends the i-th command of caller `id`. */
function operation(driver: Driver, id: number, i: number): Promise<unknown> {
  const k = (id * 7919 + i) % keys.length;
  switch (sequence[i % sequence.length]) {
    case 'get':
      return driver.get(keys[k]);
    case 'set':
      return driver.set(keys[k], value);
    case 'ping':
      return driver.ping();
    case 'incr':
      return driver.incr(counterKeys[k % counterKeys.length]);
  }
}

/** How long a step waits for its last replies after its end before it gives up on them. (ms) */
const DRAIN_MS = 10_000;
/** The error code counted for each command still unanswered DRAIN_MS after its step ended. */
const NO_REPLY = Object.assign(new Error('no reply within 10 s of the step\'s end'), { code: 'ERR_BENCH_NO_REPLY' });

/**
 * Resolves when `loops` does, or DRAIN_MS after `untilMs` if commands are still unanswered (a
 * hung server must not hang the bench): those are counted as ERR_BENCH_NO_REPLY and their late
 * replies ignored.
 */
function drained(loops: Promise<unknown>, untilMs: number, counters: Counters, record: boolean): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      counters.generation++;
      if (record) for (let i = 0; i < counters.inFlight; i++) counters.recordError(NO_REPLY);
      counters.inFlight = 0;
      resolve();
    }, Math.max(0, untilMs - performance.now()) + DRAIN_MS);
    void loops.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Closed loop: `callers` loops, each sending its next command when the previous one settled,
 * until `untilMs` (performance.now()). Resolves when every caller has stopped. The clock read
 * for each latency also checks the deadline, so a client that answers in microtasks (the fake
 * one) still stops.
 */
function closedLoop(driver: Driver, callers: number, untilMs: number, counters: Counters, record: boolean): Promise<void> {
  const loops: Promise<void>[] = [];
  const generation = counters.generation;
  for (let id = 0; id < callers; id++) {
    loops.push(
      new Promise<void>((done) => {
        let i = 0;
        let t0 = 0;
        const onOk = () => {
          if (counters.generation !== generation) return;
          const t1 = performance.now();
          counters.inFlight--;
          if (record) {
            const ns = (t1 - t0) * 1e6;
            counters.second.record(ns);
            counters.ops++;
            counters.stepOps++;
          }
          next(t1);
        };
        const onError = (err: unknown) => {
          if (counters.generation !== generation) return;
          counters.inFlight--;
          if (record) counters.recordError(err);
          next(performance.now());
        };
        const next = (now: number) => {
          if (now >= untilMs) {
            done();
            return;
          }
          t0 = now;
          counters.inFlight++;
          let p: Promise<unknown>;
          try {
            p = operation(driver, id, i++);
          } catch (err) {
            // A synchronous throw (an argument error): count it and go on after a task, so a
            // client that always throws cannot spin the loop without letting timers run.
            counters.inFlight--;
            if (record) counters.recordError(err);
            setImmediate(() => next(performance.now()));
            return;
          }
          p.then(onOk, onError);
        };
        next(performance.now());
      }),
    );
  }
  return drained(Promise.all(loops), untilMs, counters, record);
}

/**
 * The bare closed loop, as bench/lib/measure.mjs runLoad drives a client: callers chained by
 * `.then`, a count, the clock read every 16th operation. Resolves with the operations done.
 */
function bareLoop(driver: Driver, callers: number, untilMs: number): Promise<number> {
  let ops = 0;
  let isOver = false;
  const loops: Promise<void>[] = [];
  for (let id = 0; id < callers; id++) {
    loops.push(
      new Promise<void>((done) => {
        let i = 0;
        const next = (): void => {
          if ((i & 15) === 0 && performance.now() >= untilMs) isOver = true;
          if (isOver) {
            done();
            return;
          }
          operation(driver, id, i++).then(onSettled, onSettled);
        };
        const onSettled = () => {
          ops++;
          next();
        };
        next();
      }),
    );
  }
  return Promise.all(loops).then(() => ops);
}

/**
 * Open loop: `rate` commands per second planned from the start, sent by a 1 ms timer; latency
 * runs from the planned send time. At most maxInFlight commands wait; planned sends beyond are
 * dropped and counted. Resolves once the schedule ended and every command settled.
 */
function openLoop(driver: Driver, rate: number, untilMs: number, counters: Counters, record: boolean): Promise<void> {
  const generation = counters.generation;
  const schedule = new Promise<void>((done) => {
    const start = performance.now();
    const intervalMs = 1000 / rate;
    let planned = 0;
    let isScheduleOver = false;
    const settle = (planMs: number, err: unknown, failed: boolean) => {
      if (counters.generation !== generation) return;
      counters.inFlight--;
      if (record) {
        if (failed) counters.recordError(err);
        else {
          const ns = (performance.now() - planMs) * 1e6;
          counters.second.record(ns);
          counters.ops++;
          counters.stepOps++;
        }
      }
      if (isScheduleOver && counters.inFlight === 0) done();
    };
    const pump = () => {
      const now = performance.now();
      const due = Math.floor((Math.min(now, untilMs) - start) / intervalMs);
      while (planned < due) {
        const planMs = start + planned * intervalMs;
        const i = planned++;
        if (counters.inFlight >= config.maxInFlight) {
          if (record) {
            counters.dropped++;
            counters.stepDropped++;
          }
          continue;
        }
        counters.inFlight++;
        try {
          operation(driver, 0, i).then(
            () => settle(planMs, undefined, false),
            (err: unknown) => settle(planMs, err, true),
          );
        } catch (err) {
          settle(planMs, err, true);
        }
      }
      if (now < untilMs) setTimeout(pump, 1);
      else {
        isScheduleOver = true;
        if (counters.inFlight === 0) done();
      }
    };
    pump();
  });
  return drained(schedule, untilMs, counters, record);
}

async function main(): Promise<void> {
  await fullGc();
  const heapBaseline = process.memoryUsage().heapUsed;
  const driver = await openDriver(config);
  for (let i = 0; i < keys.length; i += 500) await Promise.all(keys.slice(i, i + 500).map((k) => driver.set(k, value)));
  await fullGc();
  const heapReady = process.memoryUsage().heapUsed;
  send({ type: 'ready', clientVersion: driver.version });

  // The generator's own cost, against a client that answers at once: the instrumented loop
  // (a clock read and a histogram record per op) and the bare loop any harness runs (the
  // bench's runLoad: count, clock every 16th op), alternated; the difference is the doctor's.
  const fake: Driver = { version: '', get: () => Promise.resolve(null), set: () => Promise.resolve('OK'), ping: () => Promise.resolve('PONG'), incr: () => Promise.resolve(1), close: async () => {} };
  const overheadCallers = config.mode === 'closed' ? config.steps[0] : 1;
  const slice = config.overheadMs / 4;
  let bareOps = 0;
  let bareMs = 0;
  let instrumentedOps = 0;
  let instrumentedMs = 0;
  for (let i = 0; i < 2 && slice > 0; i++) {
    let t = performance.now();
    bareOps += await bareLoop(fake, overheadCallers, t + slice);
    bareMs += performance.now() - t;
    const c = new Counters();
    t = performance.now();
    await closedLoop(fake, overheadCallers, t + slice, c, true);
    instrumentedMs += performance.now() - t;
    instrumentedOps += c.ops;
  }
  const floorNs = bareOps === 0 ? 0 : (bareMs * 1e6) / bareOps;
  const instrumentedNs = instrumentedOps === 0 ? 0 : (instrumentedMs * 1e6) / instrumentedOps;

  const counters = new Counters();
  const run = (load: number, untilMs: number, record: boolean) =>
    config.mode === 'closed' ? closedLoop(driver, load, untilMs, counters, record) : openLoop(driver, load, untilMs, counters, record);
  if (config.warmupMs > 0) await run(config.steps[0], performance.now() + config.warmupMs, false);

  const sampler = new ProcessSampler();
  const t0 = performance.now();
  let lastMs = t0;
  let stepIndex = 0;
  const emitSecond = () => {
    const now = performance.now();
    const intervalMs = now - lastMs;
    lastMs = now;
    const proc = sampler.take();
    const sample: SecondSample = {
      ...proc,
      tMs: Math.round(now - t0),
      step: stepIndex,
      intervalMs: round3(intervalMs),
      ops: counters.ops,
      opsPerSec: Math.round((counters.ops * 1000) / intervalMs),
      errors: counters.errors,
      dropped: counters.dropped,
      inFlight: counters.inFlight,
      p50Ms: round3(counters.second.quantile(0.5) / 1e6),
      p99Ms: round3(counters.second.quantile(0.99) / 1e6),
      maxMs: round3(counters.second.max / 1e6),
    };
    counters.ops = 0;
    counters.errors = 0;
    counters.dropped = 0;
    // Each op is recorded once, in the second's histogram; the step's is their sum.
    counters.step.add(counters.second);
    counters.second.reset();
    return sample;
  };
  let stepEndMs = 0;
  // A second that would end within 500 ms of the step's end is left to the step's last sample
  // (0.5 to 1.5 s long), so no sample is a sliver whose rate is noise.
  const timer = setInterval(() => {
    if (performance.now() + 500 < stepEndMs) send({ type: 'second', sample: emitSecond() });
  }, 1000);
  for (; stepIndex < config.steps.length; stepIndex++) {
    const load = config.steps[stepIndex];
    const s0 = performance.now();
    stepEndMs = s0 + config.stepMs;
    timer.refresh();
    counters.resetStep();
    await run(load, stepEndMs, true);
    const durationMs = performance.now() - s0;
    // The step's last partial second (its intervalMs says how partial).
    send({ type: 'second', sample: emitSecond() });
    const step: StepResult = {
      index: stepIndex,
      load,
      durationMs: Math.round(durationMs),
      ops: counters.stepOps,
      opsPerSec: Math.round((counters.stepOps * 1000) / durationMs),
      errors: counters.stepErrors,
      errorsByCode: Object.fromEntries(counters.stepErrorsByCode),
      dropped: counters.stepDropped,
      latency: summarizeLatency(counters.step),
      histogram: counters.step.toJSON(),
      // Filled in by the doctor from the per-second samples (they hold every interval).
      allocatedBytesPerOp: 0,
      gcPauseMs: 0,
    };
    send({ type: 'step', step });
  }
  clearInterval(timer);
  sampler.stop();
  await fullGc();
  await sleep(0);
  const after = process.memoryUsage();
  // A server that stopped answering must not hold the run: the results are in hand.
  await Promise.race([driver.close().catch(() => {}), sleep(2000)]);
  send({
    type: 'done',
    facts: {
      clientVersion: driver.version,
      heapBaseline,
      heapReady,
      heapAfter: after.heapUsed,
      rssAfter: after.rss,
      overheadNsPerOp: Math.max(0, Math.round(instrumentedNs - floorNs)),
      loopFloorNsPerOp: Math.round(floorNs),
      overheadOpsPerSec: instrumentedMs === 0 ? 0 : Math.round((instrumentedOps * 1000) / instrumentedMs),
    },
  });
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    // A code, else the Redis error prefix of a reply error (WRONGPASS, NOAUTH...).
    const own = (err as { code?: unknown })?.code;
    const code = typeof own === 'string' ? own : /^([A-Z][A-Z_]+) /.exec(err instanceof Error ? err.message : '')?.[1];
    send({ type: 'error', message: err instanceof Error ? `${err.name}: ${err.message}` : String(err), ...(typeof code === 'string' ? { code } : {}) });
    process.exit(1);
  },
);
