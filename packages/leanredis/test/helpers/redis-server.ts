/**
 * Starts a real redis-server for a test file: from PATH (REDIS_SERVER overrides), on a free
 * loopback port, not daemonized, nothing persisted. It is killed by stop() and, as a last
 * resort, when the test process exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './wait.ts';

export interface StartOptions {
  /** Extra redis-server arguments, e.g. ['--requirepass', 'x']. */
  args?: string[];
  /** Allow DEBUG SLEEP and friends from loopback. @default false */
  enableDebug?: boolean;
  /** Reuse this port (for restarts). @default a free port */
  port?: number;
}

export interface RedisServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** redis://127.0.0.1:port */
  readonly url: string;
  readonly process: ChildProcess;
  /** Output the server printed, for failure messages. */
  log(): string;
  /** Stops the server (SIGTERM, then SIGKILL after 2 s) and waits for it to exit. */
  stop(): Promise<void>;
  /** Kills the server at once with SIGKILL and waits for it to exit. */
  kill(): Promise<void>;
  /** Starts the server again on the same port with the same arguments. */
  restart(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export const REDIS_SERVER_BIN = process.env.REDIS_SERVER ?? 'redis-server';

/** A port nobody listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Sends one raw RESP command line and returns the first reply line (e.g. "+PONG"). */
export function rawCommand(port: number, line: string, timeoutMs = 1000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('raw command timed out'));
    }, timeoutMs);
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('connect', () => socket.write(line));
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      if (data.includes('\r\n')) {
        clearTimeout(timer);
        socket.destroy();
        resolve(data.slice(0, data.indexOf('\r\n')));
      }
    });
  });
}

export async function startRedisServer(options: StartOptions = {}): Promise<RedisServer> {
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'leanredis-test-'));
  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--save', '',
    '--appendonly', 'no',
    '--daemonize', 'no',
    '--dir', dir,
    '--logfile', '',
    ...(options.enableDebug ? ['--enable-debug-command', 'local'] : []),
    ...(options.args ?? []),
  ];
  let child: ChildProcess;
  let output = '';

  async function launch(): Promise<void> {
    output = '';
    child = spawn(REDIS_SERVER_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    child.stdout!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-8192)));
    child.stderr!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-8192)));
    const exited = new Promise<never>((_, reject) => {
      child.once('error', (err: NodeJS.ErrnoException) => {
        live.delete(child);
        reject(
          err.code === 'ENOENT'
            ? new Error(`redis-server not found (looked for "${REDIS_SERVER_BIN}"). Install it (Debian/Ubuntu: sudo apt-get install redis-server) or set REDIS_SERVER to its path.`)
            : err,
        );
      });
      child.once('exit', (code) => {
        live.delete(child);
        reject(new Error(`redis-server exited with code ${code} before it was ready:\n${output}`));
      });
    });
    exited.catch(() => {});
    // An early exit rejects `exited`, which fails the wait at once with the server's output.
    await waitFor(
      () =>
        Promise.race([
          rawCommand(port, 'PING\r\n', 500).then(
            (reply) => reply === '+PONG' || reply.startsWith('-NOAUTH'),
            () => false,
          ),
          exited,
        ]),
      { timeoutMs: 10_000, intervalMs: 20, message: () => `redis-server to answer PING:\n${output}` },
    );
  }

  function waitExit(): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => child.once('exit', () => resolve()));
  }

  await launch();
  return {
    host: '127.0.0.1',
    port,
    url: `redis://127.0.0.1:${port}`,
    get process() {
      return child;
    },
    log: () => output,
    async stop() {
      const done = waitExit();
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await done;
      clearTimeout(timer);
      live.delete(child);
      rmSync(dir, { recursive: true, force: true });
    },
    async kill() {
      const done = waitExit();
      child.kill('SIGKILL');
      await done;
      live.delete(child);
    },
    async restart() {
      await launch();
    },
  };
}
