// @layer L7 diagnostics
/**
 * L7 diagnostics: the memory watch's alarm rules, evaluated on its sample history after each
 * sample. Each rule raises once per episode: when its condition starts to hold, and not again
 * until the condition has cleared (with hysteresis, so a value hovering at the threshold does
 * not raise a storm).
 *
 *   growth           the floor of a byte series (the lowest value in each sixth of the window,
 *                    i.e. what survives garbage collection) rises by at least minBytesPerSecond
 *                    (least-squares slope) over windowMs; clears below half that slope.
 *   doubling         a resource type's count (Node's "goroutine count": sockets, timers, file
 *                    requests...) or RSS reaches twice its baseline, the lowest value seen since
 *                    warm-up (never less than minCount / minRssBytes); clears below 1.5 times.
 *   pool-saturation  a client's connections in use (not idle) stay at or above ratio x
 *                    maxConnections for windowMs; clears when below.
 *   acquire-wait     at least minWaits lease requests of a client had to wait for a connection
 *                    within windowMs; clears after a window without a new wait.
 * (lease-leak alarms come from the pool's leak detection, see watch-memory.ts.)
 */
import type { ClientSample, MemorySample, MemorySeries } from './memory-sample.js';
import type { CallSite } from './call-sites.js';
import { checkOptions, intOption, numberOption } from './options.js';
import { loadCore } from './core-loader.js';

export type MemoryAlarmKind = 'growth' | 'doubling' | 'pool-saturation' | 'acquire-wait' | 'lease-leak';

/** An alarm, raised once per episode. Plain data apart from `history` (the samples themselves). */
export interface MemoryAlarm {
  kind: MemoryAlarmKind;
  /** What it is about: `heapUsed`, `rss`, `resources.Timeout`, `client#2 127.0.0.1:6379`... */
  series: string;
  /** One line for a log. */
  message: string;
  /** When the condition was seen. (ms since the epoch) */
  at: number;
  /** The value that tripped it (bytes, a count, or connections in use). */
  value: number;
  /** doubling: the baseline it doubled from. */
  baseline?: number;
  /** growth: slope of the series' floor over the window. (bytes per second) */
  bytesPerSecond?: number;
  /** The client, for pool alarms and leaked leases. */
  client?: { id: number; address: string; createdAt: string | null };
  /**
   * Where it comes from, biggest first: the functions whose allocations stayed live (growth,
   * from a short inuse heap profile), the code that created the resources still alive
   * (doubling: clients by `createClient` call site for sockets, async_hooks for other types),
   * the code that acquired the leaked leases (lease-leak, pool-saturation).
   */
  callSites: CallSite[];
  /** Why `callSites` is empty or partial, when it is. */
  note?: string;
  /** The samples of the window that raised it, oldest first. */
  history: MemorySample[];
}

/** Sustained growth of byte series. */
export interface GrowthAlarmOptions {
  /** Window the slope is measured over. @default 60000 (ms) */
  windowMs?: number;
  /** Slope that raises it. @default 65536 (bytes per second, ~225 MB per hour) */
  minBytesPerSecond?: number;
  /** Series watched. @default ['heapUsed', 'rss', 'external'] */
  series?: MemorySeries[];
  /** Length of the inuse heap profile that names the allocating functions of a heapUsed growth; 0 skips it. @default 3000 (ms) */
  attributionMs?: number;
}

/** Doubling of a resource type's count or of RSS (the article's rule). */
export interface DoublingAlarmOptions {
  /** Smallest baseline for resource counts: 1 -> 2 timers is no news. @default 16 */
  minCount?: number;
  /** Smallest baseline for RSS. @default 67108864 (bytes) */
  minRssBytes?: number;
  /** How long async_hooks records the creators of new resources of the doubled type; 0 skips it. @default 2000 (ms) */
  attributionMs?: number;
}

/** Pool saturation and acquire waits, per client. */
export interface SaturationAlarmOptions {
  /** Connections in use / maxConnections that counts as saturated. @default 0.8 */
  ratio?: number;
  /** How long saturation must last, and the window acquire waits are counted in. @default 10000 (ms) */
  windowMs?: number;
  /** Lease requests that waited within the window to raise acquire-wait. @default 1 */
  minWaits?: number;
}

/** Leases reported by the pool's leak detection (clients need `leakDetectionThresholdMs`). */
export interface LeaseLeakAlarmOptions {
  /** A call site's episode ends after this long without a new report from it. @default 60000 (ms) */
  quietMs?: number;
}

/** Which alarms run; `false` turns one off. Every one is on by default. */
export interface MemoryAlarmOptions {
  growth?: false | GrowthAlarmOptions;
  doubling?: false | DoublingAlarmOptions;
  saturation?: false | SaturationAlarmOptions;
  leaseLeak?: false | LeaseLeakAlarmOptions;
}

export interface AlarmSettings {
  growth: Required<GrowthAlarmOptions> | undefined;
  doubling: Required<DoublingAlarmOptions> | undefined;
  saturation: Required<SaturationAlarmOptions> | undefined;
  leaseLeak: Required<LeaseLeakAlarmOptions> | undefined;
}

const SERIES: readonly MemorySeries[] = ['heapUsed', 'heapTotal', 'external', 'arrayBuffers', 'rss', 'gap'];
const DAY_MS = 86_400_000;

function section<T>(fn: string, value: unknown, name: string, known: readonly string[], resolve: (o: Record<string, unknown>, f: string) => T): T | undefined {
  if (value === false) return undefined;
  if (value === true) return resolve({}, `${fn}: alarms.${name}`);
  return resolve(checkOptions(`${fn}: alarms.${name}`, value, known), `${fn}: alarms.${name}`);
}

/** Validates `alarms` (unknown keys and bad ranges throw ArgumentError naming them). */
export function resolveAlarms(fn: string, value: unknown): AlarmSettings {
  const o = checkOptions(`${fn}: alarms`, value, ['growth', 'doubling', 'saturation', 'leaseLeak']);
  return {
    growth: section(fn, o.growth, 'growth', ['windowMs', 'minBytesPerSecond', 'series', 'attributionMs'], (g, f) => {
      const series = g.series ?? ['heapUsed', 'rss', 'external'];
      if (!Array.isArray(series) || series.length === 0 || series.some((s) => !SERIES.includes(s as MemorySeries))) {
        throw new (loadCore().ArgumentError)(`${f}: option "series" must be a non-empty array of ${SERIES.join(', ')}`);
      }
      return {
        windowMs: intOption(f, g, 'windowMs', 60_000, 1, DAY_MS, ' (ms)'),
        minBytesPerSecond: numberOption(f, g, 'minBytesPerSecond', 65_536, 1, Number.MAX_SAFE_INTEGER, ' (bytes per second)'),
        series: [...new Set(series as MemorySeries[])],
        attributionMs: intOption(f, g, 'attributionMs', 3000, 0, 600_000, ' (ms)'),
      };
    }),
    doubling: section(fn, o.doubling, 'doubling', ['minCount', 'minRssBytes', 'attributionMs'], (d, f) => ({
      minCount: intOption(f, d, 'minCount', 16, 1, 1e9),
      minRssBytes: intOption(f, d, 'minRssBytes', 64 * 1024 * 1024, 1, Number.MAX_SAFE_INTEGER, ' (bytes)'),
      attributionMs: intOption(f, d, 'attributionMs', 2000, 0, 600_000, ' (ms)'),
    })),
    saturation: section(fn, o.saturation, 'saturation', ['ratio', 'windowMs', 'minWaits'], (s, f) => ({
      ratio: numberOption(f, s, 'ratio', 0.8, 0.01, 1),
      windowMs: intOption(f, s, 'windowMs', 10_000, 1, DAY_MS, ' (ms)'),
      minWaits: intOption(f, s, 'minWaits', 1, 1, 1e9),
    })),
    leaseLeak: section(fn, o.leaseLeak, 'leaseLeak', ['quietMs'], (l, f) => ({ quietMs: intOption(f, l, 'quietMs', 60_000, 1, DAY_MS, ' (ms)') })),
  };
}

/** A condition that just started to hold; the watch adds call sites and raises it. */
export interface Finding {
  kind: MemoryAlarmKind;
  series: string;
  message: string;
  value: number;
  baseline?: number;
  bytesPerSecond?: number;
  client?: ClientSample;
  /** doubling of a resource type: its name in getActiveResourcesInfo(). */
  resourceType?: string;
  history: MemorySample[];
}

const mb = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MB`;
const seconds = (ms: number): string => (ms < 10_000 ? `${ms / 1000} s` : `${Math.round(ms / 1000)} s`);

/**
 * Samples of the last `windowMs`, starting with the last one taken at or before its start (so
 * the window is covered whole despite timer jitter), or undefined while the history does not
 * cover 90% of it yet.
 */
function windowOf(history: readonly MemorySample[], windowMs: number, minSamples: number): MemorySample[] | undefined {
  const last = history[history.length - 1];
  let i = history.length - 1;
  while (i > 0 && history[i].at > last.at - windowMs) i--;
  const window = history.slice(i);
  if (window.length < minSamples || last.at - window[0].at < windowMs * 0.9) return undefined;
  return window;
}

/** Least-squares slope of the floor (minimum per sixth of the window) of a series. (per second) */
export function floorSlope(window: readonly MemorySample[], series: MemorySeries): number {
  const buckets = 6;
  const t0 = window[0].at;
  const span = Math.max(1, window[window.length - 1].at - t0);
  const floors: { t: number; v: number }[] = [];
  for (const s of window) {
    const b = Math.min(buckets - 1, Math.floor(((s.at - t0) / span) * buckets));
    const v = s[series];
    if (floors[b] === undefined || v < floors[b].v) floors[b] = { t: (s.at - t0) / 1000, v };
  }
  const points = floors.filter((p) => p !== undefined);
  if (points.length < 3) return 0;
  const n = points.length;
  const mt = points.reduce((a, p) => a + p.t, 0) / n;
  const mv = points.reduce((a, p) => a + p.v, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.t - mt) * (p.v - mv);
    den += (p.t - mt) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** Evaluates the rules after each sample and tracks which episodes are open. */
export class AlarmEvaluator {
  readonly #settings: AlarmSettings;
  readonly #warmupUntil: number;
  readonly #open = new Set<string>();
  readonly #baselines = new Map<string, number>();
  #hasBaselines = false;

  constructor(settings: AlarmSettings, startedAt: number, warmupMs: number) {
    this.#settings = settings;
    this.#warmupUntil = startedAt + warmupMs;
  }

  /** Opens the episode `key` if it is closed (true: raise it); closes it when `clear`. */
  #edge(key: string, holds: boolean, clear: boolean): boolean {
    if (this.#open.has(key)) {
      if (clear) this.#open.delete(key);
      return false;
    }
    if (!holds) return false;
    this.#open.add(key);
    return true;
  }

  evaluate(history: readonly MemorySample[]): Finding[] {
    const found: Finding[] = [];
    const last = history[history.length - 1];
    const { growth, doubling, saturation } = this.#settings;
    if (last.at >= this.#warmupUntil) {
      if (growth !== undefined) this.#growth(history, growth, found);
      if (doubling !== undefined) this.#doubling(history, last, doubling, found);
    }
    if (saturation !== undefined) this.#saturation(history, last, saturation, found);
    return found;
  }

  #growth(history: readonly MemorySample[], g: Required<GrowthAlarmOptions>, found: Finding[]): void {
    const window = windowOf(history, g.windowMs, 6);
    if (window === undefined) return;
    for (const series of g.series) {
      const slope = floorSlope(window, series);
      if (this.#edge(`growth:${series}`, slope >= g.minBytesPerSecond, slope < g.minBytesPerSecond / 2)) {
        const value = window[window.length - 1][series];
        found.push({
          kind: 'growth',
          series,
          value,
          bytesPerSecond: slope,
          message: `${series} grows ${mb(slope * 60)}/min (floor over the last ${seconds(g.windowMs)}), now ${mb(value)}`,
          history: window,
        });
      }
    }
  }

  #doubling(history: readonly MemorySample[], last: MemorySample, d: Required<DoublingAlarmOptions>, found: Finding[]): void {
    // The first sample after warm-up sets the baselines; a type that appears later was absent
    // (0) until then.
    const isFirst = !this.#hasBaselines;
    this.#hasBaselines = true;
    const check = (series: string, value: number, floor: number, describe: (base: number) => string, resourceType?: string): void => {
      const seen = this.#baselines.get(series) ?? (isFirst || resourceType === undefined ? value : 0);
      const baseline = Math.min(seen, value);
      this.#baselines.set(series, baseline);
      const reference = Math.max(baseline, floor);
      if (this.#edge(`doubling:${series}`, value >= 2 * reference, value < 1.5 * reference)) {
        found.push({ kind: 'doubling', series, value, baseline, resourceType, message: describe(baseline), history: [...history] });
      }
    };
    check('rss', last.rss, d.minRssBytes, (base) => `rss doubled: ${mb(last.rss)} (baseline ${mb(base)})`);
    // A type absent from this sample counts 0, so its baseline can drop back after a burst.
    const types = new Set([...Object.keys(last.resources), ...[...this.#baselines.keys()].filter((k) => k.startsWith('resources.')).map((k) => k.slice(10))]);
    for (const type of types) {
      const count = last.resources[type] ?? 0;
      check(`resources.${type}`, count, d.minCount, (base) => `${type} count doubled: ${count} (baseline ${base}, floor ${d.minCount})`, type);
    }
  }

  #saturation(history: readonly MemorySample[], last: MemorySample, s: Required<SaturationAlarmOptions>, found: Finding[]): void {
    const window = windowOf(history, s.windowMs, 2);
    for (const client of last.clients) {
      const key = `client#${client.id}`;
      const series = `${key} ${client.address}`;
      const inUse = (c: ClientSample): number => c.stats.totalConns - c.stats.idleConns;
      const limit = s.ratio * client.stats.maxConnections;
      const mine = window?.map((w) => w.clients.find((c) => c.id === client.id)).filter((c) => c !== undefined);
      const saturated = mine !== undefined && mine.length === window!.length && mine.every((c) => inUse(c) >= limit);
      if (this.#edge(`saturation:${key}`, saturated, inUse(client) < limit)) {
        found.push({
          kind: 'pool-saturation',
          series,
          value: inUse(client),
          client,
          message: `${series}: ${inUse(client)} of maxConnections ${client.stats.maxConnections} connections in use (${client.stats.leased} leased) for ${seconds(s.windowMs)}`,
          history: window!,
        });
      }
      const first = window?.find((w) => w.clients.some((c) => c.id === client.id))?.clients.find((c) => c.id === client.id);
      if (first === undefined) continue;
      const waits = client.stats.waitCount - first.stats.waitCount;
      const timeouts = client.stats.timeouts - first.stats.timeouts;
      if (this.#edge(`waits:${key}`, waits >= s.minWaits, waits === 0)) {
        const avg = waits > 0 ? (client.stats.waitDurationMs - first.stats.waitDurationMs) / waits : 0;
        found.push({
          kind: 'acquire-wait',
          series,
          value: waits,
          client,
          message: `${series}: ${waits} lease request(s) waited for a connection in the last ${seconds(s.windowMs)} (${Math.round(avg)} ms on average, ${timeouts} timed out, ${client.stats.pendingRequests} waiting now): raise maxConnections or find the slow or leaked lease`,
          history: window!,
        });
      }
    }
  }
}
