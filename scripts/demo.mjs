// `npm start`: the doctor's headline, on a redis-server of its own. "After adding a Redis client,
// memory went from 30 MB to 500 MB": what does importing each client cost, and what does each
// cost under a burst of callers? For leanredis, ioredis and node-redis (the rivals when the bench
// workspace installed them), it runs the doctor as a user would:
//
//   leanredis cost <clients> --runs 1 --no-attribution --json     import cost, fresh processes
//   leanredis bench --clients ioredis,redis,leanredis --candidate leanredis
//                   --ramp 50..1000 --steps 2 --html <file>        50 callers, then a burst of 1,000
//
// and prints the import table, the bench tables with the before/after verdicts, and the path
// of the HTML report. Bounded: about a minute on 2 cores. REDIS_URL uses that server instead
// of a private one (the bench writes only bench:doctor:* keys there).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const doctor = join(root, 'packages', 'cli', 'dist', 'bin.js');
const require = createRequire(join(root, 'package.json'));

/** Runs the doctor; resolves with its stdout (stderr, its progress line, goes to ours). */
function run(args, { capture = true } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [doctor, ...args], { cwd: root, stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'] });
    let out = '';
    if (capture) child.stdout?.setEncoding('utf8').on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`leanredis ${args.join(' ')} exited with ${code}`))));
  });
}

const rivals = [];
for (const [id, pkg] of [['ioredis', 'ioredis'], ['redis', 'redis']]) {
  try {
    require.resolve(pkg);
    rivals.push(id);
  } catch {
    // Not installed: the bench workspace brings the rivals (npm install at the root).
  }
}
const clients = [...rivals, 'leanredis'];
const packages = ['leanredis', ...rivals];
const label = (pkg) => (pkg === 'redis' ? 'node-redis' : pkg);
const kib = (b) => (b >= 1024 * 1024 ? `${(b / 1024 / 1024).toFixed(2)} MiB` : `${Math.round(b / 1024)} KiB`);
const started = Date.now();

console.log('leanredis doctor: what a Redis client costs a Node process\n');
console.log(`1. Importing the client (leanredis cost ${packages.join(' ')} --runs 1 --no-attribution)\n`);
const cost = JSON.parse(await run(['cost', ...packages, '--runs', '1', '--no-attribution', '--json']));
const rows = cost.results.map((p) => [
  `${label(p.name)} ${p.version}`,
  kib(p.figures.heapBytes.median),
  kib(p.figures.externalBytes.median),
  kib(p.figures.rssBytes.median),
  `${p.figures.loadMs.median.toFixed(0)} ms`,
  String(p.files.count),
  p.handles.length > 0 ? p.handles.map((h) => h.type ?? String(h)).join(', ') : 'none',
]);
const head = ['client', 'retained heap', 'external', 'RSS', 'load time', 'files', 'handles left open'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells) => `  ${cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')}`.trimEnd();
console.log(line(head));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const r of rows) console.log(line(r));

const report = join(mkdtempSync(join(tmpdir(), 'leanredis-start-')), 'report.html');
const bench = ['bench', '--clients', clients.join(','), '--candidate', 'leanredis', '--ramp', '50..1000', '--steps', '2', '--duration', '8s', '--warmup', '1s', '--html', report];
if (process.env.REDIS_URL) bench.push('--url', process.env.REDIS_URL);
console.log(`\n2. Under load: 50 callers, then a burst of 1,000 (leanredis ${bench.join(' ')})\n`);
await run(bench, { capture: false });

console.log(`\nOpen the HTML report (charts of throughput, latency, heap and RSS per second, the before/after tables; it opens offline):\n  ${report}`);
if (rivals.length === 0) console.log('\n(ioredis and node-redis are compared too once the bench workspace has installed them: npm install at the root)');
console.log(`\nDone in ${Math.round((Date.now() - started) / 1000)} s. More: leanredis --help (node packages/cli/dist/bin.js --help), docs/CLI.md.`);
