/**
 * What `leanredis profile` and its preload (measure/profile-preload.ts, loaded into the
 * profiled program with `--import`) say to each other. The doctor passes the settings in the
 * environment (LEANREDIS_PROFILE, JSON); the preload writes its figures to `<out>/profile-data.json`
 * and the pprof file to `<out>/heap.pb.gz` when the capture ends, then the doctor renders them.
 */
import type { MemoryAlarm, MemorySample, TopRow } from 'leanredis/diagnostics';

/** Environment variable carrying {@link ProfileSettings}. */
export const PROFILE_ENV = 'LEANREDIS_PROFILE';

/** The preload's settings. */
export interface ProfileSettings {
  /** Folder the preload writes into (absolute). */
  readonly outDir: string;
  /** Length of the heap profile capture and of the watch. (ms) */
  readonly durationMs: number;
  /** Memory watch sample interval. (ms) */
  readonly intervalMs: number;
  /** V8 sampling interval of the heap profiler. (bytes) */
  readonly samplingIntervalBytes: number;
  /** Growth and doubling alarms wait this long. (ms) */
  readonly warmupMs: number;
  /** Window of the growth alarm. (ms) */
  readonly growthWindowMs: number;
  /** Slope that raises the growth alarm. (bytes per second) */
  readonly growthBytesPerSecond: number;
  /** Rows of each top table. */
  readonly top: number;
}

/** One memory sample, reduced to what the report draws. */
export interface ProfileSample {
  /** Time since the capture started. (ms) */
  readonly tMs: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
  readonly arrayBuffers: number;
  readonly rss: number;
  readonly cpuPercent: number;
  readonly eventLoopDelayP99Ms: number;
  /** Active handles and requests by type. */
  readonly resources: Readonly<Record<string, number>>;
}

/** An alarm as the report keeps it (its window of samples left out). */
export interface ProfileAlarm {
  readonly kind: MemoryAlarm['kind'];
  readonly series: string;
  readonly message: string;
  /** Time since the capture started. (ms) */
  readonly tMs: number;
  readonly value: number;
  readonly bytesPerSecond?: number;
  readonly callSites: ReadonlyArray<{ readonly site: string; readonly count: number; readonly bytes?: number }>;
  readonly note?: string;
}

/** The top tables of the heap profile. */
export interface ProfileTops {
  /** Objects still live at the end of their window, by allocating function and by package. */
  readonly inuseByFunction: readonly TopRow[];
  readonly inuseByPackage: readonly TopRow[];
  /** Every sampled allocation. */
  readonly allocByFunction: readonly TopRow[];
  readonly allocByPackage: readonly TopRow[];
}

/** `<out>/profile-data.json`, written by the preload. */
export interface ProfileData {
  readonly pid: number;
  readonly node: string;
  readonly durationMs: number;
  readonly samplingIntervalBytes: number;
  readonly totals: Readonly<Record<string, number>>;
  readonly tops: ProfileTops;
  readonly samples: readonly ProfileSample[];
  readonly alarms: readonly ProfileAlarm[];
  /** Set when the capture failed; the samples and alarms still stand. */
  readonly error?: string;
}

/** Converts a watch sample. */
export function toProfileSample(s: MemorySample, startedAt: number): ProfileSample {
  return {
    tMs: Math.round(s.at - startedAt),
    heapUsed: s.heapUsed,
    heapTotal: s.heapTotal,
    external: s.external,
    arrayBuffers: s.arrayBuffers,
    rss: s.rss,
    cpuPercent: Math.round(s.cpuPercent * 10) / 10,
    eventLoopDelayP99Ms: s.eventLoopDelay.p99Ms,
    resources: s.resources,
  };
}

/** Converts an alarm. */
export function toProfileAlarm(a: MemoryAlarm, startedAt: number): ProfileAlarm {
  return {
    kind: a.kind,
    series: a.series,
    message: a.message,
    tMs: Math.round(a.at - startedAt),
    value: a.value,
    ...(a.bytesPerSecond !== undefined ? { bytesPerSecond: a.bytesPerSecond } : {}),
    callSites: a.callSites.slice(0, 5).map((c) => ({ site: c.site, count: c.count, ...(c.bytes !== undefined ? { bytes: c.bytes } : {}) })),
    ...(a.note !== undefined ? { note: a.note } : {}),
  };
}
