/**
 * Spawns one import probe and reads its result. The child's stdout is /dev/null and its
 * stderr a temporary file, never pipes: Node builds process.stdout/stderr over a pipe with
 * `net`, which would then be loaded before the baseline and never charged to a package that
 * loads it. The result comes back on fd 3.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError } from '../cli-error.js';
import type { ProbeConfig, ProbeResult } from './probe-protocol.js';

/** Where the built probe is: dist/measure/ beside the chunk this code is bundled into. */
const PROBE = fileURLToPath(new URL('./measure/import-probe.js', import.meta.url));

/**
 * Node flags of every probe. Sparkplug (V8's baseline compiler) compiles a batch of whatever
 * code is warm at some moment, mostly Node's own: ~230 KiB of code space landing before or
 * after the baseline at random, more than many packages retain. Off, an empty run measures
 * within a few KB.
 */
export const PROBE_FLAGS = ['--expose-gc', '--no-sparkplug'];

/** How to run probes. */
export interface ProbeRunner {
  /** Working folder of the child: the project, so relative reads in the package behave. */
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** A probe still running after this long is killed. (ms) */
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
}

/** Runs the probe once with `config`; a failed import rejects with ERR_CLI_BAD_INPUT and the child's last stderr lines. */
export async function runProbe(runner: ProbeRunner, config: ProbeConfig, what: string): Promise<ProbeResult> {
  runner.signal.throwIfAborted();
  const dir = mkdtempSync(join(tmpdir(), 'leanredis-cost-'));
  const errFile = join(dir, 'stderr');
  const errFd = openSync(errFile, 'w');
  try {
    const child = spawn(process.execPath, [...PROBE_FLAGS, PROBE, JSON.stringify(config)], {
      cwd: runner.cwd,
      env: runner.env as NodeJS.ProcessEnv,
      stdio: ['ignore', 'ignore', errFd, 'pipe'],
      signal: runner.signal,
    });
    let out = '';
    const channel = child.stdio[3] as NodeJS.ReadableStream;
    channel.setEncoding('utf8');
    channel.on('data', (d: string) => {
      // One JSON line is expected; a flood means something else writes to fd 3: stop reading.
      if (out.length < 64 * 1024 * 1024) out += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), runner.timeoutMs);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
      child.on('error', () => resolve([null, null]));
      child.on('close', (c, s) => resolve([c, s]));
    });
    clearTimeout(timer);
    runner.signal.throwIfAborted();
    const line = out.trim().split('\n').pop() ?? '';
    let parsed: (ProbeResult & { error?: undefined }) | { error: string } | undefined;
    try {
      parsed = line === '' ? undefined : (JSON.parse(line) as ProbeResult | { error: string });
    } catch {
      parsed = undefined;
    }
    if (code === 0 && parsed !== undefined && parsed.error === undefined) return parsed as ProbeResult;
    const stderr = readFileSync(errFile, 'utf8').trim().split('\n').slice(-6).join('\n');
    const why = parsed?.error ?? (signal === 'SIGKILL' ? `killed after ${runner.timeoutMs} ms` : signal !== null ? `killed by ${signal}` : `exit code ${code}`);
    throw new CliError('ERR_CLI_BAD_INPUT', `${what}: the import failed in a fresh process (${why})${stderr ? `\n${stderr}` : ''}`);
  } finally {
    closeSync(errFd);
    rmSync(dir, { recursive: true, force: true });
  }
}
