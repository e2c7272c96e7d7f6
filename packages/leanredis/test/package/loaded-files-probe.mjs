/**
 * Child-process probe for the package tests: imports each specifier given on the command line
 * (in a fresh plain-Node process, no tsx) and prints one JSON line
 *   { files, builtins, resourcesAfterImport, resourcesAfterTurn, before }
 * files: every file: URL an ESM load hook saw plus every require.cache entry, i.e. the module
 * graph the imports loaded; builtins: process.moduleLoadList entries added by the imports;
 * resources*: process.getActiveResourcesInfo() right after the imports and one macrotask later,
 * `before` the same before them. Usage: node loaded-files-probe.mjs <specifier>...
 */
import { register, createRequire } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';

const hooks = `
  let port;
  export function initialize(data) {
    port = data.port;
    // A 'flush' request is answered on the same port, after every URL posted before it.
    port.on('message', (m) => { if (m === 'flush') port.postMessage('flushed'); });
    port.unref();
  }
  export async function load(url, context, next) {
    if (url.startsWith('file:')) port.postMessage(url);
    return next(url, context);
  }
`;
const { port1, port2 } = new MessageChannel();
const seen = new Set();
let flushed;
port1.on('message', (m) => (m === 'flushed' ? flushed() : seen.add(fileURLToPath(m))));
port1.unref();
register(`data:text/javascript,${encodeURIComponent(hooks)}`, import.meta.url, { data: { port: port2 }, transferList: [port2] });

const self = fileURLToPath(import.meta.url);
const before = process.getActiveResourcesInfo().slice().sort();
const builtinsBefore = new Set(process.moduleLoadList);
for (const spec of process.argv.slice(2)) await import(spec);
const resourcesAfterImport = process.getActiveResourcesInfo().slice().sort();
await new Promise((resolve) => setImmediate(resolve));
const resourcesAfterTurn = process.getActiveResourcesInfo().slice().sort();
// Messages on one port arrive in order: once 'flushed' is back, every URL has arrived.
await new Promise((resolve) => {
  flushed = resolve;
  port1.ref();
  port1.postMessage('flush');
});
port1.unref();
for (const k of Object.keys(createRequire(import.meta.url).cache)) seen.add(k);
const files = [...seen].filter((f) => f !== self).sort();
const builtins = process.moduleLoadList.filter((m) => !builtinsBefore.has(m));
process.stdout.write(`${JSON.stringify({ files, builtins, before, resourcesAfterImport, resourcesAfterTurn })}\n`);
process.exit(0);
