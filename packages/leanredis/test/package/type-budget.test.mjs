/**
 * Issue 13's type budget, on the built declarations as a user's editor and tsc see them: the
 * 5-line client file (test/fixtures/type-budget/five-lines.ts) costs at most 1,000 type
 * instantiations, and a 200-line realistic file (every family, pipelines, transactions, a
 * watch() body, leases, streams, pub/sub) at most 5,000 and 0.3 s of check time. Figures from
 * `tsc --extendedDiagnostics`. Instantiations are exact and bound strictly; check time is wall
 * time, so its bound is scaled by the machine's load (1-minute load average per core, at least
 * 1): this machine is shared, and the goal is about the types, not the neighbours.
 * bench/type-cost.mjs measures the same beside ioredis and node-redis.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_DIR, ensureBuilt } from './built-package.mjs';

const FIXTURES = join(PACKAGE_DIR, 'test', 'fixtures', 'type-budget');
const TSC = join(PACKAGE_DIR, '..', '..', 'node_modules', 'typescript', 'bin', 'tsc');

before(async () => {
  await ensureBuilt();
});

/** tsc's figures for one file: instantiations, check time (s), and its errors. */
function compile(file) {
  const args = ['--ignoreConfig', '--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--skipLibCheck'];
  args.push('--types', 'node', '--lib', 'es2023,esnext.disposable', '--extendedDiagnostics', file);
  const r = spawnSync(process.execPath, [TSC, ...args], { cwd: FIXTURES, encoding: 'utf8', timeout: 120_000 });
  const figure = (name) => Number(new RegExp(`^${name}:\\s+([\\d.]+)`, 'm').exec(r.stdout)?.[1]);
  return { status: r.status, errors: r.stdout.split('\n').filter((l) => l.includes('error TS')), instantiations: figure('Instantiations'), checkSeconds: figure('Check time') };
}

const loadFactor = () => Math.max(1, loadavg()[0] / availableParallelism());

test('the 5-line client file costs at most 1,000 type instantiations', () => {
  const r = compile('five-lines.ts');
  assert.deepEqual(r.errors, []);
  assert.equal(r.status, 0);
  assert.ok(r.instantiations > 0 && r.instantiations <= 1000, `${r.instantiations} instantiations`);
});

test('a 200-line realistic file costs at most 5,000 instantiations and 0.3 s of check time (scaled by load)', () => {
  const r = compile('realistic.ts');
  assert.deepEqual(r.errors, []);
  assert.ok(r.instantiations > 0 && r.instantiations <= 5000, `${r.instantiations} instantiations`);
  const bound = 0.3 * loadFactor();
  assert.ok(r.checkSeconds <= bound, `check time ${r.checkSeconds} s > ${bound.toFixed(2)} s (load factor ${loadFactor().toFixed(1)})`);
});
