// Runs every test file through node:test with tsx. Node 20's --test takes no globs, so the
// files are listed here. Usage: node scripts/run-tests.mjs [unit|integration|faults|...]
// (LEANREDIS_TEST_REPORTER=spec|tap|dot|junit picks the output; see below).
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

const suites = ['unit', 'integration', 'faults', 'package', 'sentinel', 'cluster', 'compat'];
// Long suites run only when named: `node scripts/run-tests.mjs failover` (npm run test:failover).
const onDemand = ['failover'];
const files = [];
for (const pkg of readdirSync(join(root, 'packages'))) {
  for (const suite of [...suites, ...onDemand]) {
    if (only.length ? !only.includes(suite) : onDemand.includes(suite)) continue;
    files.push(...find(join(root, 'packages', pkg, 'test', suite)));
  }
}
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
// A person at a terminal gets the spec reporter: one line per test, and the failures again at
// the end with their diffs. CI and pipes (/work/bin/land, .ci/run) get TAP, which tools parse;
// both end with the counts (`# tests` / `ℹ tests`). LEANREDIS_TEST_REPORTER overrides.
const REPORTERS = ['spec', 'tap', 'dot', 'junit'];
const reporter = process.env.LEANREDIS_TEST_REPORTER ?? (process.stdout.isTTY && !process.env.CI ? 'spec' : 'tap');
if (!REPORTERS.includes(reporter)) {
  console.error(`LEANREDIS_TEST_REPORTER must be one of ${REPORTERS.join(', ')}, got ${JSON.stringify(reporter)}`);
  process.exit(2);
}
const args = ['--import', 'tsx', '--test', '--test-concurrency=2', `--test-reporter=${reporter}`, '--test-reporter-destination=stdout', ...files.map((f) => relative(root, f))];
const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
