/**
 * Which functions hold optimized machine code in each of two heap snapshots of one process, and
 * how much: the functions new in the second are the ones V8's optimizing compiler reached
 * between the two. This is how the leak soak's late growth was read as the reconnect path being
 * compiled for the first time after hundreds of kills (docs/RELIABILITY.md, issue 9, seventh
 * round), where a census by class only says "code grew".
 *
 *   node bench/optimized-functions.mjs first.heapsnapshot second.heapsnapshot [--top=40]
 *
 * Optimized code is a `code` node with a `deoptimization_data` edge (TurboFan's; the
 * interpreter's bytecode and Sparkplug's baseline code have none). Its function is the closure
 * whose `code` edge leads to it, directly or through the one small holder object Node 20's V8
 * puts between them; code no closure points to any more (replaced, still on a stack, or held
 * only by metadata) is counted as "(no closure)". An unminified build names the client's functions.
 */
import { readFileSync } from 'node:fs';

const files = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const top = Number(process.argv.find((a) => a.startsWith('--top='))?.split('=')[1] ?? 40);
if (files.length !== 2) {
  console.error('usage: node bench/optimized-functions.mjs first.heapsnapshot second.heapsnapshot [--top=40]');
  process.exit(2);
}

/** Optimized code by owning function: name -> { count, bytes } (the code and what it alone points to). */
function optimizedByFunction(file) {
  const snap = JSON.parse(readFileSync(file, 'utf8'));
  const meta = snap.snapshot.meta;
  const nf = meta.node_fields.length;
  const ef = meta.edge_fields.length;
  const nodes = Int32Array.from(snap.nodes);
  const edges = Int32Array.from(snap.edges);
  const at = { type: meta.node_fields.indexOf('type'), name: meta.node_fields.indexOf('name'), size: meta.node_fields.indexOf('self_size'), edges: meta.node_fields.indexOf('edge_count') };
  const et = { type: meta.edge_fields.indexOf('type'), name: meta.edge_fields.indexOf('name_or_index'), to: meta.edge_fields.indexOf('to_node') };
  const nodeTypes = meta.node_types[0];
  const edgeTypes = meta.edge_types[0];
  const n = nodes.length / nf;
  const typeOf = (k) => nodeTypes[nodes[k * nf + at.type]];
  const nameOf = (k) => String(snap.strings[nodes[k * nf + at.name]]);
  const edgeName = (e) => {
    const t = edgeTypes[edges[e + et.type]];
    return t === 'element' || t === 'hidden' ? '' : String(snap.strings[edges[e + et.name]]);
  };
  // Retainers (reverse edges) of code nodes only, and which code nodes are optimized.
  const optimized = new Uint8Array(n);
  // A piece of optimized code weighs its own node and the code-typed nodes it points to: the
  // instructions (a separate object in Node 20's V8), deopt data, relocation info, source positions.
  const weight = new Float64Array(n);
  const retainers = new Map();
  for (let k = 0, e = 0; k < n; k++) {
    const end = e + nodes[k * nf + at.edges] * ef;
    let children = 0;
    for (; e < end; e += ef) {
      const to = edges[e + et.to] / nf;
      if (typeOf(k) === 'code' && edgeName(e) === 'deoptimization_data') optimized[k] = 1;
      if (typeOf(k) === 'code' && typeOf(to) === 'code' && edgeTypes[edges[e + et.type]] !== 'weak') children += nodes[to * nf + at.size];
      if (typeOf(to) !== 'code') continue;
      const list = retainers.get(to) ?? [];
      list.push([k, edgeName(e)]);
      retainers.set(to, list);
    }
    weight[k] = nodes[k * nf + at.size] + children;
  }
  const ownerOf = (k) => {
    for (const [from, via] of retainers.get(k) ?? []) if (typeOf(from) === 'closure' && via === 'code') return nameOf(from) || '(anonymous)';
    for (const [holder] of retainers.get(k) ?? []) {
      if (typeOf(holder) !== 'code' || nameOf(holder) !== '') continue;
      for (const [from, via] of retainers.get(holder) ?? []) if (typeOf(from) === 'closure' && via === 'code') return nameOf(from) || '(anonymous)';
    }
    return '(no closure)';
  };
  const out = new Map();
  for (let k = 0; k < n; k++) {
    if (optimized[k] !== 1) continue;
    const owner = ownerOf(k);
    const entry = out.get(owner) ?? { count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += weight[k];
    out.set(owner, entry);
  }
  return out;
}

const [a, b] = files.map(optimizedByFunction);
const sum = (m) => [...m.values()].reduce((s, e) => ({ count: s.count + e.count, bytes: s.bytes + e.bytes }), { count: 0, bytes: 0 });
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
const [sa, sb] = [sum(a), sum(b)];
console.log(`optimized code: ${sa.count} objects, ${kb(sa.bytes)}, ${a.size} functions -> ${sb.count} objects, ${kb(sb.bytes)}, ${b.size} functions`);
const rows = [...new Set([...a.keys(), ...b.keys()])].map((name) => ({ name, first: a.get(name) ?? { count: 0, bytes: 0 }, second: b.get(name) ?? { count: 0, bytes: 0 } }));
const fresh = rows.filter((r) => r.first.count === 0).sort((x, y) => y.second.bytes - x.second.bytes);
console.log(`\nnew in the second (${fresh.length} functions, ${kb(fresh.reduce((s, r) => s + r.second.bytes, 0))}):`);
for (const r of fresh.slice(0, top)) console.log(`  ${kb(r.second.bytes).padStart(9)}  ${r.name}`);
const gone = rows.filter((r) => r.second.count === 0).sort((x, y) => y.first.bytes - x.first.bytes);
console.log(`\ngone in the second (${gone.length} functions, ${kb(gone.reduce((s, r) => s + r.first.bytes, 0))}):`);
for (const r of gone.slice(0, Math.min(top, 15))) console.log(`  ${kb(r.first.bytes).padStart(9)}  ${r.name}`);
