/**
 * Import cost: heap after GC, files loaded, and fresh-process wall time over bare node, each
 * from fresh processes (lib/import-probe.mjs). leanredis is imported as its built package.
 */
import { measureImport } from '../lib/import-probe.mjs';
import { CLIENTS } from '../lib/clients.mjs';

export default {
  id: 'import',
  title: 'Import cost: heap after GC, files loaded, wall time over bare node',
  method:
    'Each figure from fresh processes. Heap: `node --expose-gc bench/lib/probes/import-heap.mjs <pkg>`: V8 used heap after 4× gc() before and after `await import(pkg)`, namespace kept alive (median of 3 processes; an empty module costs ~10 KB by the same method). Files: an ESM `load` hook registered with module.register() collects every file: URL, plus every key of require.cache (CommonJS files and native addons, which skip ESM hooks on Node 20), deduplicated by real path. Wall: median over 10 back-to-back pairs (5 in --quick) of the difference between `node bench/lib/probes/import-only.mjs <pkg>` and the same probe importing nothing. Node built-ins the import loads are listed in the JSON (they cost heap but are not files).',
  flush: false,
  params: ({ quick }) => ({ heapRuns: 3, wallRuns: quick ? 5 : 10 }),
  async measure(clientId, { params }) {
    const r = measureImport(CLIENTS[clientId].pkg, params);
    return { ...r, notes: { builtins: r.builtins, fileList: r.fileList.length > 20 ? `${r.fileList.length} files` : r.fileList } };
  },
  metrics: [
    { key: 'heapBytes', label: 'heap after GC', unit: 'B', better: 'lower' },
    { key: 'files', label: 'files loaded', unit: '', better: 'lower' },
    { key: 'fileBytes', label: 'bytes of those files', unit: 'B', better: 'lower' },
    { key: 'wallMs', label: 'wall over bare node', unit: 'ms', better: 'lower' },
  ],
  goals: [
    (doc) => {
      const v = doc.medians.leanredis.heapBytes;
      return { text: 'heap after GC ≤ 0.3 MB', met: v <= 300 * 1024, detail: `${(v / 1024).toFixed(0)} KB` };
    },
    (doc) => {
      const v = doc.medians.leanredis.files;
      return { text: '≤ 12 files loaded', met: v <= 12, detail: `${v} file(s)` };
    },
    (doc) => {
      const v = doc.medians.leanredis.wallMs;
      return { text: 'wall ≤ +20 ms over bare node', met: v <= 20, detail: `+${v.toFixed(1)} ms` };
    },
  ],
};
