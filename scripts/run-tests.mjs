// Runs every test file through node:test with tsx. Node 20's --test takes no globs, so the
// files are listed here. Usage: node scripts/run-tests.mjs [unit|integration|faults|...]
import { spawnSync } from 'node:child_process';
import { readdirSync, existsSync } from 'node:fs';
import { join, dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv.slice(2);

function find(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) find(p, out);
    else if (e.name.endsWith('.test.ts') || e.name.endsWith('.test.mjs') || e.name.endsWith('.test.cjs')) out.push(p);
  }
  return out;
}

const suites = ['unit', 'integration', 'faults', 'package'];
const files = [];
for (const pkg of readdirSync(join(root, 'packages'))) {
  for (const suite of suites) {
    if (only.length && !only.includes(suite)) continue;
    files.push(...find(join(root, 'packages', pkg, 'test', suite)));
  }
}
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const args = ['--import', 'tsx', '--test', '--test-concurrency=2', ...files.map((f) => relative(root, f))];
const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
