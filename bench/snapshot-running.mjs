#!/usr/bin/env node
/**
 * A heap snapshot of a Node process that is already running (a soak two hours in), without
 * restarting it: SIGUSR1 makes Node open its inspector on 127.0.0.1:9229, and the inspector's
 * HeapProfiler.takeHeapSnapshot streams the snapshot here (~0.6 s for a 12 MB heap). Three of
 * them feed `node bench/heap-growth.mjs a b c --net`.
 *
 *   node --experimental-websocket bench/snapshot-running.mjs <pid> <out.heapsnapshot>
 *
 * (Node 20 needs --experimental-websocket for the global WebSocket; Node >= 22 has it.)
 *
 * What it does to the process, so that no one reads it as the process's own: the inspector
 * stays open, and while it is open V8 keeps every console message for a debugger that may attach
 * (the leak soak's sample lines: ~1.6 KB/min of strings), and RSS grows by the inspector's
 * thread and buffers. A run snapshotted this way is a census, not a slope (docs/RELIABILITY.md,
 * sixth round). Only a process on this machine: the inspector listens on loopback.
 */
import { createWriteStream } from 'node:fs';

const [pidText, out] = process.argv.slice(2);
if (!pidText || !out) {
  console.error('usage: node --experimental-websocket bench/snapshot-running.mjs <pid> <out.heapsnapshot>');
  process.exit(2);
}
if (typeof WebSocket !== 'function') {
  console.error('no global WebSocket: run with node --experimental-websocket (Node 20) or Node >= 22');
  process.exit(2);
}
process.kill(Number(pidText), 'SIGUSR1');
/** @type {{ webSocketDebuggerUrl: string }[] | undefined} */
let targets;
// The inspector takes a moment to listen; bounded: 5 s.
for (let i = 0; i < 50 && targets === undefined; i++) {
  try {
    targets = /** @type {{ webSocketDebuggerUrl: string }[]} */ (await (await fetch('http://127.0.0.1:9229/json/list')).json());
  } catch {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
if (targets === undefined || targets.length === 0) {
  console.error(`no inspector answered on 127.0.0.1:9229 for pid ${pidText}`);
  process.exit(1);
}
const ws = new WebSocket(targets[0].webSocketDebuggerUrl);
await new Promise((resolve, reject) => {
  ws.onopen = resolve;
  ws.onerror = reject;
});
const file = createWriteStream(out);
const t0 = Date.now();
ws.onmessage = (event) => {
  const message = JSON.parse(String(event.data));
  if (message.method === 'HeapProfiler.addHeapSnapshotChunk') file.write(message.params.chunk);
  else if (message.id === 1) {
    file.end(() => {
      console.log(`${out}: snapshot of pid ${pidText} in ${Date.now() - t0} ms`);
      ws.close();
    });
  }
};
ws.send(JSON.stringify({ id: 1, method: 'HeapProfiler.takeHeapSnapshot', params: { reportProgress: false } }));
