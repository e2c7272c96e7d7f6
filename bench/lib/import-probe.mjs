/**
 * Import cost of a package, each figure from fresh processes (see probes/):
 *   heapBytes  used V8 heap after full GC, after import minus before (median of `heapRuns`)
 *   reachableBytes  with `reachableRuns` > 0: bytes of the objects a heap snapshot reaches after
 *              the import minus before (probes/import-reachable.mjs, the method of `leanredis
 *              cost`), less the median of the same probe importing nothing (the probe's own
 *              objects, ~20-40 KB); a cross-check of heapBytes, which counts V8's own used-bytes
 *              figure (free-list and allocator state included). On Node 20 here the two agree
 *              within ~10 KB and heapBytes repeats to the byte, so heapBytes stays the figure.
 *   files      files loaded by the import (ESM load hook + require.cache), and their bytes
 *   builtins   Node built-in modules the import pulls in (process.moduleLoadList): not files, but heap
 *   wallMs     median over `wallRuns` back-to-back pairs of: wall time of
 *              `node probes/import-only.mjs <spec>` minus that of the same probe importing nothing
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { median } from './measure.mjs';

const probes = join(dirname(fileURLToPath(import.meta.url)), 'probes');

function probe(args) {
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', cwd: probes });
  if (r.status !== 0) throw new Error(`probe ${args.join(' ')} failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-2).join(' | ')}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '');
}

function wall(spec) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(probes, 'import-only.mjs'), spec], { cwd: probes, stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`import of ${spec} failed`);
  return performance.now() - t0;
}

export function measureImport(spec, { heapRuns = 3, wallRuns = 10, reachableRuns = 0 } = {}) {
  const heaps = [];
  const rss = [];
  for (let i = 0; i < heapRuns; i++) {
    const h = probe(['--expose-gc', join(probes, 'import-heap.mjs'), spec]);
    heaps.push(h.heapBytes);
    rss.push(h.rssBytes);
  }
  const reachable = [];
  const floor = [];
  for (let i = 0; i < reachableRuns; i++) {
    reachable.push(probe(['--expose-gc', join(probes, 'import-reachable.mjs'), spec]).reachableBytes);
    floor.push(probe(['--expose-gc', join(probes, 'import-reachable.mjs'), 'none']).reachableBytes);
  }
  const files = probe([join(probes, 'import-files.mjs'), spec]);
  const builtins = probe([join(probes, 'import-builtins.mjs'), spec]);
  const bare = [];
  const diffs = [];
  wall(spec); // warm the page cache
  // Pairs taken back to back, and the median of their differences: robust to the machine's
  // load drifting during the measurement.
  for (let i = 0; i < wallRuns; i++) {
    const b = wall('none');
    const w = wall(spec);
    bare.push(b);
    diffs.push(w - b);
  }
  return {
    heapBytes: median(heaps),
    reachableBytes: reachableRuns > 0 ? median(reachable) - median(floor) : undefined,
    reachableFloorBytes: reachableRuns > 0 ? median(floor) : undefined,
    rssBytes: median(rss),
    files: files.files,
    fileBytes: files.bytes,
    fileList: files.list,
    builtins: builtins.builtins,
    builtinModules: builtins.internal,
    wallMs: median(diffs),
    bareMs: median(bare),
  };
}
