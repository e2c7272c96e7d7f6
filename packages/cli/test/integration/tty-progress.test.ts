/**
 * On a terminal the long commands draw a progress line on stderr (redrawn in place, erased
 * before the result); elsewhere they stay quiet (the other tests check stderr is empty). The
 * terminal is a pseudo-terminal from util-linux `script`; skipped, with the reason, without it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_BIN, CLI_DIR, ensureBuilt } from '../helpers/cli.ts';

function hasScript(): boolean {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Runs the doctor with stdout and stderr on one pseudo-terminal; returns what it drew. */
function onTerminal(args: readonly string[]): { status: number | null; text: string } {
  const command = [process.execPath, CLI_BIN, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const r = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: CLI_DIR, encoding: 'utf8', timeout: 120_000, env: { ...process.env, COLUMNS: '200' } });
  return { status: r.status, text: r.stdout };
}

test('bench and profile draw a progress line on a terminal and erase it before the result', async (t) => {
  if (!hasScript()) {
    t.skip('no `script` (util-linux) to make a pseudo-terminal');
    return;
  }
  await ensureBuilt();
  const bench = onTerminal(['bench', '--callers', '3', '--duration', '2s', '--warmup', '0s', '--keys', '10', '--json']);
  assert.equal(bench.status, 0, bench.text);
  assert.match(bench.text, /\rbench 1\/1 leanredis: step 1\/1 \(3 callers\) \d+\/2 s +[\d,]+ ops\/s/);
  const erased = bench.text.lastIndexOf('\r\x1b[K');
  assert.ok(erased > 0, 'the line is erased');
  // What follows the erase is the result alone (the terminal turns \n into \r\n).
  assert.equal(JSON.parse(bench.text.slice(erased + 4)).kind, 'bench');

  const dir = mkdtempSync(join(tmpdir(), 'leanredis-tty-'));
  try {
    const profile = onTerminal(['profile', '--duration', '2s', '--out', dir, '--json', '--', process.execPath, join(CLI_DIR, 'test', 'fixtures', 'leaky-app.mjs')]);
    assert.equal(profile.status, 0, profile.text);
    assert.match(profile.text, /\rprofile: \d\/2 s: /);
    const end = profile.text.lastIndexOf('\r\x1b[K');
    assert.equal(JSON.parse(profile.text.slice(end + 4)).kind, 'profile');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
