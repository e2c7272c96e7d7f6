/**
 * Runs the load generator (measure/load-generator.ts) in a child process for one client and
 * configuration, relays its per-second samples (for the progress line), and assembles a
 * {@link BenchRun}. The child's stdout is ignored and its stderr kept (last lines) for the
 * error message; results come on fd 3.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CliError } from '../cli-error.js';
import { LOAD_CONFIG_ENV, type LoadConfig, type LoadMessage, type RunFacts, type SecondSample, type StepResult } from './bench-protocol.js';
import { finishRun, type BenchRun, type RunSettings } from './bench-result.js';

/** Where the built generator is: dist/measure/ beside the chunk this code is bundled into. */
const GENERATOR = fileURLToPath(new URL('./measure/load-generator.js', import.meta.url));

/** One run to make. */
export interface RunRequest {
  readonly name: string;
  readonly configFile?: string;
  readonly config: LoadConfig;
  readonly nodeOptions: readonly string[];
}

/** Where and how to run children. */
export interface RunContext {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly signal: AbortSignal;
  /** Called for every second of measurement. */
  readonly onSecond?: (sample: SecondSample) => void;
  /** Called when the client is connected and the keys written. */
  readonly onReady?: () => void;
}

/** Runs one request to its end; a child that fails rejects with ERR_CLI_CHILD_FAILED (or ERR_CLI_UNREACHABLE when the server refused it). */
export async function runLoad(request: RunRequest, ctx: RunContext): Promise<BenchRun> {
  ctx.signal.throwIfAborted();
  const { config } = request;
  const child = spawn(process.execPath, ['--expose-gc', ...request.nodeOptions, GENERATOR], {
    cwd: ctx.cwd,
    // In the environment: argv is public (ps) and the URL may carry a password.
    env: { ...(ctx.env as NodeJS.ProcessEnv), [LOAD_CONFIG_ENV]: JSON.stringify(config) },
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  const onAbort = () => child.kill('SIGKILL');
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr = (stderr + d).slice(-4096);
  });
  const seconds: SecondSample[] = [];
  const steps: StepResult[] = [];
  let facts: RunFacts | undefined;
  let failure: { message: string; code?: string } | undefined;
  let clientVersion = '';
  let pending = '';
  const channel = child.stdio[3] as NodeJS.ReadableStream;
  channel.setEncoding('utf8');
  channel.on('data', (d: string) => {
    pending += d;
    let nl: number;
    while ((nl = pending.indexOf('\n')) !== -1) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      let message: LoadMessage;
      try {
        message = JSON.parse(line) as LoadMessage;
      } catch {
        continue;
      }
      if (message.type === 'second') {
        seconds.push(message.sample);
        ctx.onSecond?.(message.sample);
      } else if (message.type === 'step') steps.push(message.step);
      else if (message.type === 'ready') {
        clientVersion = message.clientVersion;
        ctx.onReady?.();
      } else if (message.type === 'done') facts = message.facts;
      else failure = message;
    }
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
    child.on('error', (err) => {
      failure = { message: err.message };
      resolve([null, null]);
    });
    child.on('close', (c, s) => resolve([c, s]));
  });
  ctx.signal.removeEventListener('abort', onAbort);
  ctx.signal.throwIfAborted();
  if (code === 0 && facts !== undefined) {
    const settings: RunSettings = {
      mode: config.mode,
      steps: config.steps,
      stepMs: config.stepMs,
      warmupMs: config.warmupMs,
      mix: config.mix,
      valueSize: config.valueSize,
      keys: config.keys,
      clientOptions: config.clientOptions,
      nodeOptions: request.nodeOptions,
    };
    return finishRun({
      name: request.name,
      client: config.client,
      clientVersion: clientVersion || facts.clientVersion,
      ...(request.configFile !== undefined ? { configFile: request.configFile } : {}),
      settings,
      steps,
      seconds,
      facts,
    });
  }
  const tail = stderr.trim().split('\n').slice(-6).join('\n');
  const why = failure?.message ?? (signal !== null ? `killed by ${signal}` : `exit code ${code}`);
  // A connection refused or a server that does not answer is the user's input, not a bug.
  const isUnreachable = failure?.code !== undefined && /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|ERR_CONNECT|ERR_CONNECTION|ERR_TIMEOUT|NOAUTH|WRONGPASS/.test(failure.code);
  throw new CliError(isUnreachable ? 'ERR_CLI_UNREACHABLE' : 'ERR_CLI_CHILD_FAILED', `${request.name}: the load generator failed (${why}${failure?.code ? `, ${failure.code}` : ''})${tail ? `\n${tail}` : ''}`);
}
