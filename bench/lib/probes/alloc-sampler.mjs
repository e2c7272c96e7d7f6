/**
 * Preloaded with --import by `bench/profile.mjs --alloc`: runs V8's sampling heap profiler for
 * the whole process, keeping samples of objects that GC later collected (so the profile shows
 * allocation, not retention), and writes it to $BENCH_ALLOC_OUT at exit.
 */
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';

const session = new Session();
session.connect();
// BENCH_ALLOC_RETAINED=1 keeps only objects still alive at the end (what a heap holds).
const collected = process.env.BENCH_ALLOC_RETAINED !== '1';
session.post('HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMajorGC: collected, includeObjectsCollectedByMinorGC: collected });
process.on('exit', () => {
  // Main-thread inspector sessions answer synchronously, so this completes inside 'exit'.
  session.post('HeapProfiler.stopSampling', (err, res) => {
    const out = process.env.BENCH_ALLOC_OUT;
    if (!err && out !== undefined) writeFileSync(out, JSON.stringify(res.profile));
  });
});
