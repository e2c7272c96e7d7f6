/**
 * Fresh-process probe (run with --expose-gc): heap added by `import(<spec>)`, after full GC
 * before and after, module namespace kept alive. `none` measures the same steps without an
 * import (the noise floor). Prints one JSON line { heapBytes, rssBytes, externalBytes }.
 */
import v8 from 'node:v8';
import { setTimeout as sleep } from 'node:timers/promises';

const spec = process.argv[2];
async function fullGc() {
  for (let i = 0; i < 4; i++) {
    /** @type {() => void} */ (globalThis.gc)(); // run with --expose-gc
    await sleep(0);
  }
}
const snap = () => ({ heap: v8.getHeapStatistics().used_heap_size, rss: process.memoryUsage.rss(), ext: process.memoryUsage().external });
await fullGc();
const before = snap();
globalThis.keep = spec === 'none' ? await Promise.resolve({}) : await import(spec);
await fullGc();
const after = snap();
process.stdout.write(`${JSON.stringify({ heapBytes: after.heap - before.heap, rssBytes: after.rss - before.rss, externalBytes: after.ext - before.ext })}\n`);
process.exit(0);
