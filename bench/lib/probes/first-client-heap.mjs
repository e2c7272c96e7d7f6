/**
 * Fresh-process probe (run with --expose-gc): heap added by creating the first client of a
 * process, after `import(<spec>)` (leanredis: the command table and the rest of
 * dist/extras.js are loaded then). No command is sent and no socket opened. Two figures:
 *   heapBytes      V8 used heap after full GC, after minus before
 *   retainedBytes  the sum of self sizes in a heap snapshot, after minus before: live objects
 *                  only (used heap also counts allocation-buffer and page slack, which moved
 *                  by 200 KB for 30 KB of live objects when the table grew)
 * Prints one JSON line { heapBytes, retainedBytes }.
 */
import v8 from 'node:v8';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const spec = process.argv[2];
async function fullGc() {
  for (let i = 0; i < 4; i++) {
    /** @type {() => void} */ (globalThis.gc)(); // run with --expose-gc
    await sleep(0);
  }
}
/** Sum of the self sizes of every node of a fresh heap snapshot. */
function liveBytes() {
  const file = v8.writeHeapSnapshot(join(tmpdir(), `first-client-${process.pid}-${Date.now()}.heapsnapshot`));
  try {
    const snapshot = JSON.parse(readFileSync(file, 'utf8'));
    const fields = snapshot.snapshot.meta.node_fields;
    const at = fields.indexOf('self_size');
    let total = 0;
    for (let i = at; i < snapshot.nodes.length; i += fields.length) total += snapshot.nodes[i];
    return total;
  } finally {
    rmSync(file, { force: true });
  }
}
const mod = await import(spec);
await fullGc();
const before = v8.getHeapStatistics().used_heap_size;
const liveBefore = liveBytes();
globalThis.keep = mod.createClient('redis://127.0.0.1:1');
await fullGc();
const after = v8.getHeapStatistics().used_heap_size;
const liveAfter = liveBytes();
process.stdout.write(`${JSON.stringify({ heapBytes: after - before, retainedBytes: liveAfter - liveBefore })}\n`);
process.exit(0);
