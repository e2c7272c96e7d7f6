/**
 * Shared by the package tests (esm-import.test.mjs, cjs-require.test.cjs): makes sure dist/ is
 * built from the current sources, and names what the built package must expose.
 *
 * `npm test` builds first (scripts/ensure-ready.mjs); this covers running a package test file
 * alone. Two test files may run at once, so the build is serialised with a lock directory.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';

export const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DIST_INDEX = join(PACKAGE_DIR, 'dist', 'index.js');
export const DIST_TYPES = join(PACKAGE_DIR, 'dist', 'types', 'index.d.ts');
export const PACKAGE_JSON = JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8'));

/** Every error class the package exports, in the order of their hierarchy. */
export const ERROR_CLASSES = [
  'LeanRedisError',
  'ArgumentError',
  'ConnectionError',
  'ConnectTimeoutError',
  'CircuitOpenError',
  'ProtocolError',
  'CommandTimeoutError',
  'AbortError',
  'ClientClosedError',
  'PoolTimeoutError',
  'QueueFullError',
  'LeaseReleasedError',
  'PipelineError',
  'WatchConflictError',
  'ReplyError',
  'SentinelError',
  'ClusterError',
];

/** Runtime exports the public API promises (types are checked by typecheck, not here). */
// Subscription is exported as a type only: the pub/sub code lives in dist/extras.js, which is
// loaded at the first subscribe, so a value export would pull it into every import.
export const RUNTIME_EXPORTS = ['createClient', 'Client', 'Lease', 'Pipeline', 'Multi', 'PushMessage', 'hasCode', ...ERROR_CLASSES];

/**
 * Runtime exports of `leanredis/diagnostics` (dist/diagnostics.js). Each diagnostics file adds
 * its functions here.
 */
export const DIAGNOSTICS_EXPORTS = ['healthCheck', 'captureHeapProfile', 'HeapProfile', 'watchMemory', 'MemoryWatch', 'memoryReport', 'writeHeapSnapshot', 'estimateHeapSnapshot', 'prometheusText', 'prometheusContentType', 'createCommandMetrics', 'CommandMetrics'];

/** Runtime exports of `leanredis/cluster` (dist/cluster.js). */
export const CLUSTER_EXPORTS = ['createCluster', 'ClusterClient', 'ClusterError', 'keySlot', 'SLOT_COUNT'];

/** Internals that must not be reachable from the package entry. */
export const PRIVATE_NAMES = ['Pool', 'Connection', 'Dispatcher', 'Decoder', 'Encoder', 'PendingCommand', 'RingQueue', 'Runner', 'resolveOptions', 'COMMANDS', 'Subscription', 'PubSub', 'buildTable'];

function newestIn(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestIn(p) : statSync(p).mtimeMs);
  }
  return newest;
}

function isStale() {
  if (!existsSync(DIST_INDEX) || !existsSync(DIST_TYPES)) return true;
  const sources = Math.max(newestIn(join(PACKAGE_DIR, 'src')), statSync(join(PACKAGE_DIR, 'build.mjs')).mtimeMs);
  return statSync(DIST_INDEX).mtimeMs < sources;
}

/** Builds the package (node build.mjs) when dist/ is missing or older than src/. */
export async function ensureBuilt() {
  if (!isStale()) return;
  const lock = join(tmpdir(), `leanredis-build-${createHash('sha1').update(PACKAGE_DIR).digest('hex').slice(0, 12)}.lock`);
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      // A lock older than the deadline belongs to a build that died: take it over.
      if (Date.now() - statSync(lock).mtimeMs > 180_000) {
        rmdirSync(lock);
        continue;
      }
      if (Date.now() > deadline) throw new Error(`gave up waiting for the build lock ${lock}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    if (isStale()) execFileSync(process.execPath, [join(PACKAGE_DIR, 'build.mjs')], { cwd: PACKAGE_DIR, stdio: ['ignore', 'inherit', 'inherit'] });
  } finally {
    rmdirSync(lock);
  }
}

/** Module specifiers the built JavaScript loads: static and dynamic imports, requires. */
export function importedSpecifiers(source) {
  const found = new Set();
  const patterns = [
    /\bfrom\s*["']([^"']+)["']/g,
    /\bimport\s*["']([^"']+)["']/g,
    /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
    /\brequire\s*\(\s*["']([^"']+)["']\s*\)/g,
    /\bgetBuiltinModule\s*\(\s*["']([^"']+)["']\s*\)/g,
  ];
  for (const re of patterns) for (const m of source.matchAll(re)) found.add(m[1]);
  return [...found];
}
