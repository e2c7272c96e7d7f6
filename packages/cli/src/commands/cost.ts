/**
 * `leanredis cost <pkg...>`: what importing a package costs in retained heap, external
 * memory, RSS, load time, files and built-ins, the handles it leaves open, and which of its
 * dependencies the heap belongs to. Method in cost/import-cost.ts and docs/CLI.md.
 */
import type { Command } from '../command.js';
import { expectPositionals, parseCommandLine, readBytes, readDurationMs, readInteger, readNumber } from '../args.js';
import { usageError } from '../cli-error.js';
import { EXIT } from '../exit-codes.js';
import { measureCost } from '../cost/import-cost.js';
import { resolvePackage } from '../cost/resolve-package.js';
import { renderCost } from '../report/cost-report.js';
import { writeJson } from '../report/json.js';
import { Progress } from '../report/progress.js';

const HELP = `Usage: leanredis cost <pkg...> [options]

What importing each package costs, measured in fresh \`node --expose-gc\` processes: retained
heap (the objects reachable after the import, from a heap snapshot), external and
arrayBuffers, RSS and load time (medians over --runs with min..max and spread, over a
baseline run that loads nothing), files and built-in modules loaded, and the timers, sockets
and servers the import leaves open (flagged). The retained heap is attributed to every
package the import loads (its own modules, its dependencies loaded first), exclusive to one
direct dependency or shared.

<pkg>: a package name or name/subpath resolved from the current folder's node_modules, or a
path to a package folder or file. Loaded as ESM with import() when its import entry is ESM,
else with require() (--mode to force one).

Options:
  --runs <n>             measured runs per figure, 1..100 (default 5)
  --settle <duration>    wait after the import before measuring (default 100ms): handles opened
                         asynchronously appear, deferred work runs
  --max-spread <ratio>   exit 4 when max-min of heap or external exceeds this share of the
                         median (default 0.1) ...
  --spread-floor <size>  ... and exceeds this many bytes (default 64KiB)
  --mode <auto|esm|cjs>  how to load it (default auto)
  --attribution-runs <n> rounds of per-package runs (default: --runs, at most 3; retained
                         heap is exact, so few rounds suffice)
  --no-attribution       skip the per-package runs
  --timeout <duration>   kill a probe process after this long (default 60s)
  --json                 the result as JSON on stdout
  -h, --help             this text

Exit codes: 0 measured, 2 bad usage, 3 a package is not installed or its import fails,
4 the runs disagree more than --max-spread allows (figures printed, not to be trusted).
`;

const OPTIONS = {
  runs: { type: 'string' },
  settle: { type: 'string' },
  'max-spread': { type: 'string' },
  'spread-floor': { type: 'string' },
  mode: { type: 'string' },
  'no-attribution': { type: 'boolean' },
  'attribution-runs': { type: 'string' },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** `leanredis cost`. */
export const command: Command = {
  help: HELP,
  async run(ctx) {
    const { values, positionals } = parseCommandLine(ctx.argv, OPTIONS);
    expectPositionals(positionals, 1, 50, 'package: leanredis cost <pkg...>');
    const mode = values.mode ?? 'auto';
    if (mode !== 'auto' && mode !== 'esm' && mode !== 'cjs') throw usageError(`--mode takes auto, esm or cjs, got "${mode}"`);
    const runs = readInteger(values.runs, 'runs', 5, { min: 1, max: 100 });
    const attributionRuns = readInteger(values['attribution-runs'], 'attribution-runs', Math.min(runs, 3), { min: 1, max: 100 });
    const settleMs = readDurationMs(values.settle, 'settle', 100, { minMs: 0, maxMs: 60_000 });
    const maxSpread = readNumber(values['max-spread'], 'max-spread', 0.1, { min: 0, max: 100 });
    const spreadFloorBytes = readBytes(values['spread-floor'], 'spread-floor', 64 * 1024);
    const timeoutMs = readDurationMs(values.timeout, 'timeout', 60_000, { minMs: 1000, maxMs: 3_600_000 });
    const targets = positionals.map((spec) => resolvePackage(spec, ctx.cwd, mode));
    const progress = new Progress(ctx.stderr);
    const result = await measureCost(targets, {
      runs,
      settleMs,
      maxSpread,
      spreadFloorBytes,
      attribution: values['no-attribution'] !== true,
      attributionRuns,
      cwd: ctx.cwd,
      env: ctx.env,
      timeoutMs,
      signal: ctx.signal,
      onProgress: (text) => progress.update(text),
    });
    progress.clear();
    if (values.json === true) writeJson(ctx.stdout, result);
    else ctx.stdout.write(renderCost(result, ctx.cwd));
    if (result.isNoisy) {
      for (const r of result.results) {
        for (const k of r.noisy) {
          const s = r.figures[k as 'heapBytes' | 'externalBytes'];
          ctx.stderr.write(`leanredis cost: ${r.spec}: ${k} varies ${s.min}..${s.max} bytes over ${runs} runs (median ${s.median}): more than --max-spread ${maxSpread} and --spread-floor ${spreadFloorBytes} bytes allow\n`);
        }
      }
      return EXIT.noisy;
    }
    return EXIT.ok;
  },
};
