/**
 * `leanredis bench`: load a Redis server through one or more clients, each in its own child
 * process (measure/load-generator.ts), and report throughput, latency percentiles, errors by
 * code and the client process's memory. Measurement ends in a {@link BenchResult}; the table,
 * --json and --html are views of it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import type { Command, CommandContext } from '../command.js';
import { parseCommandLine, readBytes, readDurationMs, readInteger } from '../args.js';
import { CliError, usageError } from '../cli-error.js';
import { EXIT } from '../exit-codes.js';
import { resultHeader, writeJson } from '../report/json.js';
import { Progress } from '../report/progress.js';
import { renderBenchReport, formatLatency } from '../report/bench-report.js';
import { renderBenchHtml } from '../report/bench-html.js';
import { compareCandidate, compareRuns, compareWithFirst, type Comparison } from '../bench/compare.js';
import { formatBytes, formatCount } from '../report/format.js';
import { planClients, planConfigs, rampSteps, readClients, readMix, readRange, type PlanDefaults } from '../bench/bench-plan.js';
import { runLoad } from '../bench/run-load.js';
import { startPrivateRedis, type PrivateRedis } from '../bench/private-redis.js';
import { mergeRounds, type BenchResult, type BenchRun } from '../bench/bench-result.js';

const HELP = `Usage: leanredis bench [options]
       leanredis bench compare <before.json> <after.json> [--json] [--html <file>]

Loads a Redis server through each client in turn, each in a fresh child process, and reports
per run, per step of the ramp and per second: throughput, latency p50/p99/p99.9/max (from a
log-bucketed histogram, within 0.8%), errors by code, and the client process's heap, RSS,
bytes allocated per operation and GC pauses. Also measures its own cost per operation (the
same loop against a client that answers at once) and prints it.

Without --url it starts a private redis-server (from PATH, or $REDIS_SERVER) on a free
loopback port and stops it after. Against --url it writes only keys under bench:doctor: and
never flushes. The clients are loaded from your project (ioredis and redis must be installed
there); leanredis falls back to the doctor's own.

Load:
  --clients <list>        clients to run, in order: leanredis, ioredis, redis (default leanredis)
  --callers <n>           closed loop: n callers, each sends when its last reply came (default 50)
  --ramp <a..b>           closed loop, ramping callers from a to b in --steps steps
  --rate <r | a..b>       open loop instead: r commands per second on a schedule, latency from
                          the planned send time (no coordinated omission); a..b ramps
  --steps <n>             steps of a ramp (default 4)
  --duration <duration>   measured time per run, split evenly over the steps (default 20s)
  --warmup <duration>     load before measuring, not recorded (default 2s)
  --rounds <n>            make each run n times, interleaved (A B A B...), merged into one
                          (default 1): a drift of the machine's load falls on every run
  --mix <mix>             commands and weights: get, set, ping, incr (default get:80,set:20)
  --value-size <size>     bytes of each value written (default 100)
  --keys <n>              distinct keys, each written once before the load (default 1000)
  --max-in-flight <n>     open loop: most commands waiting; planned sends beyond are dropped
                          and counted (default 10000)
  --config <file>         a run described by a JSON file (repeatable; one run per file):
                          name, client, clientOptions, callers|ramp|rate, steps, mix, valueSize,
                          duration, warmup, keys, nodeOptions; the options above fill the rest
Output:
  --url <url>             the server (default: a private redis-server)
  --json                  the result as JSON on stdout (the input of bench compare)
  --html <file>           also write a self-contained HTML report (charts, no CDN, opens offline)
  --candidate <name>      compare this run (after) with each of the others (before), instead of
                          each run after the first with the first
  --fail-on-regression    exit 5 when a compared run is significantly worse on any figure
  -h, --help              this text

With two runs or more (two --config files, or several --clients) every run after the first is
compared with the first (or --candidate with every other): the before/after table with the change in percent and a verdict from
Welch's t-test on the per-second samples (alpha 0.05). \`bench compare\` does the same for two
saved --json results (runs paired by name, else by position).

Exit codes: 0 measured, 1 a load generator crashed, 2 bad usage, 3 a client is not installed,
a --config file or a result file is unreadable or the server cannot be reached, 5 a significant
regression with --fail-on-regression, 130 interrupted.

Examples:
  leanredis bench --clients leanredis,ioredis,redis --callers 50 --duration 10s
  leanredis bench --ramp 50..500 --mix get:50,set:50 --json > ramp.json
  leanredis bench --rate 5000..40000 --steps 8
  leanredis bench --config before.json --config after.json
`;

const OPTIONS = {
  url: { type: 'string' },
  clients: { type: 'string' },
  callers: { type: 'string' },
  ramp: { type: 'string' },
  rate: { type: 'string' },
  steps: { type: 'string' },
  rounds: { type: 'string' },
  duration: { type: 'string' },
  warmup: { type: 'string' },
  mix: { type: 'string' },
  'value-size': { type: 'string' },
  keys: { type: 'string' },
  'max-in-flight': { type: 'string' },
  'overhead-time': { type: 'string' },
  config: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  html: { type: 'string' },
  candidate: { type: 'string' },
  'fail-on-regression': { type: 'boolean' },
} as const;

const COMPARE_OPTIONS = {
  json: { type: 'boolean' },
  html: { type: 'string' },
  'fail-on-regression': { type: 'boolean' },
} as const;

/** `leanredis bench`. */
export const command: Command = {
  help: HELP,
  async run(ctx) {
    if (ctx.argv[0] === 'compare') return compareFiles(ctx.argv.slice(1), ctx);
    const { values, positionals } = parseCommandLine(ctx.argv, OPTIONS);
    if (positionals.length > 0) throw usageError(`unexpected argument "${positionals[0]}"`);
    const url = values.url;
    if (url !== undefined && (!/^rediss?:\/\//.test(url) || !URL.canParse(url))) throw usageError('--url takes redis://host:port or rediss://host:port');
    const loadOptions = [values.callers, values.ramp, values.rate].filter((v) => v !== undefined).length;
    if (loadOptions > 1) throw usageError('--callers, --ramp and --rate exclude each other');
    const stepCount = readInteger(values.steps, 'steps', 4, { min: 1, max: 100 });
    let mode: PlanDefaults['mode'] = 'closed';
    let steps: number[];
    if (values.rate !== undefined) {
      const [from, to] = readRange(values.rate, 'rate', { min: 1, max: 10_000_000 });
      mode = 'open';
      steps = rampSteps(from, to, stepCount);
    } else if (values.ramp !== undefined) {
      const [from, to] = readRange(values.ramp, 'ramp', { min: 1, max: 100_000 });
      steps = rampSteps(from, to, stepCount);
    } else steps = [readInteger(values.callers, 'callers', 50, { min: 1, max: 100_000 })];
    const defaults: Omit<PlanDefaults, 'url'> = {
      mode,
      steps,
      durationMs: readDurationMs(values.duration, 'duration', 20_000, { minMs: 1000, maxMs: 86_400_000 }),
      warmupMs: readDurationMs(values.warmup, 'warmup', 2000, { minMs: 0, maxMs: 3_600_000 }),
      mix: readMix(values.mix ?? 'get:80,set:20'),
      valueSize: readBytes(values['value-size'], 'value-size', 100),
      keys: readInteger(values.keys, 'keys', 1000, { min: 1, max: 10_000_000 }),
      maxInFlight: readInteger(values['max-in-flight'], 'max-in-flight', 10_000, { min: 1, max: 10_000_000 }),
      overheadMs: readDurationMs(values['overhead-time'], 'overhead-time', 500, { minMs: 0, maxMs: 60_000 }),
    };
    if (defaults.valueSize > 512 * 1024 * 1024) throw usageError('--value-size is at most 512 MiB (a Redis string)');
    const rounds = readInteger(values.rounds, 'rounds', 1, { min: 1, max: 100 });
    const clients = readClients(values.clients ?? 'leanredis');
    if (values.config !== undefined && values.clients !== undefined && clients.length > 1) throw usageError('with --config, --clients names at most one client (the default of files that name none)');
    // Resolve every client before starting anything: a missing one fails at once.
    const planFor = (serverUrl: string) => {
      const d = { ...defaults, url: serverUrl };
      return values.config !== undefined ? planConfigs(values.config, d, clients[0], ctx.cwd) : planClients(clients, d, ctx.cwd);
    };
    const planned = planFor('redis://127.0.0.1:1');
    if (values.candidate !== undefined && !planned.some((r) => r.name === values.candidate)) throw usageError(`--candidate "${values.candidate}" names no run; runs: ${planned.map((r) => r.name).join(', ')}`);

    const progress = new Progress(ctx.stderr);
    let server: PrivateRedis | undefined;
    const loadBefore = loadavg()[0];
    try {
      if (url === undefined) {
        progress.update('bench: starting a private redis-server', true);
        server = await startPrivateRedis(ctx.env);
      }
      const serverUrl = url ?? server!.url;
      const requests = planFor(serverUrl);
      // Rounds interleave the runs (A B A B ...), so a drift of the machine's load falls on all.
      const byRequest: BenchRun[][] = requests.map(() => []);
      for (let round = 0; round < rounds; round++) {
        for (const [i, request] of requests.entries()) {
          const total = request.config.steps.length * request.config.stepMs;
          const label = `bench ${rounds > 1 ? `round ${round + 1}/${rounds} ` : ''}${i + 1}/${requests.length} ${request.name}`;
          progress.update(`${label}: connecting, writing ${formatCount(request.config.keys)} keys`, true);
          byRequest[i].push(
            await runLoad(request, {
              cwd: ctx.cwd,
              env: ctx.env,
              signal: ctx.signal,
              onReady: () => progress.update(`${label}: measuring its own overhead, warming up`, true),
              onSecond: (s) =>
                progress.update(
                  `${label}: step ${s.step + 1}/${request.config.steps.length} (${request.config.mode === 'closed' ? `${request.config.steps[s.step]} callers` : `${request.config.steps[s.step]}/s`}) ` +
                    `${Math.round(s.tMs / 1000)}/${Math.round(total / 1000)} s  ${formatCount(s.opsPerSec)} ops/s  p99 ${formatLatency(s.p99Ms)}  heap ${formatBytes(s.heapUsed)}${s.errors > 0 ? `  errors ${s.errors}` : ''}`,
                ),
            }),
          );
        }
      }
      const runs = byRequest.map(mergeRounds);
      progress.clear();
      const cpuList = cpus();
      const result: BenchResult = {
        ...resultHeader('bench'),
        kind: 'bench',
        server: { address: hostOf(serverUrl), isPrivate: server !== undefined, version: server?.version ?? '' },
        machine: { cpuModel: cpuList[0]?.model ?? 'unknown', cpus: cpuList.length, platform: `${process.platform} ${process.arch}`, loadAverageBefore: loadBefore, loadAverageAfter: loadavg()[0] },
        runs,
        comparisons: values.candidate === undefined ? compareWithFirst(runs) : compareCandidate(runs, values.candidate),
      };
      return output(result, { json: values.json === true, html: values.html, failOnRegression: values['fail-on-regression'] === true }, ctx);
    } finally {
      progress.clear();
      await server?.stop();
    }
  },
};

/** host:port of a redis URL, without credentials (they never reach output). */
function hostOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '6379'}`;
  } catch {
    return '(unparsable url)';
  }
}

/** Prints the result (table or JSON), writes the HTML report, and picks the exit code. */
function output(result: BenchResult, options: { json: boolean; html: string | undefined; failOnRegression: boolean }, ctx: CommandContext): number {
  if (options.json) writeJson(ctx.stdout, result);
  else ctx.stdout.write(renderBenchReport(result));
  if (options.html !== undefined) {
    const path = resolve(ctx.cwd, options.html);
    try {
      writeFileSync(path, renderBenchHtml(result));
    } catch (err) {
      throw new CliError('ERR_CLI_BAD_INPUT', `--html ${options.html}: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (!options.json) ctx.stdout.write(`HTML report: ${path}\n`);
  }
  const isWorse = result.comparisons.some((c) => c.metrics.some((m) => m.verdict === 'worse'));
  return options.failOnRegression && isWorse ? EXIT.checkFailed : EXIT.ok;
}

/** Reads a saved `bench --json` result. */
function readResult(file: string, cwd: string): BenchResult {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(resolve(cwd, file), 'utf8'));
  } catch (err) {
    throw new CliError('ERR_CLI_BAD_INPUT', `${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : err instanceof Error ? err.message : String(err)}`);
  }
  const r = raw as Partial<BenchResult> | null;
  if (r === null || typeof r !== 'object' || (r.kind !== 'bench' && r.kind !== 'bench-compare') || !Array.isArray(r.runs) || r.runs.length === 0) {
    throw new CliError('ERR_CLI_BAD_INPUT', `${file}: not a result of leanredis bench --json (kind "bench" with runs)`);
  }
  if (r.schemaVersion !== 1) throw new CliError('ERR_CLI_BAD_INPUT', `${file}: schemaVersion ${String(r.schemaVersion)} is not one this doctor reads (1)`);
  for (const run of r.runs) if (!Array.isArray(run.seconds) || !Array.isArray(run.steps) || run.totals === undefined) throw new CliError('ERR_CLI_BAD_INPUT', `${file}: run "${String(run.name)}" has no seconds, steps or totals`);
  return r as BenchResult;
}

/** `leanredis bench compare <before> <after>`. */
function compareFiles(argv: readonly string[], ctx: CommandContext): number {
  const { values, positionals } = parseCommandLine(argv, COMPARE_OPTIONS);
  if (positionals.length !== 2) throw usageError('bench compare takes two result files: <before.json> <after.json>');
  const [before, after] = positionals.map((f) => readResult(f, ctx.cwd));
  // Pairs: one run each; else the runs both files name; else by position.
  const names = new Set(after.runs.map((r) => r.name));
  let pairs: Array<[BenchRun, BenchRun]>;
  if (before.runs.length === 1 && after.runs.length === 1) pairs = [[before.runs[0], after.runs[0]]];
  else {
    pairs = before.runs.filter((r) => names.has(r.name)).map((r) => [r, after.runs.find((x) => x.name === r.name)!]);
    if (pairs.length === 0) pairs = before.runs.slice(0, after.runs.length).map((r, i) => [r, after.runs[i]]);
  }
  const label = (prefix: string, run: BenchRun): BenchRun => ({ ...run, name: `${prefix}: ${run.name}` });
  const labelled = pairs.map(([b, a]) => [label('before', b), label('after', a)] as const);
  const comparisons: Comparison[] = labelled.map(([b, a]) => compareRuns(b, a));
  const result: BenchResult = {
    ...resultHeader('bench-compare'),
    kind: 'bench-compare',
    server: after.server,
    machine: after.machine,
    runs: labelled.flat(),
    comparisons,
    inputs: positionals,
  };
  return output(result, { json: values.json === true, html: values.html, failOnRegression: values['fail-on-regression'] === true }, ctx);
}
