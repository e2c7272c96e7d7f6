/**
 * `leanredis profile -- <program...>`: runs a program with the memory watch and heap sampling of
 * `leanredis/diagnostics` preloaded (measure/profile-preload.ts through NODE_OPTIONS
 * `--import`), waits for the capture to end, stops the program, and reports: the pprof file,
 * the top tables by function and by package, the alarm history, memory over time, and an HTML
 * summary. The result object is printed (--json) or drawn as tables, and kept in the folder.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Command } from '../command.js';
import { parseCommandLine, readBytes, readDurationMs, readInteger } from '../args.js';
import { CliError, usageError } from '../cli-error.js';
import { EXIT } from '../exit-codes.js';
import { resultHeader, writeJson } from '../report/json.js';
import { Progress } from '../report/progress.js';
import { renderProfileHtml, renderProfileReport, type ProfileResult } from '../report/profile-report.js';
import { PROFILE_ENV, type ProfileData, type ProfileSettings } from '../profile/profile-protocol.js';

/** The built preload: dist/measure/ beside the chunk this code is bundled into. */
const PRELOAD = fileURLToPath(new URL('./measure/profile-preload.js', import.meta.url));

const HELP = `Usage: leanredis profile [options] -- <program> [arguments...]

Runs a program (node app.js, npm start: anything that starts node, which NODE_OPTIONS reaches)
with leanredis/diagnostics preloaded by --import: watchMemory samples the process's memory and
handles and raises alarms (sustained growth, doubling of a resource type, pool saturation,
leaked leases), and captureHeapProfile samples the JS heap (alternating windows of live
objects and of every allocation). When --duration is over it writes, into --out:

  heap.pb.gz        the heap profile in pprof format (go tool pprof, pprof.me, speedscope)
  profile.json      the result: memory samples, alarms, top tables (what --json prints)
  report.html       a self-contained summary (charts of heap and RSS, alarms, top tables)
  program.log       the program's stdout and stderr

then stops the program (SIGTERM, SIGKILL 5 s later) and prints the top tables by function and
by package, and the alarm history. Only the first node process of the program is profiled.
The program is held open until the capture ends; one that exits earlier (process.exit) leaves
no profile (exit 1).

Alarm windows scale with the duration: the watch's warm-up is a sixth of it (at most 30 s),
the growth window a third (at most 60 s).

Options:
  --duration <duration>        how long to profile (default 30s)
  --out <dir>                  folder for the files (default ./leanredis-profile-<time>)
  --interval <duration>        memory sample interval (default 1s; 250ms for runs under 20 s)
  --sampling-interval <size>   average bytes allocated between two heap samples (default 512KiB)
  --growth-rate <size>         heap/RSS/external growth per second that raises an alarm
                               (default 64KiB)
  --top <n>                    rows of each top table (default 15)
  --json                       the result as JSON on stdout
  -h, --help                   this text

Exit codes: 0 profiled, 1 the program exited before the capture ended or the preload failed,
2 bad usage (no program after --), 3 the program cannot be started, 130 interrupted.

Example:
  leanredis profile --duration 60s --out prof -- node server.js --port 8080
`;

const OPTIONS = {
  duration: { type: 'string' },
  out: { type: 'string' },
  interval: { type: 'string' },
  'sampling-interval': { type: 'string' },
  'growth-rate': { type: 'string' },
  top: { type: 'string' },
  json: { type: 'boolean' },
} as const;

const FILES = ['.claim', 'profile-data.json', 'heap.pb.gz', 'profile.json', 'report.html', 'program.log'];

/** `leanredis profile`. */
export const command: Command = {
  help: HELP,
  async run(ctx) {
    const { values, positionals, rest } = parseCommandLine(ctx.argv, OPTIONS);
    if (positionals.length > 0) throw usageError(`unexpected argument "${positionals[0]}": put the program after --, as in leanredis profile -- node app.js`);
    if (rest.length === 0) throw usageError('no program to profile: leanredis profile [options] -- node app.js');
    const durationMs = readDurationMs(values.duration, 'duration', 30_000, { minMs: 1000, maxMs: 86_400_000 });
    const intervalMs = readDurationMs(values.interval, 'interval', durationMs < 20_000 ? 250 : 1000, { minMs: 10, maxMs: 3_600_000 });
    const settingsBase = {
      durationMs,
      intervalMs,
      samplingIntervalBytes: readBytes(values['sampling-interval'], 'sampling-interval', 512 * 1024),
      warmupMs: Math.min(30_000, Math.round(durationMs / 6)),
      growthWindowMs: Math.max(intervalMs * 2, Math.min(60_000, Math.round(durationMs / 3))),
      growthBytesPerSecond: readBytes(values['growth-rate'], 'growth-rate', 64 * 1024),
      top: readInteger(values.top, 'top', 15, { min: 1, max: 1000 }),
    };
    if (settingsBase.samplingIntervalBytes < 1) throw usageError('--sampling-interval must be at least 1 byte');
    const outDir = resolve(ctx.cwd, values.out ?? `leanredis-profile-${new Date().toISOString().replace(/[:.]/g, '-')}`);
    try {
      mkdirSync(outDir, { recursive: true });
      for (const f of FILES) rmSync(join(outDir, f), { force: true });
    } catch (err) {
      throw new CliError('ERR_CLI_BAD_INPUT', `--out ${outDir}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const settings: ProfileSettings = { outDir, ...settingsBase };
    const logPath = join(outDir, 'program.log');
    const dataPath = join(outDir, 'profile-data.json');
    const logFd = openSync(logPath, 'w');
    const nodeOptions = `${ctx.env.NODE_OPTIONS ?? ''} --import=${pathToFileURL(PRELOAD).href}`.trim();
    const child = spawn(rest[0], rest.slice(1), {
      cwd: ctx.cwd,
      env: { ...(ctx.env as NodeJS.ProcessEnv), NODE_OPTIONS: nodeOptions, [PROFILE_ENV]: JSON.stringify(settings) },
      stdio: ['ignore', logFd, logFd],
    });
    closeSync(logFd);
    const progress = new Progress(ctx.stderr);
    let exit: { code: number | null; signal: string | null } | undefined;
    let spawnError: NodeJS.ErrnoException | undefined;
    const exited = new Promise<void>((done) => {
      child.on('error', (err) => {
        spawnError = err;
        exit ??= { code: null, signal: null };
        done();
      });
      child.on('exit', (code, signal) => {
        exit = { code, signal };
        done();
      });
    });
    const stop = async () => {
      if (exit !== undefined) return false;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      return true;
    };
    const onAbort = () => void stop();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    const started = Date.now();
    // The capture ends after durationMs; writing the profile takes a little more (a full GC,
    // encoding). A program that never writes it within a minute more is stuck.
    const deadline = started + durationMs + 60_000;
    try {
      while (!existsSync(dataPath) && exit === undefined && Date.now() < deadline) {
        progress.update(`profile: ${Math.floor(Math.min(durationMs, Date.now() - started) / 1000)}/${Math.round(durationMs / 1000)} s: ${rest.join(' ')}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      ctx.signal.throwIfAborted();
      const stoppedByDoctor = await stop();
      progress.clear();
      if (spawnError !== undefined) throw new CliError('ERR_CLI_NOT_FOUND', `cannot start ${rest[0]}: ${spawnError.code ?? spawnError.message}`);
      if (!existsSync(dataPath)) {
        const log = readFileSync(logPath, 'utf8').trim().split('\n').slice(-6).join('\n');
        const why = stoppedByDoctor ? `no profile ${Math.round((deadline - started) / 1000)} s after the start` : `the program exited (${exit?.signal ?? `code ${exit?.code}`}) after ${((Date.now() - started) / 1000).toFixed(1)} s, before the capture ended`;
        throw new CliError('ERR_CLI_CHILD_FAILED', `${why}; is it a node program (NODE_OPTIONS must reach it)? Its output is in ${logPath}${log ? `\n${log}` : ''}`);
      }
      const data = JSON.parse(readFileSync(dataPath, 'utf8')) as ProfileData;
      const pprof = join(outDir, 'heap.pb.gz');
      const result: ProfileResult = {
        ...resultHeader('profile'),
        kind: 'profile',
        program: rest,
        outDir,
        ...data,
        files: { pprof: existsSync(pprof) ? pprof : null, html: join(outDir, 'report.html'), json: join(outDir, 'profile.json'), log: logPath },
        programExit: { code: exit?.code ?? null, signal: exit?.signal ?? null, stoppedByDoctor },
      };
      writeFileSync(result.files.json, `${JSON.stringify(result, null, 2)}\n`);
      writeFileSync(result.files.html, renderProfileHtml(result));
      rmSync(join(outDir, '.claim'), { force: true });
      rmSync(dataPath, { force: true });
      if (values.json === true) writeJson(ctx.stdout, result);
      else ctx.stdout.write(renderProfileReport(result));
      return data.error === undefined ? EXIT.ok : EXIT.failure;
    } finally {
      progress.clear();
      ctx.signal.removeEventListener('abort', onAbort);
      await stop();
    }
  },
};
