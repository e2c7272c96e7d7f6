/**
 * The dispatcher and the shared pieces every command uses: help and exit codes, strict
 * argument parsing, tables, number formats and the TTY-only progress line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { COMMANDS, generalHelp, main } from '../../src/index.ts';
import { EXIT, EXIT_CODES } from '../../src/exit-codes.ts';
import { parseCommandLine, readDurationMs, readInteger, readNumber } from '../../src/args.ts';
import { CliError } from '../../src/cli-error.ts';
import { renderTable } from '../../src/report/table.ts';
import { formatBytes, formatBytesDelta, formatChange, formatMs } from '../../src/report/format.ts';
import { Progress } from '../../src/report/progress.ts';
import { CLI_DIR, CapturedStream, captureIo, runCli } from '../helpers/cli.ts';

test('--help lists every registered command and every exit code, and exits 0', async () => {
  const io = captureIo([]);
  assert.equal(await main(['--help'], io), EXIT.ok);
  for (const name of Object.keys(COMMANDS)) assert.match(io.stdout.text, new RegExp(`^  ${name} `, 'm'));
  for (const [code, text] of EXIT_CODES) assert.ok(io.stdout.text.includes(`${String(code).padStart(3)}  ${text}\n`), `exit code ${code} listed`);
  assert.equal(io.stderr.text, '');
});

test('no arguments prints the help on stderr and exits 2 (usage)', async () => {
  const io = captureIo([]);
  assert.equal(await main([], io), EXIT.usage);
  assert.equal(io.stdout.text, '');
  assert.equal(io.stderr.text, generalHelp());
});

test('an unknown command exits 2 and names it', async () => {
  const io = captureIo([]);
  assert.equal(await main(['frobnicate'], io), EXIT.usage);
  assert.match(io.stderr.text, /unknown command "frobnicate"/);
  assert.equal(io.stdout.text, '');
});

test('docs/CLI.md documents every exit code the executable knows', () => {
  const doc = readFileSync(join(CLI_DIR, '..', '..', 'docs', 'CLI.md'), 'utf8');
  for (const [code, text] of EXIT_CODES) assert.ok(doc.includes(`| ${code} | ${text} |`), `docs/CLI.md lists exit code ${code} as "${text}"`);
});

test('the built executable answers --help and --version with exit 0 and stays quiet on stderr', async () => {
  const help = await runCli(['--help']);
  assert.equal(help.code, 0);
  assert.equal(help.stdout, generalHelp());
  assert.equal(help.stderr, '');
  const version = await runCli(['--version']);
  assert.equal(version.code, 0);
  assert.equal(version.stdout.trim(), JSON.parse(readFileSync(join(CLI_DIR, 'package.json'), 'utf8')).version);
  const bad = await runCli(['no-such-command']);
  assert.equal(bad.code, EXIT.usage);
});

test('parseCommandLine rejects an unknown option as a usage error naming it, and splits at --', () => {
  const options = { json: { type: 'boolean' }, runs: { type: 'string' } } as const;
  const p = parseCommandLine(['a', '--runs', '3', '--json', '--', 'node', '--inspect', 'app.js'], options);
  assert.deepEqual(p.positionals, ['a']);
  assert.equal(p.values.runs, '3');
  assert.equal(p.values.json, true);
  assert.deepEqual(p.rest, ['node', '--inspect', 'app.js']);
  assert.throws(
    () => parseCommandLine(['--rnus', '3'], options),
    (err: unknown) => err instanceof CliError && err.exitCode === EXIT.usage && err.code === 'ERR_CLI_USAGE' && /--rnus/.test(err.message),
  );
});

test('number and duration readers accept what they document and name the option when rejecting', () => {
  assert.equal(readInteger(undefined, 'runs', 7, { min: 1, max: 100 }), 7);
  assert.equal(readInteger('12', 'runs', 7, { min: 1, max: 100 }), 12);
  for (const bad of ['0', '1.5', '-3', '12x', '', '101']) assert.throws(() => readInteger(bad, 'runs', 7, { min: 1, max: 100 }), /--runs/);
  assert.equal(readNumber('0.15', 'max-spread', 0.1, { min: 0, max: 10 }), 0.15);
  assert.throws(() => readNumber('abc', 'max-spread', 0.1, { min: 0, max: 10 }), /--max-spread/);
  assert.equal(readDurationMs('30s', 'duration', 1, { minMs: 1, maxMs: 1e9 }), 30_000);
  assert.equal(readDurationMs('1500ms', 'duration', 1, { minMs: 1, maxMs: 1e9 }), 1500);
  assert.equal(readDurationMs('2m', 'duration', 1, { minMs: 1, maxMs: 1e9 }), 120_000);
  assert.equal(readDurationMs('1.5', 'duration', 1, { minMs: 1, maxMs: 1e9 }), 1500);
  for (const bad of ['30 s', 's', '1d', '-1s']) assert.throws(() => readDurationMs(bad, 'duration', 1, { minMs: 1, maxMs: 1e9 }), /--duration/);
});

test('renderTable pads columns, aligns figures right and draws rules for null rows', () => {
  const out = renderTable(
    [{ title: 'package' }, { title: 'heap', align: 'right' }],
    [['a', '1 B'], ['longer-name', '12.0 KiB'], null, ['total', '12.0 KiB']],
  );
  assert.equal(
    out,
    ['package          heap', '-----------  --------', 'a                 1 B', 'longer-name  12.0 KiB', '-----------  --------', 'total        12.0 KiB', ''].join('\n'),
  );
  assert.throws(() => renderTable([{ title: 'x' }], [['a', 'b']]), /2 cells for 1 columns/);
});

test('formats: binary byte units, signed deltas and changes, milliseconds', () => {
  assert.equal(formatBytes(812), '812 B');
  assert.equal(formatBytes(4 * 1024 * 1024), '4.00 MiB');
  assert.equal(formatBytes(1536), '1.50 KiB');
  assert.equal(formatBytes(300 * 1024), '300 KiB');
  assert.equal(formatBytesDelta(2048), '+2.00 KiB');
  assert.equal(formatBytesDelta(-2048), '-2.00 KiB');
  assert.equal(formatChange(0.0812), '+8.1%');
  assert.equal(formatChange(-0.5), '-50%');
  assert.equal(formatMs(12.345), '12.3 ms');
  assert.equal(formatMs(0.5), '0.50 ms');
});

test('progress draws only on a terminal, and clears its line', () => {
  const pipe = new CapturedStream(false);
  const quiet = new Progress(pipe);
  quiet.update('step 1', true);
  quiet.clear();
  assert.equal(pipe.text, '');
  assert.equal(quiet.isEnabled, false);

  const tty = new CapturedStream(true);
  const progress = new Progress(tty);
  progress.update('step 1');
  progress.update('step 2'); // within the redraw interval: skipped
  progress.update('step 3', true);
  progress.clear();
  assert.equal(tty.text, '\rstep 1\x1b[K\rstep 3\x1b[K\r\x1b[K');
});

test('the client package imports nothing of the doctor', () => {
  const clientDir = join(CLI_DIR, '..', 'leanredis');
  const offenders: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'dist') walk(path);
      } else if (/\.(ts|mts|cts|js|mjs|cjs)$/.test(entry.name) && /from\s+['"](leanredis-doctor|[./]*\/cli\/)|import\(\s*['"](leanredis-doctor|[./]*\/cli\/)|require\(\s*['"](leanredis-doctor|[./]*\/cli\/)/.test(readFileSync(path, 'utf8'))) {
        offenders.push(path);
      }
    }
  };
  walk(join(clientDir, 'src'));
  walk(join(clientDir, 'test'));
  assert.deepEqual(offenders, []);
  assert.equal(JSON.parse(readFileSync(join(clientDir, 'package.json'), 'utf8')).dependencies, undefined);
});
