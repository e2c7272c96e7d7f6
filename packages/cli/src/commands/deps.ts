/**
 * `leanredis deps diff <before> <after>` and `leanredis deps why <pkg>`: what a lockfile
 * change brings in, and why a package is installed. Reads npm's package-lock.json (v2, v3);
 * sizes come from node_modules and the npm cache, never the network.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { Command, CommandContext } from '../command.js';
import { expectPositionals, parseCommandLine, readBytes } from '../args.js';
import { CliError, usageError } from '../cli-error.js';
import { EXIT } from '../exit-codes.js';
import { Lockfile } from '../lockfile/lockfile.js';
import { diffLockfiles, type DepsDiffResult } from '../lockfile/lock-diff.js';
import { explainPackage } from '../lockfile/lock-why.js';
import { defaultNpmCache } from '../lockfile/package-sizes.js';
import { renderDepsDiff, renderDepsWhy } from '../report/deps-report.js';
import { formatBytes, formatBytesDelta } from '../report/format.js';
import { writeJson } from '../report/json.js';
import { Progress } from '../report/progress.js';

const HELP = `Usage:
  leanredis deps diff <before> <after> [options]
  leanredis deps why <pkg>[@version] [options]

diff: what changed between two npm lockfiles (package-lock.json v2 or v3): packages added,
removed and changed with their versions; which direct dependency brought each in and whether
it is exclusive to it or shared; names that gained a second version; packages that newly run
an install script; unpacked sizes and totals.
why: every installed copy of a package, the chain from each direct dependency that reaches it,
what requires it, and what removing it would take away.

<before>, <after>: a lockfile, a folder holding package-lock.json, or a git revision and path
(HEAD~1:package-lock.json, read with \`git show\` in the current folder).

Sizes are unpacked bytes, read from node_modules beside the lockfile when it holds the locked
version, else from the tarball in the npm cache; without either a size is "?" and counted as
unknown. Packages whose os/cpu exclude this machine are listed but not counted.

Options:
  --lock <file>              (why) the lockfile; default: the nearest package-lock.json upward
  --npm-cache <dir>          npm cache folder; default: $npm_config_cache or ~/.npm
  --no-node-modules          do not read sizes from node_modules
  --max-growth <size>        (diff) exit 5 when unpacked size grows by more (512KiB, 2MiB, 1G)
  --no-new-install-scripts   (diff) exit 5 when a package newly runs an install script here
  --no-new-duplicates        (diff) exit 5 when a package gains a second installed version
  --json                     the result as JSON on stdout
  -h, --help                 this text

Exit codes: 0 done (and every check passed), 2 bad usage, 3 lockfile or package not found or
unreadable, 5 a check failed.
`;

const OPTIONS = {
  lock: { type: 'string' },
  'npm-cache': { type: 'string' },
  'no-node-modules': { type: 'boolean' },
  'max-growth': { type: 'string' },
  'no-new-install-scripts': { type: 'boolean' },
  'no-new-duplicates': { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

/** A lockfile argument read, and the folder whose node_modules holds its packages. */
interface LoadedLock {
  readonly lock: Lockfile;
  readonly projectDir: string;
}

function loadLock(arg: string, cwd: string): LoadedLock {
  const path = resolve(cwd, arg);
  if (existsSync(path)) {
    if (statSync(path).isDirectory()) {
      for (const name of ['npm-shrinkwrap.json', 'package-lock.json']) {
        if (existsSync(join(path, name))) return { lock: Lockfile.read(join(path, name), join(arg, name)), projectDir: path };
      }
      throw new CliError('ERR_CLI_NOT_FOUND', `${arg}: no package-lock.json in this folder`);
    }
    return { lock: Lockfile.read(path, arg), projectDir: dirname(path) };
  }
  // rev:path, as `git show` takes it (a Windows drive letter is not a revision).
  const m = /^([^:]{2,}):(.+)$/.exec(arg);
  if (m !== null) {
    let text: string;
    let top: string;
    try {
      text = execFileSync('git', ['show', arg], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 });
      top = execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    } catch (err) {
      const stderr = String((err as { stderr?: unknown }).stderr ?? (err as Error).message).trim().split('\n')[0];
      throw new CliError('ERR_CLI_NOT_FOUND', `${arg}: no such file, and git cannot show it (${stderr})`);
    }
    const inRepo = m[2].startsWith('./') || m[2].startsWith('../') ? resolve(cwd, m[2]) : resolve(top, m[2]);
    // Sizes still come from the working tree's node_modules where it holds the same versions.
    return { lock: Lockfile.parse(text, arg), projectDir: dirname(inRepo) };
  }
  throw new CliError('ERR_CLI_NOT_FOUND', `${arg}: no such file`);
}

function nearestLock(cwd: string): string {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    for (const name of ['npm-shrinkwrap.json', 'package-lock.json']) if (existsSync(join(dir, name))) return join(dir, name);
    if (dirname(dir) === dir) throw new CliError('ERR_CLI_NOT_FOUND', `no package-lock.json in ${cwd} or above it; pass --lock <file>`);
  }
}

/** One pass/fail check of `deps diff`. */
export interface DiffCheck {
  readonly name: 'max-growth' | 'no-new-install-scripts' | 'no-new-duplicates';
  readonly passed: boolean;
  readonly detail: string;
}

function runChecks(r: DepsDiffResult, values: { 'max-growth'?: string; 'no-new-install-scripts'?: boolean; 'no-new-duplicates'?: boolean }): DiffCheck[] {
  const checks: DiffCheck[] = [];
  if (values['max-growth'] !== undefined) {
    const max = readBytes(values['max-growth'], 'max-growth', 0);
    checks.push({ name: 'max-growth', passed: r.totals.netBytes <= max, detail: `unpacked ${formatBytesDelta(r.totals.netBytes)} (limit +${formatBytes(max)})${r.totals.unknownSizes > 0 ? `, ${r.totals.unknownSizes} sizes unknown` : ''}` });
  }
  if (values['no-new-install-scripts'] === true) {
    const here = r.newInstallScripts.filter((c) => c.isForThisPlatform);
    checks.push({ name: 'no-new-install-scripts', passed: here.length === 0, detail: here.length === 0 ? 'none' : here.map((c) => `${c.name}@${c.version}`).join(', ') });
  }
  if (values['no-new-duplicates'] === true) {
    checks.push({ name: 'no-new-duplicates', passed: r.newDuplicates.length === 0, detail: r.newDuplicates.length === 0 ? 'none' : r.newDuplicates.map((d) => `${d.name} (${d.after.join(', ')})`).join(', ') });
  }
  return checks;
}

async function diff(ctx: CommandContext, argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, OPTIONS);
  expectPositionals(positionals, 2, 2, 'lockfiles: leanredis deps diff <before> <after>');
  if (values.lock !== undefined) throw usageError('--lock is for `deps why`; diff takes both lockfiles as arguments');
  // Read before anything is measured, so a malformed check value fails first.
  runChecks({ totals: { netBytes: 0, unknownSizes: 0 }, newInstallScripts: [], newDuplicates: [] } as unknown as DepsDiffResult, values);
  const before = loadLock(positionals[0], ctx.cwd);
  const after = loadLock(positionals[1], ctx.cwd);
  const progress = new Progress(ctx.stderr);
  const useNodeModules = values['no-node-modules'] !== true;
  const result = await diffLockfiles(before.lock, after.lock, {
    npmCacheDir: values['npm-cache'] !== undefined ? resolve(ctx.cwd, values['npm-cache']) : defaultNpmCache(ctx.env),
    beforeDir: useNodeModules ? before.projectDir : undefined,
    afterDir: useNodeModules ? after.projectDir : undefined,
    onProgress: (done, total) => progress.update(`deps diff: sizing ${done}/${total} packages`),
  });
  progress.clear();
  const checks = runChecks(result, values);
  if (values.json === true) writeJson(ctx.stdout, { ...result, checks });
  else {
    ctx.stdout.write(renderDepsDiff(result));
    for (const c of checks) ctx.stdout.write(`check ${c.name}: ${c.passed ? 'passed' : 'FAILED'} (${c.detail})\n`);
  }
  const failed = checks.filter((c) => !c.passed);
  for (const c of failed) ctx.stderr.write(`leanredis deps: check ${c.name} failed: ${c.detail}\n`);
  return failed.length > 0 ? EXIT.checkFailed : EXIT.ok;
}

async function why(ctx: CommandContext, argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, OPTIONS);
  expectPositionals(positionals, 1, 1, 'package name: leanredis deps why <pkg>');
  for (const diffOnly of ['max-growth', 'no-new-install-scripts', 'no-new-duplicates'] as const) {
    if (values[diffOnly] !== undefined) throw usageError(`--${diffOnly} is for \`deps diff\``);
  }
  const { lock, projectDir } = loadLock(values.lock ?? relative(ctx.cwd, nearestLock(ctx.cwd)), ctx.cwd);
  const progress = new Progress(ctx.stderr);
  const result = await explainPackage(lock, positionals[0], {
    npmCacheDir: values['npm-cache'] !== undefined ? resolve(ctx.cwd, values['npm-cache']) : defaultNpmCache(ctx.env),
    projectDir: values['no-node-modules'] === true ? undefined : projectDir,
    onProgress: (done, total) => progress.update(`deps why: sizing ${done}/${total} packages`),
  });
  progress.clear();
  if (values.json === true) writeJson(ctx.stdout, result);
  else ctx.stdout.write(renderDepsWhy(result));
  return EXIT.ok;
}

/** `leanredis deps`. */
export const command: Command = {
  help: HELP,
  async run(ctx) {
    const [sub, ...rest] = ctx.argv;
    if (sub === 'diff') return diff(ctx, rest);
    if (sub === 'why') return why(ctx, rest);
    throw usageError(sub === undefined ? 'missing subcommand: diff or why' : `unknown subcommand "${sub}": diff or why`);
  },
};
