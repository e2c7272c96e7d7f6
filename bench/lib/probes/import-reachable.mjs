/**
 * Fresh-process probe (run with --expose-gc): bytes reachable after `import(<spec>)` minus
 * before, each the sum of self sizes in a V8 heap snapshot (native nodes left out: external
 * memory, not heap), the module namespace kept alive. The method of `leanredis cost`
 * (packages/cli/src/measure/import-probe.ts): V8's heapUsed counter also moves with the
 * allocator's and the loaders' state (free-list fragments, a half-filled page), by tens of KB
 * between identical runs; a snapshot counts only what is alive. `none` measures the same steps
 * without an import. Prints one JSON line { reachableBytes, objects }.
 */
import v8 from 'node:v8';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const spec = process.argv[2];
const dir = mkdtempSync(join(tmpdir(), 'leanredis-bench-reachable-'));

async function fullGc() {
  for (let i = 0; i < 4; i++) {
    /** @type {() => void} */ (globalThis.gc)(); // run with --expose-gc
    await sleep(0);
  }
}

/** Sum of self sizes of the snapshot's non-native nodes; only the "nodes" array is read, streamed. */
async function reachable() {
  const file = v8.writeHeapSnapshot(join(dir, 'heap.heapsnapshot'));
  let head = '';
  let fields = 0;
  let sizeAt = -1;
  let native = -1;
  let type = 0;
  let index = 0;
  let total = 0;
  let objects = 0;
  let num = 0;
  let inNumber = false;
  let inNodes = false;
  const stream = createReadStream(file, { encoding: 'latin1', highWaterMark: 1 << 20 });
  outer: for await (const chunk of stream) {
    let text = /** @type {string} */ (chunk);
    if (!inNodes) {
      head += text;
      const at = head.indexOf('"nodes":[');
      if (at === -1) continue;
      const names = JSON.parse(`[${/"node_fields":\[([^\]]*)\]/.exec(head)?.[1]}]`);
      const types = JSON.parse(`[${/"node_types":\[\[([^\]]*)\]/.exec(head)?.[1]}]`);
      fields = names.length;
      sizeAt = names.indexOf('self_size');
      native = types.indexOf('native');
      inNodes = true;
      text = head.slice(at + '"nodes":['.length);
      head = '';
    }
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 48 && c <= 57) {
        num = num * 10 + (c - 48);
        inNumber = true;
        continue;
      }
      if (inNumber) {
        const field = index % fields;
        if (field === 0) type = num;
        else if (field === sizeAt && type !== native) {
          total += num;
          objects++;
        }
        index++;
        num = 0;
        inNumber = false;
      }
      if (c === 93) break outer; // ']' closes the nodes array
    }
  }
  stream.destroy();
  rmSync(file, { force: true });
  return { total, objects };
}

try {
  // Once before the baseline, so the snapshot and stream code is compiled and its modules loaded.
  await fullGc();
  await reachable();
  await fullGc();
  const before = await reachable();
  globalThis.keep = spec === 'none' ? await Promise.resolve({}) : await import(spec);
  await fullGc();
  const after = await reachable();
  process.stdout.write(`${JSON.stringify({ reachableBytes: after.total - before.total, objects: after.objects - before.objects })}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
