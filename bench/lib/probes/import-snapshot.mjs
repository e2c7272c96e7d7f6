/**
 * What the heap added by `import(<spec>)` consists of: heap snapshots before and after (full GC
 * each time), objects new in the second grouped by V8 node type and name, largest first.
 *
 *   node --expose-gc bench/lib/probes/import-snapshot.mjs [leanredis]
 *
 * Snapshots are written under bench/results/tmp/ and removed afterwards.
 */
import v8 from 'node:v8';
import { readFileSync, rmSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const spec = process.argv[2] ?? 'leanredis';
const dir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'results', 'tmp');
mkdirSync(dir, { recursive: true });
const gc = async () => {
  for (let i = 0; i < 4; i++) {
    /** @type {() => void} */ (globalThis.gc)(); // run with --expose-gc
    await sleep(0);
  }
};

await gc();
const before = v8.writeHeapSnapshot(join(dir, 'import-before.heapsnapshot'));
globalThis.keep = await import(spec);
await gc();
const after = v8.writeHeapSnapshot(join(dir, 'import-after.heapsnapshot'));

function nodesOf(file) {
  const snap = JSON.parse(readFileSync(file, 'utf8'));
  const meta = snap.snapshot.meta;
  const fields = meta.node_fields;
  const types = meta.node_types[0];
  const [ti, ni, si, ii] = ['type', 'name', 'self_size', 'id'].map((f) => fields.indexOf(f));
  const out = new Map();
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    const type = types[snap.nodes[i + ti]];
    const name = type.includes('string') ? '' : snap.strings[snap.nodes[i + ni]].slice(0, 60);
    out.set(snap.nodes[i + ii], { type, name, size: snap.nodes[i + si], text: type.includes('string') ? snap.strings[snap.nodes[i + ni]].slice(0, 60) : '' });
  }
  return out;
}
const a = nodesOf(before);
const b = nodesOf(after);
rmSync(before);
rmSync(after);
const groups = new Map();
const largest = [];
let total = 0;
for (const [id, n] of b) {
  if (a.has(id)) continue;
  total += n.size;
  const key = `${n.type.padEnd(20)} ${n.name}`;
  const g = groups.get(key) ?? { size: 0, count: 0 };
  g.size += n.size;
  g.count++;
  groups.set(key, g);
  largest.push(n);
}
console.log(`import(${spec}): ${(total / 1024).toFixed(1)} KB of new heap objects (self sizes)`);
console.log('\nby type and name:');
for (const [k, g] of [...groups].sort((x, y) => y[1].size - x[1].size).slice(0, 20)) console.log(`  ${(g.size / 1024).toFixed(1).padStart(7)} KB ${String(g.count).padStart(6)}×  ${k}`);
console.log('\nlargest objects:');
for (const n of largest.sort((x, y) => y.size - x.size).slice(0, 8)) console.log(`  ${(n.size / 1024).toFixed(1).padStart(7)} KB  ${n.type} ${n.name}${n.text ? JSON.stringify(n.text) : ''}`);
