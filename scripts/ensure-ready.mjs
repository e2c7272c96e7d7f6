// Makes a fresh clone runnable: installs dev dependencies when node_modules is missing or
// older than the lockfile, and rebuilds the client when its sources are newer than dist/.
// `npm start` and `npm test` call this first, so neither needs a manual step.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : 0);

function newestIn(dir) {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestIn(p) : statSync(p).mtimeMs);
  }
  return newest;
}

const lock = join(root, 'package-lock.json');
const installed = join(root, 'node_modules', '.package-lock.json');
if (!existsSync(installed) || mtime(installed) < mtime(lock)) {
  console.log('> installing dev dependencies (npm ci)');
  execFileSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
}

const pkg = join(root, 'packages', 'leanredis');
const built = join(pkg, 'dist', 'index.js');
if (mtime(built) < Math.max(newestIn(join(pkg, 'src')), mtime(join(pkg, 'build.mjs')))) {
  console.log('> building packages/leanredis');
  execFileSync(process.execPath, [join(pkg, 'build.mjs')], { cwd: pkg, stdio: 'inherit' });
}

// The doctor (packages/cli): its tests run the built executable, as users do.
const cli = join(root, 'packages', 'cli');
if (mtime(join(cli, 'dist', 'bin.js')) < Math.max(newestIn(join(cli, 'src')), mtime(join(cli, 'build.mjs')), mtime(join(cli, 'package.json')))) {
  console.log('> building packages/cli');
  execFileSync(process.execPath, [join(cli, 'build.mjs')], { cwd: cli, stdio: 'inherit' });
}
