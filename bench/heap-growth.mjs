/**
 * What a long-running process keeps accumulating, from three heap snapshots of that process
 * (node ids are stable within a process): the objects born between the first and the second
 * that are still alive in the third, by class, with the shortest retainer path from the GC
 * roots of a few of them. One-off growth (caches filled once, lazy compilation) is born before
 * the first snapshot or dies before the third; what is left is what grows.
 *
 *   node bench/heap-growth.mjs first.heapsnapshot second.heapsnapshot third.heapsnapshot [--top=25] [--paths=3] [--by-owner] [--net] [--strings]
 *
 * --by-owner groups by class and nearest retainer (which function a piece of machine code or
 * feedback belongs to).
 *
 * --strings (with --net) counts strings by their first 60 characters, digits as N, instead of as
 * one class: which texts accumulate (a log line kept by an open inspector, say).
 *
 * --net adds the census: every class's total (count, self sizes) in each of the three snapshots
 * and the classes whose total grew most from the first to the third. Survivors alone do not
 * say whether a kind of object accumulates (code born in the window may replace code that died
 * in it); the net change per class does, whatever the ids.
 *
 * The leak soak writes such snapshots: `node --import tsx packages/leanredis/test/soak/leak.ts
 * --minutes 75 --protocol 3 --snapshots 20,45,70` (see its header).
 */
import { readFileSync } from 'node:fs';

const files = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const opt = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
if (files.length !== 3) {
  console.error('usage: node bench/heap-growth.mjs first.heapsnapshot second.heapsnapshot third.heapsnapshot [--top=25] [--paths=3]');
  process.exit(2);
}
const top = opt('top', 25);
const paths = opt('paths', 3);
const byOwner = process.argv.includes('--by-owner');
const net = process.argv.includes('--net');
const byContent = process.argv.includes('--strings');

/** The parts of a snapshot this needs, as typed arrays (a snapshot's JSON is tens of MB). */
function load(file) {
  const snap = JSON.parse(readFileSync(file, 'utf8'));
  const meta = snap.snapshot.meta;
  const nf = meta.node_fields.length;
  const ef = meta.edge_fields.length;
  const f = (name) => meta.node_fields.indexOf(name);
  return {
    nodes: Int32Array.from(snap.nodes),
    edges: Int32Array.from(snap.edges),
    strings: snap.strings,
    nodeTypes: meta.node_types[0],
    edgeTypes: meta.edge_types[0],
    nf,
    ef,
    at: { type: f('type'), name: f('name'), id: f('id'), size: f('self_size'), edges: f('edge_count') },
  };
}

function ids(s) {
  const out = new Set();
  for (let i = 0; i < s.nodes.length; i += s.nf) out.add(s.nodes[i + s.at.id]);
  return out;
}

const label = (s, i) => {
  const type = s.nodeTypes[s.nodes[i + s.at.type]];
  const name = String(s.strings[s.nodes[i + s.at.name]]);
  if (type === 'string' || type === 'concatenated string' || type === 'sliced string') return `string:${JSON.stringify(name.slice(0, 40))}`;
  return `${type}:${name.slice(0, 60)}`;
};
const group = (s, i) => {
  const type = s.nodeTypes[s.nodes[i + s.at.type]];
  if (type.includes('string')) return byContent ? `(${type}) ${JSON.stringify(String(s.strings[s.nodes[i + s.at.name]]).slice(0, 60).replace(/\d+/g, 'N'))}` : `(${type})`;
  return `${type}:${String(s.strings[s.nodes[i + s.at.name]]).slice(0, 60)}`;
};

/** Count and self sizes by class. */
function census(s) {
  const out = new Map();
  for (let i = 0; i < s.nodes.length; i += s.nf) {
    const g = group(s, i);
    const e = out.get(g) ?? { count: 0, size: 0 };
    e.count++;
    e.size += s.nodes[i + s.at.size];
    out.set(g, e);
  }
  return out;
}

const [a, b] = [load(files[0]), load(files[1])];
const idsA = ids(a);
const idsB = ids(b);
const c = load(files[2]);

// Shortest retainer paths in C: BFS from the root over strong edges, then walk back.
const n = c.nodes.length / c.nf;
const dist = new Int32Array(n).fill(-1);
const parent = new Int32Array(n).fill(-1);
const parentEdge = new Int32Array(n).fill(-1);
const firstEdge = new Int32Array(n + 1);
for (let k = 0, e = 0; k < n; k++) {
  firstEdge[k] = e;
  e += c.nodes[k * c.nf + c.at.edges] * c.ef;
}
firstEdge[n] = c.edges.length;
const weak = new Set(['weak', 'shortcut']);
const queue = new Int32Array(n);
let head = 0;
let tail = 0;
dist[0] = 0;
queue[tail++] = 0;
while (head < tail) {
  const k = queue[head++];
  for (let e = firstEdge[k]; e < firstEdge[k + 1]; e += c.ef) {
    if (weak.has(c.edgeTypes[c.edges[e]])) continue;
    const to = c.edges[e + 2] / c.nf;
    if (dist[to] !== -1) continue;
    dist[to] = dist[k] + 1;
    parent[to] = k;
    parentEdge[to] = e;
    queue[tail++] = to;
  }
}
/** The nearest ancestor on the shortest path that names something: a function, an object of a class. */
function owner(k) {
  for (let p = parent[k], steps = 0; p > 0 && steps < 8; p = parent[p], steps++) {
    const type = c.nodeTypes[c.nodes[p * c.nf + c.at.type]];
    const name = String(c.strings[c.nodes[p * c.nf + c.at.name]]);
    if (type === 'closure' || type === 'object' || (type === 'code' && name !== '' && !name.startsWith('(') && !name.startsWith('system /'))) return label(c, p * c.nf);
  }
  return '?';
}
const edgeName = (e) => {
  const type = c.edgeTypes[c.edges[e]];
  const v = c.edges[e + 1];
  return type === 'element' || type === 'hidden' ? `[${v}]` : String(c.strings[v]);
};
function path(i) {
  const steps = [];
  for (let k = i / c.nf; k > 0 && parent[k] !== -1 && steps.length < 14; k = parent[k]) steps.push(`${label(c, parent[k] * c.nf)} .${edgeName(parentEdge[k])}`);
  return steps.reverse().join('\n        -> ');
}

// Survivors: in C, not in A, in B.
const groups = new Map();
let total = 0;
let count = 0;
for (let i = 0; i < c.nodes.length; i += c.nf) {
  const id = c.nodes[i + c.at.id];
  if (idsA.has(id) || !idsB.has(id)) continue;
  const k = i / c.nf;
  // --by-owner: V8's internal objects (code, feedback, deopt data) are named after the function
  // whose closure or shared info holds them (the nearest retainer on the shortest path).
  const g = byOwner ? `${group(c, i)} <- ${owner(k)}` : group(c, i);
  const e = groups.get(g) ?? { count: 0, size: 0, examples: [] };
  e.count++;
  e.size += c.nodes[i + c.at.size];
  if (e.examples.length < paths) e.examples.push(i);
  groups.set(g, e);
  total += c.nodes[i + c.at.size];
  count++;
}

console.log(`born between snapshots 1 and 2, alive in 3: ${count} objects, ${(total / 1024).toFixed(1)} KB (self sizes)`);
const rows = [...groups].sort((x, y) => y[1].size - x[1].size).slice(0, top);
for (const [g, e] of rows) {
  console.log(`${(e.size / 1024).toFixed(1).padStart(8)} KB ${String(e.count).padStart(7)}  ${g}`);
  for (const i of e.examples.slice(0, paths)) console.log(`      ${dist[i / c.nf] === -1 ? '(unreachable from the root over strong edges)' : path(i)}\n        -> ${label(c, i)}`);
}

if (net) {
  const [censusA, censusB, censusC] = [census(a), census(b), census(c)];
  const sum = (m) => [...m.values()].reduce((t, e) => t + e.size, 0);
  const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
  console.log(`\nnet, all classes: ${kb(sum(censusA))} -> ${kb(sum(censusB))} -> ${kb(sum(censusC))} (self sizes; first -> second -> third)`);
  const zero = { count: 0, size: 0 };
  const names = new Set([...censusA.keys(), ...censusB.keys(), ...censusC.keys()]);
  const deltas = [...names].map((g) => ({ g, a: censusA.get(g) ?? zero, b: censusB.get(g) ?? zero, c: censusC.get(g) ?? zero }));
  const show = (title, pick) => {
    console.log(title);
    for (const d of deltas.sort((x, y) => pick(y) - pick(x)).slice(0, top)) {
      if (pick(d) <= 0) break;
      console.log(`${kb(pick(d)).padStart(11)}  ${String(d.a.count).padStart(6)} -> ${String(d.b.count).padStart(6)} -> ${String(d.c.count).padStart(6)} objects, ${kb(d.a.size)} -> ${kb(d.b.size)} -> ${kb(d.c.size)}  ${d.g}`);
    }
  };
  show('grew most from the first to the third (and grew in both intervals):', (d) => (d.b.size >= d.a.size && d.c.size >= d.b.size ? d.c.size - d.a.size : 0));
  show('grew most from the first to the third (any path):', (d) => d.c.size - d.a.size);
  show('shrank most from the first to the third:', (d) => d.a.size - d.c.size);
}
