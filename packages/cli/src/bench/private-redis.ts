/**
 * A private redis-server for `leanredis bench` (and `npm start`) when no --url is given: from
 * PATH (REDIS_SERVER overrides), on a free loopback port that is never 6379, nothing persisted,
 * stopped by stop() and killed if the doctor exits first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError } from '../cli-error.js';

/** A running private server. */
export interface PrivateRedis {
  readonly port: number;
  /** The server's process id (tests freeze it with SIGSTOP). */
  readonly pid: number;
  /** redis://127.0.0.1:port */
  readonly url: string;
  /** `redis-server --version` figure, e.g. `7.0.15`. */
  readonly version: string;
  /** Stops it (SIGTERM, SIGKILL after 2 s) and waits for the exit. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
let isExitHookSet = false;

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

/**
 * Starts redis-server (with `extraArgs`, e.g. `['--requirepass', 'pw']`); rejects with
 * ERR_CLI_NOT_FOUND when there is none, ERR_CLI_UNREACHABLE when it never answers.
 */
export async function startPrivateRedis(env: Readonly<Record<string, string | undefined>>, extraArgs: readonly string[] = []): Promise<PrivateRedis> {
  let port = await freePort();
  // The OS never hands out 6379 from the ephemeral range in practice; refuse it anyway.
  while (port === 6379) port = await freePort();
  const binary = env.REDIS_SERVER ?? 'redis-server';
  const dir = mkdtempSync(join(tmpdir(), 'leanredis-bench-redis-'));
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--protected-mode', 'yes', ...extraArgs], { stdio: ['ignore', 'pipe', 'ignore'] });
  live.add(child);
  if (!isExitHookSet) {
    isExitHookSet = true;
    process.on('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
  let banner = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    if (banner.length < 8192) banner += d;
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const spawnError = new Promise<Error>((resolve) => child.on('error', resolve));
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await Promise.race([answersPing(port), spawnError]);
    if (ok instanceof Error) {
      live.delete(child);
      rmSync(dir, { recursive: true, force: true });
      throw new CliError('ERR_CLI_NOT_FOUND', `cannot start ${binary} (${(ok as NodeJS.ErrnoException).code ?? ok.message}): install redis-server or pass --url`);
    }
    if (ok) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      live.delete(child);
      rmSync(dir, { recursive: true, force: true });
      throw new CliError('ERR_CLI_UNREACHABLE', `${binary} on port ${port} did not answer PING within 10 s`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const version = /(?:version|v)=(\d+\.\d+\.\d+)/.exec(banner)?.[1] ?? '';
  return {
    port,
    pid: child.pid!,
    url: `redis://127.0.0.1:${port}`,
    version,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
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
