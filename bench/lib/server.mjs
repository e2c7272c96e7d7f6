/**
 * The redis-server every scenario talks to: started here from PATH (`REDIS_SERVER` overrides)
 * on a free loopback port, not daemonized, `--save '' --appendonly no`, and killed at the end.
 * When REDIS_URL is set, that server is used instead and nothing is started.
 */
import { spawn, execFileSync } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A port the kernel says is free on 127.0.0.1 right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (srv.address());
      srv.close(() => resolve(port));
    });
  });
}

/** Sends one inline command on a fresh socket and returns the raw reply text. */
export function rawCommand(host, port, line, timeoutMs = 2000) {
  return new Promise((resolve, reject) => {
    const sock = connect({ host, port });
    let data = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no reply to ${line.split(' ')[0]} within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    sock.on('connect', () => sock.write(`${line}\r\n`));
    sock.on('data', (chunk) => {
      data += chunk.toString('latin1');
      if (data.endsWith('\r\n')) {
        clearTimeout(timer);
        sock.end();
        resolve(data);
      }
    });
  });
}

/** Version of the server behind host:port, from INFO server. */
async function serverVersion(host, port) {
  const info = await rawCommand(host, port, 'INFO server');
  return /redis_version:([^\r\n]+)/.exec(info)?.[1] ?? 'unknown';
}

/**
 * Starts (or adopts, with REDIS_URL) a server. Returns { host, port, url, version, stop }.
 */
export async function startServer() {
  if (process.env.REDIS_URL) {
    const u = new URL(process.env.REDIS_URL);
    const host = u.hostname || '127.0.0.1';
    const port = Number(u.port || 6379);
    return { host, port, url: process.env.REDIS_URL, version: await serverVersion(host, port), external: true, stop: async () => {} };
  }
  const bin = process.env.REDIS_SERVER || 'redis-server';
  try {
    execFileSync(bin, ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error(`${bin} not found on PATH: install it (Debian: apt-get install redis-server) or set REDIS_URL`);
  }
  const host = '127.0.0.1';
  const port = await freePort();
  const child = spawn(bin, ['--port', String(port), '--bind', host, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--maxclients', '10000', '--enable-debug-command', 'local', '--loglevel', 'warning'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}: ${stderr}`);
    try {
      if ((await rawCommand(host, port, 'PING', 500)).startsWith('+PONG')) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not answer PING within 10 s: ${stderr}`);
    }
    await sleep(50);
  }
  const kill = () => child.exitCode === null && child.kill('SIGKILL');
  process.once('exit', kill);
  return {
    host,
    port,
    url: `redis://${host}:${port}`,
    version: await serverVersion(host, port),
    external: false,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(3000)]);
      kill();
      process.removeListener('exit', kill);
    },
  };
}
