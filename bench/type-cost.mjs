#!/usr/bin/env node
/**
 * What a client's types cost an editor and tsc: the same 5-line file (create a client, GET,
 * SET with a TTL, a 2-command pipeline) for leanredis, ioredis and node-redis, compiled with
 * `tsc --extendedDiagnostics` (strict, nodenext, skipLibCheck, as a user's project would):
 * type instantiations and types created (exact), check time and memory (median of runs), and
 * the declaration files each package ships (count and bytes, its own and its @redis/* parts).
 * Fixtures: bench/fixtures/type-cost/<client>.ts. Writes bench/results/type-cost.json.
 *
 *   node bench/type-cost.mjs [--runs=5]
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './lib/measure.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const runs = Number(process.argv.find((a) => a.startsWith('--runs='))?.split('=')[1] ?? 5);

/** Declaration files under these directories: how many, how many bytes. */
function declarations(dirs) {
  let files = 0;
  let bytes = 0;
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(path);
      } else if (entry.name.endsWith('.d.ts')) {
        files++;
        bytes += statSync(path).size;
      }
    }
  };
  for (const dir of dirs) walk(dir);
  return { files, bytes };
}

const clients = [
  { name: 'leanredis', declarations: [join(root, 'packages', 'leanredis', 'dist', 'types')] },
  { name: 'ioredis', declarations: [join(root, 'node_modules', 'ioredis', 'built')] },
  { name: 'redis', declarations: [join(root, 'node_modules', 'redis', 'dist'), join(root, 'node_modules', '@redis')] },
  // The same with the client annotated `RedisClientType`, as node-redis users write it in a field or a parameter.
  { name: 'redis-typed', declarations: [join(root, 'node_modules', 'redis', 'dist'), join(root, 'node_modules', '@redis')] },
];

function compile(file) {
  const args = ['--ignoreConfig', '--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--skipLibCheck'];
  args.push('--types', 'node', '--lib', 'es2023,esnext.disposable', '--extendedDiagnostics', file);
  const r = spawnSync(process.execPath, [tsc, ...args], { cwd: join(here, 'fixtures', 'type-cost'), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${file}: ${r.stdout.split('\n').filter((l) => l.includes('error')).join(' | ')}`);
  const figure = (name) => Number(new RegExp(`^${name}:\\s+([\\d.]+)`, 'm').exec(r.stdout)?.[1]);
  return { instantiations: figure('Instantiations'), types: figure('Types'), checkSeconds: figure('Check time'), memoryKb: figure('Memory used'), files: figure('Files') };
}

const results = [];
for (const client of clients) {
  const samples = [];
  for (let i = 0; i < runs; i++) samples.push(compile(`${client.name}.ts`));
  results.push({
    client: client.name,
    instantiations: samples[0].instantiations,
    types: samples[0].types,
    filesCompiled: samples[0].files,
    checkSeconds: median(samples.map((s) => s.checkSeconds)),
    memoryMb: median(samples.map((s) => s.memoryKb)) / 1024,
    declarations: declarations(client.declarations),
  });
}
writeFileSync(join(here, 'results', 'type-cost.json'), `${JSON.stringify({ node: process.version, runs, results }, null, 2)}\n`);
console.log(`type cost of a 5-line file (tsc --extendedDiagnostics, median of ${runs})`);
console.log('client       instantiations   types   check time   memory    files   .d.ts shipped');
for (const r of results) {
  const dts = `${r.declarations.files} files, ${(r.declarations.bytes / 1024).toFixed(0)} KB`;
  console.log(`${r.client.padEnd(12)} ${String(r.instantiations).padStart(14)} ${String(r.types).padStart(7)} ${`${r.checkSeconds.toFixed(2)} s`.padStart(12)} ${`${r.memoryMb.toFixed(0)} MB`.padStart(8)} ${String(r.filesCompiled).padStart(8)}   ${dts}`);
}
