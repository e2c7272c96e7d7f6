/**
 * Fresh-process probe: which files does `import(<spec>)` load? Prints one JSON line
 * { files, bytes, list }. Counts every file: URL seen by an ESM load hook plus every entry of
 * require.cache (CommonJS modules and native addons), deduplicated by path; the probe's own
 * files are excluded. Usage: node import-files.mjs <specifier>
 */
import { register, createRequire } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { statSync, realpathSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const spec = process.argv[2];
const { port1, port2 } = new MessageChannel();
const seen = new Set();
port1.on('message', (url) => seen.add(fileURLToPath(url)));
port1.unref();
register('./count-hooks.mjs', import.meta.url, { data: { port: port2 }, transferList: [port2] });
if (spec !== 'none') await import(spec);
await sleep(50); // let the hook thread's last messages arrive
const require = createRequire(import.meta.url);
for (const k of Object.keys(require.cache)) seen.add(k);
const self = fileURLToPath(new URL('.', import.meta.url));
const list = [...seen].map((p) => realpathSync(p)).filter((p, i, a) => !p.startsWith(self) && a.indexOf(p) === i).sort();
let bytes = 0;
for (const p of list) bytes += statSync(p).size;
process.stdout.write(`${JSON.stringify({ files: list.length, bytes, list })}\n`);
process.exit(0);
