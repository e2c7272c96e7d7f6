/**
 * A private redis-server for the doctor's tests: from PATH (REDIS_SERVER overrides), on a
 * free loopback port, nothing persisted, killed by stop() or when the test process exits.
 * The doctor's tests cannot import the client package's helpers (packages/cli reaches the
 * client only through its published entry points), hence this small one of their own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running server. */
export interface TestRedis {
  readonly port: number;
  /** The server's process id (to freeze it with SIGSTOP, say). */
  readonly pid: number;
  /** redis://127.0.0.1:port */
  readonly url: string;
  /** Stops it (SIGTERM, SIGKILL after 2 s) and waits for the exit. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.on('error', () => resolve(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      socket.destroy();
      // A server with requirepass answers -NOAUTH: up all the same.
      const reply = d.toString('latin1');
      resolve(reply.startsWith('+PONG') || reply.startsWith('-NOAUTH'));
    });
  });
}

/** Starts redis-server (with `extraArgs`, such as `['--requirepass', 'pw']`) and resolves once it answers PING (within 10 s). */
export async function startTestRedis(extraArgs: readonly string[] = []): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'leanredis-cli-redis-'));
  const child = spawn(process.env.REDIS_SERVER ?? 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extraArgs], { stdio: 'ignore' });
  live.add(child);
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const spawnError = new Promise<never>((_, reject) => child.on('error', reject));
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (await Promise.race([answersPing(port), spawnError])) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server on port ${port} did not answer PING`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    pid: child.pid!,
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
        await exited;
        clearTimeout(timer);
      }
      live.delete(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
