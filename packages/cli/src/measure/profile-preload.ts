/**
 * Loaded into the profiled program by `leanredis profile` (`--import` through NODE_OPTIONS,
 * settings in $LEANREDIS_PROFILE): starts `watchMemory` and `captureHeapProfile` from
 * `leanredis/diagnostics` (their public exports, as any user would), and when the capture ends
 * writes `<out>/heap.pb.gz` and `<out>/profile-data.json`, then tells the doctor by the
 * presence of the latter. Only the first process to load it profiles (it claims `<out>/.claim`):
 * a program that starts other node processes passes NODE_OPTIONS on, and they stay untouched.
 *
 * A ref'd timer holds the program open until the capture ends, so a short program is profiled
 * for the whole --duration; the doctor stops the program (SIGTERM) once the files are written.
 */
import { openSync, closeSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { captureHeapProfile, watchMemory, type MemoryAlarm } from 'leanredis/diagnostics';
import { PROFILE_ENV, toProfileAlarm, toProfileSample, type ProfileData, type ProfileSample, type ProfileSettings, type ProfileAlarm } from '../profile/profile-protocol.js';

function claim(settings: ProfileSettings): boolean {
  try {
    closeSync(openSync(join(settings.outDir, '.claim'), 'wx'));
    return true;
  } catch {
    return false;
  }
}

/** Writes a file whole or not at all: the doctor waits for the data file to appear. */
function writeAtomically(path: string, data: string | Buffer): void {
  writeFileSync(`${path}.tmp`, data);
  renameSync(`${path}.tmp`, path);
}

function start(settings: ProfileSettings): void {
  const startedAt = Date.now();
  const samples: ProfileSample[] = [];
  const alarms: ProfileAlarm[] = [];
  const watch = watchMemory({
    intervalMs: settings.intervalMs,
    warmupMs: settings.warmupMs,
    historySize: Math.max(60, Math.ceil(settings.growthWindowMs / settings.intervalMs) + 2),
    onSample: (s) => {
      // Bounded: a day at one sample a second.
      if (samples.length < 86_400) samples.push(toProfileSample(s, startedAt));
    },
    onAlarm: (a: MemoryAlarm) => {
      if (alarms.length < 1000) alarms.push(toProfileAlarm(a, startedAt));
    },
    alarms: { growth: { windowMs: settings.growthWindowMs, minBytesPerSecond: settings.growthBytesPerSecond } },
  });
  // Keeps the program alive for the capture; cleared when the files are written.
  const hold = setInterval(() => {}, 60_000);
  const finish = (data: Omit<ProfileData, 'samples' | 'alarms' | 'pid' | 'node'>) => {
    watch.stop();
    clearInterval(hold);
    const full: ProfileData = { pid: process.pid, node: process.version, ...data, samples, alarms };
    writeAtomically(join(settings.outDir, 'profile-data.json'), JSON.stringify(full));
  };
  captureHeapProfile({ durationMs: settings.durationMs, samplingIntervalBytes: settings.samplingIntervalBytes }).then(
    (profile) => {
      writeAtomically(join(settings.outDir, 'heap.pb.gz'), profile.toPprof());
      const n = settings.top;
      finish({
        durationMs: profile.durationMs,
        samplingIntervalBytes: profile.samplingIntervalBytes,
        totals: profile.totals(),
        tops: {
          inuseByFunction: profile.top({ by: 'function', sampleType: 'inuse_space', n }),
          inuseByPackage: profile.top({ by: 'package', sampleType: 'inuse_space', n }),
          allocByFunction: profile.top({ by: 'function', sampleType: 'alloc_space', n }),
          allocByPackage: profile.top({ by: 'package', sampleType: 'alloc_space', n }),
        },
      });
    },
    (err: unknown) => {
      finish({
        durationMs: Date.now() - startedAt,
        samplingIntervalBytes: settings.samplingIntervalBytes,
        totals: {},
        tops: { inuseByFunction: [], inuseByPackage: [], allocByFunction: [], allocByPackage: [] },
        error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
      });
    },
  );
}

const raw = process.env[PROFILE_ENV];
if (raw !== undefined) {
  const settings = JSON.parse(raw) as ProfileSettings;
  if (claim(settings)) start(settings);
}
