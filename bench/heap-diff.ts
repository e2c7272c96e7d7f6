/**
 * Where a connected client's heap goes: a heap-snapshot diff around N more connected clients,
 * by class name (self sizes), divided by N; and RSS every 10 clients.
 *
 *   node --expose-gc --import tsx bench/heap-diff.ts [--warm=20] [--clients=100] [--dist]
 *
 * --warm: clients connected before the first snapshot (1 shows the warm-up costs of a process's
 * first connections; 20 the steady state). --dist measures the built package (minified class
 * names) instead of the sources. Add --trace-opt to see V8's optimizing compiler start among
 * the RSS steps. Starts its own redis-server on a free port.
 */
import v8 from 'node:v8';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedisServer } from '../packages/leanredis/test/helpers/redis-server.ts';

type Census = Map<string, { count: number; size: number }>;
const arg = (name: string, fallback: number): number => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const warm = arg('warm', 20);
const clients = arg('clients', 100);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc --import tsx bench/heap-diff.ts');
const entry = process.argv.includes('--dist') ? '../packages/leanredis/dist/index.js' : '../packages/leanredis/src/index.ts';
const { createClient } = (await import(entry)) as typeof import('../packages/leanredis/src/index.ts');

/** Writes a heap snapshot to a temporary file (parsed only after both are taken, so parsing
 * the first does not show up in the second). */
function snapshot(): string {
  gc!();
  gc!();
  return v8.writeHeapSnapshot(join(tmpdir(), `leanredis-heap-diff-${process.pid}-${Date.now()}.heapsnapshot`));
}

function census(file: string): Census {
  const snap = JSON.parse(readFileSync(file, 'utf8'));
  rmSync(file);
  const fields: string[] = snap.snapshot.meta.node_fields;
  const types: string[] = snap.snapshot.meta.node_types[0];
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const nodes: number[] = snap.nodes;
  const out: Census = new Map();
  for (let i = 0; i < nodes.length; i += fields.length) {
    const type = types[nodes[i + iType]];
    const name = type.includes('string') ? '(strings)' : type === 'code' ? '(code)' : `${type}:${String(snap.strings[nodes[i + iName]]).slice(0, 50)}`;
    const e = out.get(name) ?? { count: 0, size: 0 };
    e.count++;
    e.size += nodes[i + iSize];
    out.set(name, e);
  }
  return out;
}

const server = await startRedisServer();
const keep: { destroy(): void }[] = [];
const open = async (): Promise<void> => {
  const c = createClient({ port: server.port });
  await c.connect();
  keep.push(c);
};
for (let i = 0; i < warm; i++) await open();
await new Promise((r) => setTimeout(r, 300));
const beforeFile = snapshot();
const rss0 = process.memoryUsage().rss;
for (let i = 0; i < clients; i++) {
  await open();
  if ((i + 1) % 10 === 0) console.log(`after ${i + 1} clients: RSS +${((process.memoryUsage().rss - rss0) / 1024).toFixed(0)} KB`);
}
await new Promise((r) => setTimeout(r, 500));
const afterFile = snapshot();
const before = census(beforeFile);
const after = census(afterFile);
const rows: [string, number, number][] = [];
for (const [name, v] of after) {
  const o = before.get(name) ?? { count: 0, size: 0 };
  if (Math.abs(v.size - o.size) >= clients * 16) rows.push([name, (v.count - o.count) / clients, (v.size - o.size) / clients]);
}
rows.sort((a, b) => b[2] - a[2]);
console.log(`\nper client, ${clients} clients after ${warm} warm ones (bytes, objects, what):`);
for (const [name, count, size] of rows.slice(0, 40)) console.log(`${size.toFixed(0).padStart(7)} B ${count.toFixed(2).padStart(6)}  ${name}`);
for (const c of keep) c.destroy();
await server.stop();
