// `npm start`: what the problem is about, measured. For leanredis (and ioredis and node-redis
// when the bench workspace installed them) a fresh process reports heap and RSS before import,
// after import, after createClient (with the sockets and timers open: leanredis opens none),
// after the first command and after a small workload. Starts its own redis-server on a free
// loopback port unless REDIS_URL is set.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import * as net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (srv.address());
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPong(port) {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const ok = await new Promise((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port });
      s.on('error', () => resolve(false));
      s.on('connect', () => s.write('PING\r\n'));
      s.on('data', (d) => {
        s.destroy();
        resolve(d.toString().startsWith('+PONG'));
      });
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('redis-server did not answer PING within 10 s');
}

let server;
let url = process.env.REDIS_URL;
let dir;
if (url === undefined) {
  const port = await freePort();
  dir = mkdtempSync(join(tmpdir(), 'leanredis-demo-'));
  const bin = process.env.REDIS_SERVER ?? 'redis-server';
  server = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  server.on('error', (err) => {
    console.error(/** @type {NodeJS.ErrnoException} */ (err).code === 'ENOENT' ? `redis-server not found ("${bin}"): install it (apt-get install redis-server) or set REDIS_URL` : err.message);
    process.exit(1);
  });
  await waitForPong(port);
  url = `redis://127.0.0.1:${port}`;
  console.log(`started redis-server on ${url} (set REDIS_URL to use another server)\n`);
}

const clients = ['leanredis'];
for (const [name, pkg] of [['ioredis', 'ioredis'], ['node-redis', 'redis']]) {
  try {
    require.resolve(pkg);
    clients.push(name);
  } catch {
    // Not installed: the bench workspace brings the rivals.
  }
}

const results = [];
for (const client of clients) {
  const r = spawnSync(process.execPath, ['--expose-gc', join(here, 'demo-probe.mjs'), client, url], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) {
    console.error(`${client}: probe failed\n${r.stderr}`);
    continue;
  }
  results.push(JSON.parse(r.stdout));
}
server?.kill('SIGTERM');
if (dir) rmSync(dir, { recursive: true, force: true });

const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);
for (const { client, importMs, stages } of results) {
  const base = stages[0];
  console.log(`${client}  (import took ${importMs} ms)`);
  console.log(`  ${pad('stage', 22)}${lpad('heap KB', 9)}${lpad('+heap', 8)}${lpad('RSS KB', 9)}${lpad('+RSS', 8)}${lpad('sockets', 9)}${lpad('timers', 8)}`);
  for (const s of stages) {
    console.log(
      `  ${pad(s.stage, 22)}${lpad(s.heapKB, 9)}${lpad(s.heapKB - base.heapKB, 8)}${lpad(s.rssKB, 9)}${lpad(s.rssKB - base.rssKB, 8)}${lpad(s.sockets - base.sockets, 9)}${lpad(s.timers - base.timers, 8)}`,
    );
  }
  console.log('');
}
const lean = results.find((r) => r.client === 'leanredis');
if (lean) {
  const created = lean.stages[2];
  const before = lean.stages[0];
  console.log(
    `leanredis after createClient: ${created.sockets - before.sockets} sockets, ${created.timers - before.timers} timers, ` +
      `+${created.heapKB - before.heapKB} KB heap over bare node. Nothing is dialled until the first command.`,
  );
}
if (clients.length === 1) console.log('(ioredis and node-redis are compared too once the bench workspace has installed them: npm run bench)');
console.log('One process per client; heap figures move by tens of KB with what V8 has compiled so far. The measured import cost, with its method: npm run bench:import.');
