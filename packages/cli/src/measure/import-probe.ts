/**
 * The import probe: one fresh process (`node --expose-gc import-probe.js <config>`) that
 * measures what loading some files costs. Run by `leanredis cost`, once per measurement.
 *
 *   1. Everything the probe itself needs is loaded first, process.stdout/stderr are touched
 *      (their getters create streams: a package that writes to stderr must not be charged for
 *      the stream), and the same settle-and-GC steps as after the import are run once.
 *   2. `preload` files are loaded (the dependencies of a package whose own cost is measured).
 *   3. Baseline: full GC twice, a task boundary between (weak callbacks run), memoryUsage().
 *   4. `load` files are loaded in order (ESM by import(), CommonJS by require()), timed.
 *   5. Wait `settleMs` (a server's handle, a deferred timer appear after the import returns),
 *      full GC again, measure again; the loaded namespaces stay referenced.
 * With `instrument`, the run also records every file loaded (an ESM load hook on its own
 * thread and require.cache), which file loaded which, and the async resources created during
 * the import that are still alive, with the file that created each. Instrumenting costs heap,
 * so instrumented runs report no memory figures.
 *
 * The result goes to fd 3 as one JSON line, never to stdout, which the imported code may use.
 */
import { createRequire, builtinModules, register } from 'node:module';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { createReadStream, mkdtempSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import type { ProbeConfig, ProbeFile, ProbeHandle, ProbeResult, ProbeSample } from '../cost/probe-protocol.js';

const config = JSON.parse(process.argv[2]) as ProbeConfig;
const require = createRequire(import.meta.url);
// The probe's own folder (the probe, its hooks, the warm-up files): never counted.
const ownDir = fileURLToPath(new URL('.', import.meta.url));
const isOwn = (path: string) => path.startsWith(ownDir);
// Touch the lazily created stdio streams now, so they are part of the baseline; the same for
// the global `performance`, whose first use loads perf_hooks.
void process.stdout;
void process.stderr;
performance.now();

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function fullGc(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('the import probe needs --expose-gc');
  gc();
  await tick();
  gc();
  await tick();
}

/**
 * Bytes of every object reachable from the roots: the sum of self sizes in a heap snapshot.
 * V8's heapUsed counter moves by a few hundred KB with the loaders' and the allocator's state
 * (the same 50 small files read -20 KiB or +334 KiB depending on whether stderr is a pipe);
 * the snapshot counts what is alive, the same in every run. Only its "nodes" array is read,
 * as a stream, so a large heap costs time but little memory. Native nodes are left out.
 */
async function reachableBytes(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'leanredis-probe-'));
  const file = join(dir, 'heap.heapsnapshot');
  try {
    writeHeapSnapshot(file);
    let head = '';
    let fields = 0;
    let sizeAt = -1;
    let native = -1;
    let type = 0;
    let index = 0;
    let total = 0;
    let num = 0;
    let inNumber = false;
    let inNodes = false;
    const stream = createReadStream(file, { encoding: 'latin1', highWaterMark: 1 << 20 });
    for await (const chunk of stream as AsyncIterable<string>) {
      let text = chunk;
      if (!inNodes) {
        head += chunk;
        const at = head.indexOf('"nodes":[');
        if (at === -1) continue;
        const names = JSON.parse(`[${/"node_fields":\[([^\]]*)\]/.exec(head)![1]}]`) as string[];
        const types = JSON.parse(`[${/"node_types":\[\[([^\]]*)\]/.exec(head)![1]}]`) as string[];
        fields = names.length;
        sizeAt = names.indexOf('self_size');
        native = types.indexOf('native');
        inNodes = true;
        text = head.slice(at + '"nodes":['.length);
        head = '';
      }
      let end = false;
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c >= 48 && c <= 57) {
          num = num * 10 + (c - 48);
          inNumber = true;
          continue;
        }
        if (inNumber) {
          const field = index % fields;
          if (field === 0) type = num;
          // "native" nodes are memory outside the V8 heap (ArrayBuffer contents, Node's C++
          // objects): counted by external, not here.
          else if (field === sizeAt && type !== native) total += num;
          index++;
          num = 0;
          inNumber = false;
        }
        if (c === 93) {
          end = true; // ']' closes the nodes array: edges and strings are not needed
          break;
        }
      }
      if (end) {
        stream.destroy();
        break;
      }
    }
    return total;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function sample(): ProbeSample {
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, rss: m.rss };
}

const publicBuiltins = new Set(builtinModules);
function loadedBuiltins(): Set<string> {
  // process.moduleLoadList names every built-in module loaded so far ("NativeModule net").
  const list = (process as unknown as { moduleLoadList: string[] }).moduleLoadList;
  return new Set(list.filter((e) => e.startsWith('NativeModule ')).map((e) => e.slice('NativeModule '.length)));
}

const keep: unknown[] = [];
(globalThis as { __leanredisCostKeep?: unknown[] }).__leanredisCostKeep = keep;

async function loadAll(files: readonly ProbeFile[]): Promise<void> {
  for (const f of files) keep.push(f.format === 'module' ? await import(pathToFileURL(f.path).href) : require(f.path));
}

// --- instrumentation (instrumented runs only) ---------------------------------------------
const esmFiles = new Map<string, string>(); // path -> format, from the load hook
const esmEdges: [string, string][] = []; // [parent path, child path]
let lastHookMessageMs = 0;
// Async resources that hold the process open or act later: timers, sockets, servers, child
// processes, watchers, workers. Requests (fs, dns, write) complete by themselves, and
// resources Node makes for itself on loading a module (the DNS channel of node:dns) are not
// something the package started.
const HANDLE_TYPES = new Set(['Timeout', 'Immediate', 'TCPWRAP', 'TCPSERVERWRAP', 'PIPEWRAP', 'PIPESERVERWRAP', 'UDPWRAP', 'TTYWRAP', 'TLSWRAP', 'PROCESSWRAP', 'SIGNALWRAP', 'FSEVENTWRAP', 'STATWATCHER', 'WORKER', 'MESSAGEPORT', 'HTTP2SESSION', 'HTTPINCOMINGMESSAGE', 'QUIC_ENDPOINT']);
const alive = new Map<number, { type: string; resource: object; createdBy: string | null; trigger: number }>();
// Every resource created while tracking, for handles made in a callback (a server listening on
// a host name is created after a DNS lookup): the chain of triggers leads to the code that began it.
const created = new Map<number, { trigger: number; createdBy: string | null }>();
let tracking = false;

function creatorFile(): string | null {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 64;
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder);
  Error.stackTraceLimit = limit;
  for (const line of (holder.stack ?? '').split('\n').slice(1)) {
    // "    at fn (/abs/file.js:1:2)", "    at /abs/file.js:1:2", "    at fn (file:///abs/file.mjs:1:2)"; node: frames skipped.
    const m = /(?:\(|at )((?:file:\/\/)?\/[^()]+?):\d+:\d+\)?$/.exec(line.trim());
    if (m === null) continue;
    const file = m[1].startsWith('file://') ? fileURLToPath(m[1]) : m[1];
    if (!isOwn(file)) return file;
  }
  return null;
}

// Loaded only here: worker_threads is not part of a bare process, and a measured run must not
// load for the package what the package would load itself.
async function instrument(): Promise<void> {
  const { MessageChannel } = await import('node:worker_threads');
  const { createHook } = await import('node:async_hooks');
  const { port1, port2 } = new MessageChannel();
  port1.on('message', (msg: { url: string; format?: string; parentURL?: string }) => {
    lastHookMessageMs = performance.now();
    if (!msg.url.startsWith('file:')) return;
    const path = fileURLToPath(msg.url);
    if (msg.format !== undefined) esmFiles.set(path, msg.format);
    if (msg.parentURL?.startsWith('file:')) esmEdges.push([fileURLToPath(msg.parentURL), path]);
  });
  port1.unref();
  register(new URL('./load-hooks.js', import.meta.url).href, { data: { port: port2 }, transferList: [port2] });
  createHook({
    init(asyncId, type, trigger, resource) {
      if (!tracking) return;
      const createdBy = type === 'PROMISE' ? null : creatorFile();
      created.set(asyncId, { trigger, createdBy });
      if (HANDLE_TYPES.has(type)) alive.set(asyncId, { type, resource, createdBy, trigger });
    },
    destroy(asyncId) {
      alive.delete(asyncId);
    },
  }).enable();
}

const HANDLE_NAMES: Record<string, string> = {
  Immediate: 'setImmediate',
  TCPSERVERWRAP: 'TCP server',
  TCPWRAP: 'TCP socket',
  PIPESERVERWRAP: 'IPC/pipe server',
  PIPEWRAP: 'IPC/pipe socket',
  UDPWRAP: 'UDP socket',
  TTYWRAP: 'terminal stream',
  TLSWRAP: 'TLS socket',
  PROCESSWRAP: 'child process',
  SIGNALWRAP: 'signal listener',
  FSEVENTWRAP: 'fs.watch watcher',
  STATWATCHER: 'fs.watchFile watcher',
  WORKER: 'worker thread',
  MESSAGEPORT: 'MessagePort',
  HTTP2SESSION: 'HTTP/2 session',
  HTTPINCOMINGMESSAGE: 'HTTP request',
};

function describeHandle(type: string, resource: object): Omit<ProbeHandle, 'type' | 'createdBy'> {
  const r = resource as { hasRef?: () => boolean; _idleTimeout?: number; _repeat?: number | null; getsockname?: (out: object) => number; getpeername?: (out: object) => number };
  const isRefed = typeof r.hasRef === 'function' ? r.hasRef() : true;
  if (type === 'Timeout') return { isRefed, detail: `${r._repeat ? 'setInterval' : 'setTimeout'} ${r._idleTimeout} ms` };
  let where = '';
  // Socket handles can say where they listen or connect (a loopback port is not a secret).
  const address: { address?: string; port?: number } = {};
  if (type.endsWith('SERVERWRAP') ? r.getsockname?.(address) === 0 : r.getpeername?.(address) === 0) {
    if (address.address !== undefined) where = ` ${type.endsWith('SERVERWRAP') ? 'listening on' : 'to'} ${address.address}:${address.port}`;
  }
  return { isRefed, detail: `${HANDLE_NAMES[type] ?? type}${where}` };
}

function cjsFilesAndEdges(): { files: string[]; edges: [string, string][] } {
  const files: string[] = [];
  const edges: [string, string][] = [];
  for (const [path, mod] of Object.entries(require.cache)) {
    if (mod === undefined || isOwn(path)) continue;
    files.push(path);
    for (const child of mod.children) edges.push([path, child.filename]);
  }
  return { files, edges };
}

// --- the run ---------------------------------------------------------------------------------
async function run(): Promise<ProbeResult> {
  if (config.instrument) await instrument();
  // Both loaders build caches on their first file: warm them with a file each, so the first
  // package loaded is not charged for them.
  if (config.warmUp !== false) {
    // Paths built at run time: the bundler must not inline these files (build.mjs writes them).
    keep.push(require(fileURLToPath(new URL('./warm-up.cjs', import.meta.url))));
    keep.push(await import(new URL('./warm-up.mjs', import.meta.url).href));
  }
  await sleep(1);
  await fullGc();
  await loadAll(config.preload);
  await sleep(1);
  await fullGc();
  const builtinsBefore = loadedBuiltins();
  const internalBefore = (process as unknown as { moduleLoadList: string[] }).moduleLoadList.length;
  const before = sample();
  tracking = true;
  const t0 = performance.now();
  await loadAll(config.load);
  const loadMs = performance.now() - t0;
  await sleep(config.settleMs);
  tracking = false;
  await fullGc();
  const after = sample();
  // Last: writing a snapshot grows RSS by tens of MB of C++ memory, which must not reach a sample.
  const reachable = config.instrument ? 0 : await reachableBytes();
  const builtinsAfter = loadedBuiltins();
  const result: ProbeResult = {
    before,
    after,
    loadMs,
    reachableBytes: reachable,
    builtins: [...builtinsAfter].filter((b) => !builtinsBefore.has(b) && publicBuiltins.has(b)).sort(),
    internalModules: (process as unknown as { moduleLoadList: string[] }).moduleLoadList.length - internalBefore,
  };
  if (config.instrument) {
    // The hook thread posts asynchronously: wait until it has been quiet for 50 ms (at most 2 s).
    const deadline = performance.now() + 2000;
    while (performance.now() - lastHookMessageMs < 50 && performance.now() < deadline) await sleep(10);
    const cjs = cjsFilesAndEdges();
    const formats = new Map<string, string>(esmFiles);
    for (const f of cjs.files) if (!formats.has(f)) formats.set(f, f.endsWith('.json') ? 'json' : f.endsWith('.node') ? 'addon' : 'commonjs');
    for (const f of formats.keys()) if (isOwn(f)) formats.delete(f);
    result.files = [...formats].map(([path, format]) => ({ path, format }));
    result.edges = [...esmEdges, ...cjs.edges].filter(([from, to]) => from !== to && formats.has(to)).map(([from, to]) => [isOwn(from) ? null : from, to]);
    result.handles = [...alive.values()].map(({ type, resource, createdBy, trigger }) => {
      let by = createdBy;
      for (let id = trigger, steps = 0; by === null && steps < 100; steps++) {
        const parent = created.get(id);
        if (parent === undefined) break;
        by = parent.createdBy;
        id = parent.trigger;
      }
      return { type, createdBy: by, ...describeHandle(type, resource) };
    });
  }
  return result;
}

try {
  const result = await run();
  writeSync(3, `${JSON.stringify(result)}\n`);
  process.exit(0);
} catch (err) {
  writeSync(3, `${JSON.stringify({ error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) })}\n`);
  process.exit(1);
}
