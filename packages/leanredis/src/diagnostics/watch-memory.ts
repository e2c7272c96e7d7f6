// @layer L7 diagnostics
/**
 * L7 diagnostics: `watchMemory()`, the process's memory and handles over time, with alarms.
 *
 * Every `intervalMs` (one unref'd timer: the watch never keeps a process alive) it samples
 * process.memoryUsage(), the gap RSS - (heapTotal + external), active resources by type,
 * event-loop delay, CPU and each watched client's stats(); keeps a bounded history; and runs
 * the alarm rules (memory-alarms.ts). An alarm whose condition starts to hold is completed with
 * its call sites, then delivered once for its episode:
 *   growth of heapUsed  a short inuse heap profile names the functions whose allocations stay live
 *   doubling of sockets the watched clients holding them, by the line that created each client
 *   doubling of others  async_hooks records, for attributionMs, who creates that resource type
 *   leases              the pool's leak reports (leanredis:pool:leak) carry the acquiring stack
 * Only what an alarm needs is switched on, and only for its attribution window.
 */
import type * as PerfHooks from 'node:perf_hooks';
import type * as DiagnosticsChannel from 'node:diagnostics_channel';
import { booleanOption, checkOptions, functionOption, intOption } from './options.js';
import { loadCore } from './core-loader.js';
import type { ClientSample, MemorySample } from './memory-sample.js';
import { AlarmEvaluator, resolveAlarms, type AlarmSettings, type Finding, type MemoryAlarm, type MemoryAlarmOptions } from './memory-alarms.js';
import { ClientRegistry, onClientCreated, type WatchableClient } from './client-registry.js';
import { ResourceAttribution, callSiteOf, hookTypeOf, isCallerFrame, mergeCallSites, type CallSite } from './call-sites.js';
import { captureHeapProfile, isHeapProfilerBusy } from './capture-heap-profile.js';

/** Options of `watchMemory`. */
export interface WatchMemoryOptions {
  /** Time between samples. @default 1000 (ms) */
  intervalMs?: number;
  /** Samples kept. @default enough for the longest alarm window, at least 60 */
  historySize?: number;
  /** Growth and doubling alarms wait this long after the start, so start-up is not taken for a leak; baselines form after it. @default 30000 (ms) */
  warmupMs?: number;
  /** Clients to watch from the start (more with `watch.add`). */
  clients?: readonly WatchableClient[];
  /** Also watch every client created while the watch runs, remembering where each was created. @default true */
  trackClients?: boolean;
  /** Called with each sample. */
  onSample?: (sample: MemorySample) => void;
  /** Called with each alarm, once per episode. @default process.emitWarning (type 'LeanRedisMemoryAlarm') */
  onAlarm?: (alarm: MemoryAlarm) => void;
  /** Alarm rules and thresholds; each is on by default, `false` turns it off. */
  alarms?: MemoryAlarmOptions;
}

const KNOWN = ['intervalMs', 'historySize', 'warmupMs', 'clients', 'trackClients', 'onSample', 'onAlarm', 'alarms'] as const;
const ALARMS_KEPT = 100;
const HEAP_ATTRIBUTION_INTERVAL_BYTES = 64 * 1024;

interface LeakMessage {
  address?: unknown;
  connectionId?: unknown;
  heldMs?: unknown;
  stack?: unknown;
}

function defaultOnAlarm(alarm: MemoryAlarm): void {
  const where = alarm.callSites.length > 0 ? ` at ${alarm.callSites[0].site}` : '';
  process.emitWarning(`${alarm.message}${where}`, { type: 'LeanRedisMemoryAlarm', code: alarm.kind });
}

/** Runs `fn`; an exception it throws is rethrown on its own tick, so the watch keeps its state. */
function callSafely<T>(fn: (arg: T) => void, arg: T): void {
  try {
    fn(arg);
  } catch (err) {
    process.nextTick(() => {
      throw err;
    });
  }
}

/** A running memory watch (see `watchMemory`). */
export class MemoryWatch {
  readonly #intervalMs: number;
  readonly #historySize: number;
  readonly #settings: AlarmSettings;
  readonly #onSample: ((sample: MemorySample) => void) | undefined;
  readonly #onAlarm: (alarm: MemoryAlarm) => void;
  readonly #evaluator: AlarmEvaluator;
  readonly #registry = new ClientRegistry();
  readonly #history: MemorySample[] = [];
  readonly #alarms: MemoryAlarm[] = [];
  readonly #timer: ReturnType<typeof setInterval>;
  readonly #delay: PerfHooks.IntervalHistogram;
  readonly #delayResolutionMs: number;
  readonly #stopTracking: (() => void) | undefined;
  readonly #pending = new Set<{ cancel(): void }>();
  /** Lease-leak episodes: call site -> time of its last report. */
  readonly #leakSites = new Map<string, { site: CallSite; lastAt: number; count: number; address: string }>();
  #leakListener: ((message: unknown) => void) | undefined;
  #lastCpu = process.cpuUsage();
  #lastAt = performance.now();
  #isRunning = true;

  constructor(o: { intervalMs: number; historySize: number; warmupMs: number; settings: AlarmSettings; clients: readonly WatchableClient[]; trackClients: boolean; onSample: ((s: MemorySample) => void) | undefined; onAlarm: (a: MemoryAlarm) => void }) {
    this.#intervalMs = o.intervalMs;
    this.#historySize = o.historySize;
    this.#settings = o.settings;
    this.#onSample = o.onSample;
    this.#onAlarm = o.onAlarm;
    this.#evaluator = new AlarmEvaluator(o.settings, Date.now(), o.warmupMs);
    for (const c of o.clients) this.#registry.add(c);
    this.#stopTracking = o.trackClients ? onClientCreated(this.#registry.onCreated) : undefined;
    const perf = process.getBuiltinModule('node:perf_hooks') as typeof PerfHooks;
    // The histogram's own timer ticks every resolution ms (unref'd inside Node); 20 ms keeps
    // its cost at 50 wake-ups a second.
    this.#delayResolutionMs = Math.max(10, Math.min(20, Math.floor(o.intervalMs / 5)));
    this.#delay = perf.monitorEventLoopDelay({ resolution: this.#delayResolutionMs });
    this.#delay.enable();
    if (o.settings.leaseLeak !== undefined) {
      const dc = process.getBuiltinModule('node:diagnostics_channel') as typeof DiagnosticsChannel;
      this.#leakListener = (message) => this.#onLeak(message as LeakMessage);
      dc.subscribe('leanredis:pool:leak', this.#leakListener);
    }
    this.#timer = setInterval(() => this.#tick(), o.intervalMs);
    this.#timer.unref();
  }

  /** The latest sample, or undefined before the first one (taken after `intervalMs`). */
  get lastSample(): MemorySample | undefined {
    return this.#history[this.#history.length - 1];
  }

  /** Whether the watch is sampling (false after `stop()`). */
  get isRunning(): boolean {
    return this.#isRunning;
  }

  /** The samples kept, oldest first (at most `historySize`). */
  history(): MemorySample[] {
    return [...this.#history];
  }

  /** The alarms raised so far, oldest first (the last 100). */
  alarms(): MemoryAlarm[] {
    return [...this.#alarms];
  }

  /** Watches a client (created before the watch, or with trackClients off). Returns its id in samples. */
  add(client: WatchableClient): number {
    if (typeof client?.stats !== 'function' || typeof client.toJSON !== 'function') throw new (loadCore().ArgumentError)('watch.add: expected a leanredis client', 'ERR_INVALID_ARGUMENT');
    return this.#registry.add(client);
  }

  /** Stops watching a client; true if it was watched. */
  remove(client: WatchableClient): boolean {
    return this.#registry.remove(client);
  }

  /** Stops sampling, cancels pending attributions and releases every hook. Idempotent. */
  stop(): void {
    if (!this.#isRunning) return;
    this.#isRunning = false;
    clearInterval(this.#timer);
    this.#delay.disable();
    this.#stopTracking?.();
    if (this.#leakListener !== undefined) {
      (process.getBuiltinModule('node:diagnostics_channel') as typeof DiagnosticsChannel).unsubscribe('leanredis:pool:leak', this.#leakListener);
      this.#leakListener = undefined;
    }
    for (const p of this.#pending) p.cancel();
    this.#pending.clear();
    this.#registry.clear();
  }

  [Symbol.dispose](): void {
    this.stop();
  }

  #tick(): void {
    if (!this.#isRunning) return;
    const sample = this.#sample();
    this.#history.push(sample);
    if (this.#history.length > this.#historySize) this.#history.splice(0, this.#history.length - this.#historySize);
    const findings = this.#evaluator.evaluate(this.#history);
    for (const f of findings) this.#complete(f);
    if (this.#onSample !== undefined) callSafely(this.#onSample, sample);
  }

  #sample(): MemorySample {
    const mem = process.memoryUsage();
    const resources: Record<string, number> = {};
    for (const type of process.getActiveResourcesInfo()) resources[type] = (resources[type] ?? 0) + 1;
    const now = performance.now();
    const cpu = process.cpuUsage(this.#lastCpu);
    this.#lastCpu = process.cpuUsage();
    const elapsedMs = Math.max(1, now - this.#lastAt);
    this.#lastAt = now;
    // The histogram records the time between its ticks: the delay is what exceeds the resolution.
    const h = this.#delay;
    const r = this.#delayResolutionMs;
    const beyond = (ns: number): number => (h.count === 0 || !Number.isFinite(ns) ? 0 : Math.max(0, Math.round((ns / 1e6 - r) * 100) / 100));
    const eventLoopDelay = { meanMs: beyond(h.mean), p50Ms: beyond(h.percentile(50)), p99Ms: beyond(h.percentile(99)), maxMs: beyond(h.max) };
    h.reset();
    const clients: ClientSample[] = [];
    for (const { entry, client } of this.#registry.live()) {
      clients.push({ id: entry.id, address: entry.address, createdAt: entry.createdAt?.site ?? null, stats: client.stats() });
    }
    return {
      at: Date.now(),
      heapUsed: mem.heapUsed,
      heapTotal: mem.heapTotal,
      external: mem.external,
      arrayBuffers: mem.arrayBuffers,
      rss: mem.rss,
      gap: mem.rss - (mem.heapTotal + mem.external),
      resources,
      eventLoopDelay,
      cpuPercent: Math.round(((cpu.user + cpu.system) / 1000 / elapsedMs) * 10000) / 100,
      clients,
    };
  }

  #raise(alarm: MemoryAlarm): void {
    if (!this.#isRunning) return;
    this.#alarms.push(alarm);
    if (this.#alarms.length > ALARMS_KEPT) this.#alarms.shift();
    callSafely(this.#onAlarm, alarm);
  }

  /** Runs `fn` after `ms` (unref'd) unless the watch stops first. */
  #after(ms: number, fn: () => void, onCancel: () => void): void {
    const pending = {
      cancel: () => {
        clearTimeout(timer);
        onCancel();
      },
    };
    const timer = setTimeout(() => {
      this.#pending.delete(pending);
      fn();
    }, ms);
    timer.unref();
    this.#pending.add(pending);
  }

  #alarmOf(f: Finding, callSites: CallSite[], note?: string): MemoryAlarm {
    const alarm: MemoryAlarm = { kind: f.kind, series: f.series, message: f.message, at: f.history[f.history.length - 1]?.at ?? Date.now(), value: f.value, callSites, history: f.history };
    if (f.baseline !== undefined) alarm.baseline = f.baseline;
    if (f.bytesPerSecond !== undefined) alarm.bytesPerSecond = f.bytesPerSecond;
    if (f.client !== undefined) alarm.client = { id: f.client.id, address: f.client.address, createdAt: f.client.createdAt };
    if (note !== undefined) alarm.note = note;
    return alarm;
  }

  /** Adds the call sites a finding needs, then raises it. */
  #complete(f: Finding): void {
    if (f.kind === 'growth') this.#completeGrowth(f);
    else if (f.kind === 'doubling') this.#completeDoubling(f);
    else {
      const sites = [...this.#leakSites.values()].filter((l) => l.address === f.client?.address).map((l) => ({ ...l.site, count: l.count }));
      const note = sites.length > 0 ? undefined : 'no lease of this client was reported by leak detection: set leakDetectionThresholdMs on the client to see where long-held leases are acquired';
      this.#raise(this.#alarmOf(f, mergeCallSites(sites, 5), note));
    }
  }

  #completeGrowth(f: Finding): void {
    const ms = this.#settings.growth?.attributionMs ?? 0;
    if (f.series !== 'heapUsed' && f.series !== 'heapTotal') {
      this.#raise(this.#alarmOf(f, [], `${f.series} is not the JS heap: heap profiles cannot see it (Buffers and native memory in external; allocator fragmentation, native addons and thread stacks in the gap; compare the series in history)`));
      return;
    }
    if (ms === 0) return this.#raise(this.#alarmOf(f, [], 'attribution is off (alarms.growth.attributionMs: 0)'));
    if (isHeapProfilerBusy()) return this.#raise(this.#alarmOf(f, [], 'a heap profile was being captured: no attribution'));
    const controller = new AbortController();
    const pending = { cancel: () => controller.abort() };
    this.#pending.add(pending);
    captureHeapProfile({ mode: 'inuse', durationMs: ms, windowMs: ms, samplingIntervalBytes: HEAP_ATTRIBUTION_INTERVAL_BYTES, signal: controller.signal }).then(
      (profile) => {
        this.#pending.delete(pending);
        const sites: CallSite[] = [];
        for (const s of profile.samples) {
          const frame = s.stack.find((fr) => isCallerFrame(fr.file));
          if (frame === undefined) continue;
          const text = `at ${frame.functionName} (${frame.file}:${frame.line}:${frame.column})`;
          const stack = s.stack
            .filter((fr) => isCallerFrame(fr.file))
            .slice(0, 8)
            .map((fr) => `at ${fr.functionName} (${fr.file}:${fr.line}:${fr.column})`)
            .join('\n');
          sites.push({ site: text.slice(3), functionName: frame.functionName, file: frame.file, line: frame.line, column: frame.column, count: s.values[0], bytes: s.values[1], stack });
        }
        const top = mergeCallSites(sites, 5);
        this.#raise(this.#alarmOf(f, top, `call sites: functions whose allocations during a ${ms} ms inuse heap profile were still live after a full GC (line = where the function starts)`));
      },
      (err: unknown) => {
        this.#pending.delete(pending);
        if (this.#isRunning) this.#raise(this.#alarmOf(f, [], `heap attribution failed: ${(err as Error).message}`));
      },
    );
  }

  #completeDoubling(f: Finding): void {
    const type = f.resourceType;
    if (type === undefined) {
      this.#raise(this.#alarmOf(f, [], 'compare heapUsed, external and gap in history to tell JS heap growth from native memory'));
      return;
    }
    // Sockets of watched clients: who created the clients that hold them.
    const clientSites: CallSite[] = [];
    if (type === 'TCPSocketWrap' || type === 'PipeWrap') {
      for (const { entry, client } of this.#registry.live()) {
        const sockets = client.stats().totalConns;
        if (sockets > 0 && entry.createdAt !== undefined) clientSites.push({ ...entry.createdAt, count: sockets });
      }
    }
    const ms = this.#settings.doubling?.attributionMs ?? 0;
    const clientNote = clientSites.length > 0 ? `leanredis clients holding ${clientSites.reduce((a, s) => a + s.count, 0)} socket(s), by the line that created them` : undefined;
    if (ms === 0) {
      this.#raise(this.#alarmOf(f, mergeCallSites(clientSites, 5), clientNote ?? 'attribution is off (alarms.doubling.attributionMs: 0)'));
      return;
    }
    const attribution = new ResourceAttribution(new Set([hookTypeOf(type)])).start();
    this.#after(
      ms,
      () => {
        const created = attribution.stop().get(hookTypeOf(type)) ?? [];
        const notes = [clientNote, `${type} created during a ${ms} ms window and still alive at its end, by creator`].filter((n) => n !== undefined);
        if (created.length === 0) notes.push(`no ${type} created during the window is still alive`);
        if (attribution.dropped > 0) notes.push(`${attribution.dropped} more not tracked`);
        this.#raise(this.#alarmOf(f, [...mergeCallSites(clientSites, 5), ...created], notes.join('; ')));
      },
      () => attribution.stop(),
    );
  }

  #onLeak(m: LeakMessage): void {
    if (!this.#isRunning || typeof m.stack !== 'string') return;
    const address = typeof m.address === 'string' ? m.address : 'unknown';
    const site = callSiteOf(m.stack) ?? { site: '(no caller frame in the stack)', functionName: '', file: '', line: 0, column: 0, count: 1, stack: m.stack };
    const now = Date.now();
    const quietMs = this.#settings.leaseLeak?.quietMs ?? 60_000;
    const seen = this.#leakSites.get(site.site);
    if (seen !== undefined && now - seen.lastAt < quietMs) {
      seen.lastAt = now;
      seen.count++;
      return;
    }
    this.#leakSites.set(site.site, { site, lastAt: now, count: 1, address });
    if (this.#leakSites.size > 1000) this.#leakSites.delete(this.#leakSites.keys().next().value as string);
    const owners = this.#registry.byAddress(address);
    const client = owners.length === 1 ? owners[0] : undefined;
    const heldMs = typeof m.heldMs === 'number' ? Math.round(m.heldMs) : 0;
    const alarm: MemoryAlarm = {
      kind: 'lease-leak',
      series: client !== undefined ? `client#${client.id} ${address}` : address,
      message: `a lease on ${address} has been held ${heldMs} ms (connection ${String(m.connectionId)}), acquired at ${site.site}`,
      at: now,
      value: heldMs,
      callSites: [site],
      history: this.#history.slice(-Math.max(2, Math.ceil(60_000 / this.#intervalMs))),
    };
    if (client !== undefined) alarm.client = { id: client.id, address, createdAt: client.createdAt?.site ?? null };
    this.#raise(alarm);
  }
}

/**
 * Starts watching the process's memory, handles and the given (or newly created) clients; see
 * the file comment and docs/DIAGNOSTICS.md. Returns the running `MemoryWatch`; call `stop()`
 * (or `using watch = watchMemory()`) to end it. Throws ArgumentError on a bad option.
 *
 * ```ts
 * const watch = watchMemory({ onAlarm: (a) => log.warn(a.message, a.callSites[0]?.site) });
 * ```
 */
export function watchMemory(options?: WatchMemoryOptions): MemoryWatch {
  const fn = 'watchMemory';
  const o = checkOptions(fn, options, KNOWN);
  const intervalMs = intOption(fn, o, 'intervalMs', 1000, 10, 3_600_000, ' (ms)');
  const settings = resolveAlarms(fn, o.alarms);
  const longest = Math.max(settings.growth?.windowMs ?? 0, settings.saturation?.windowMs ?? 0);
  const needed = Math.max(60, Math.ceil(longest / intervalMs) + 2);
  const historySize = intOption(fn, o, 'historySize', Math.min(needed, 100_000), 2, 100_000);
  if (historySize < Math.ceil(longest / intervalMs) + 1) {
    throw new (loadCore().ArgumentError)(`${fn}: option "historySize" (${historySize}) must hold the longest alarm window: at least ${Math.ceil(longest / intervalMs) + 1} samples at intervalMs ${intervalMs}`);
  }
  const clients = o.clients ?? [];
  if (!Array.isArray(clients) || clients.some((c) => typeof (c as WatchableClient)?.stats !== 'function')) throw new (loadCore().ArgumentError)(`${fn}: option "clients" must be an array of leanredis clients`);
  return new MemoryWatch({
    intervalMs,
    historySize,
    warmupMs: intOption(fn, o, 'warmupMs', 30_000, 0, 86_400_000, ' (ms)'),
    settings,
    clients: clients as WatchableClient[],
    trackClients: booleanOption(fn, o, 'trackClients', true),
    onSample: functionOption(fn, o, 'onSample'),
    onAlarm: functionOption(fn, o, 'onAlarm') ?? defaultOnAlarm,
  });
}
