/**
 * Runs the doctor the way users do: the built executable (dist/bin.js) in a child process.
 * `npm test` builds first (scripts/ensure-ready.mjs); {@link ensureBuilt} covers running one
 * test file alone, serialised with a lock directory because two test files may run at once.
 * {@link captureIo} gives in-process tests of a command module the streams it writes to.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { CommandContext, OutputStream } from '../../src/command.ts';

export const CLI_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI_BIN = join(CLI_DIR, 'dist', 'bin.js');

function newestIn(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestIn(p) : statSync(p).mtimeMs);
  }
  return newest;
}

function isStale(): boolean {
  if (!existsSync(CLI_BIN)) return true;
  const sources = Math.max(newestIn(join(CLI_DIR, 'src')), statSync(join(CLI_DIR, 'build.mjs')).mtimeMs, statSync(join(CLI_DIR, 'package.json')).mtimeMs);
  return statSync(CLI_BIN).mtimeMs < sources;
}

/** Builds packages/cli when dist/ is missing or older than its sources. */
export async function ensureBuilt(): Promise<void> {
  if (!isStale()) return;
  const lock = join(tmpdir(), `leanredis-cli-build-${createHash('sha1').update(CLI_DIR).digest('hex').slice(0, 12)}.lock`);
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // A lock older than the deadline belongs to a build that died: take it over.
      if (Date.now() - statSync(lock).mtimeMs > 120_000) {
        rmdirSync(lock);
        continue;
      }
      if (Date.now() > deadline) throw new Error(`gave up waiting for the build lock ${lock}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    if (isStale()) execFileSync(process.execPath, [join(CLI_DIR, 'build.mjs')], { cwd: CLI_DIR, stdio: ['ignore', 'inherit', 'inherit'] });
  } finally {
    rmdirSync(lock);
  }
}

/** What one run of the executable produced. */
export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `leanredis <args>` (built), not on a terminal, and waits for it to exit. `nice` lowers
 * its priority (and that of the processes it starts): for measurements whose time figures a
 * test does not assert, so they leave the CPU to timing-sensitive tests running beside them.
 */
export async function runCli(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; nice?: boolean } = {}): Promise<CliRun> {
  await ensureBuilt();
  const child = spawn(process.execPath, [CLI_BIN, ...args], { cwd: options.cwd ?? CLI_DIR, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  // Set before the doctor has started its first child, which inherits it.
  if (options.nice === true && child.pid !== undefined) setPriority(child.pid, 15);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timeoutMs = options.timeoutMs ?? 60_000;
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c) => resolve(c));
  });
  clearTimeout(timer);
  if (code === null) throw new Error(`leanredis ${args.join(' ')} did not exit within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`);
  return { code, stdout, stderr };
}

/** A stream that keeps what is written, optionally pretending to be a terminal. */
export class CapturedStream implements OutputStream {
  text = '';
  readonly isTTY: boolean;
  readonly columns = 100;
  constructor(isTTY = false) {
    this.isTTY = isTTY;
  }
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

/** A command context over captured streams, for running a command module in-process. */
export function captureIo(argv: readonly string[], options: { cwd?: string; tty?: boolean; env?: Record<string, string | undefined> } = {}): CommandContext & { stdout: CapturedStream; stderr: CapturedStream } {
  return {
    argv,
    stdout: new CapturedStream(false),
    stderr: new CapturedStream(options.tty ?? false),
    cwd: options.cwd ?? CLI_DIR,
    env: options.env ?? {},
    signal: new AbortController().signal,
  };
}
