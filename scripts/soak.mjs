// Runs the full-count fault-injection soak (issue 4's R1-R4 and S4 figures, issue 9's B4, P3
// and L7) and prints a summary; exits non-zero if any bound was violated. Each script runs in its own process, one
// after the other, so their heaps, timings and redis-servers do not mix. Run it on an otherwise
// idle machine: the timing bounds (R2 lateness, R3 settle time, R4 overflow) are tight.
//
//   npm run test:soak                    every run (about 2.5 hours on a 2-core machine, 2 h 10 min of
//                                        it the leak soak, both RESP versions)
//   npm run test:soak -- r2 r4           only some (r1 r2 r3 r4 s4 b4 p3 l7)
//   npm run test:soak -- --json out.json also write every figure to a file
//   npm run test:soak -- l7 --minutes 65 the leak soak, 65 minutes per RESP version (the default;
//                                        the last 25 are the fit; --minutes alone also sets it,
//                                        and runs every script)
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const soak = join(root, 'packages', 'leanredis', 'test', 'soak');

/**
 * The leak soak's arguments for a run of `minutes` per RESP version: the last 25 minutes are
 * the fit window, the rest is the warm-up with fast kills.
 * @param {number} minutes
 */
function leakArgs(minutes) {
  const warmup = minutes > 25 ? minutes - 25 : minutes / 6;
  return ['--minutes', String(minutes), '--warmup-minutes', String(warmup), '--warmup-kill-every-ms', '1500'];
}

/** The runs, with the exact arguments (the figures in docs/RELIABILITY.md come from these). */
const RUNS = [
  { id: 'r1', script: 'disconnects.ts', args: ['--commands', '200000', '--disconnects', '50'] },
  { id: 'r2', script: 'pause-deadlines.ts', args: ['--rounds', '10000'] },
  { id: 'r3', script: 'hostile-input.ts', args: ['--decoder', '1000000', '--client', '50000'] },
  { id: 'r4', script: 'outage.ts', args: ['--rate', '5000', '--outage', '10000', '--mode', 'sigkill,refuse'] },
  { id: 's4', script: 'password-rotation.ts', args: ['--connections', '100', '--rotations', '5'] },
  { id: 'b4', script: 'blocking-blackhole.ts', args: ['--trials', '50', '--block-ms', '1000'] },
  { id: 'p3', script: 'pubsub-kills.ts', args: ['--kills', '100'] },
  // The leak soak: 40 minutes with a CLIENT KILL every 1.5 s (V8 compiles the reconnect path
  // for the first time only after hundreds of kills), then 25 minutes of the steady mix (a kill
  // every 30 s), the fit window. docs/RELIABILITY.md, issue 9, seventh round.
  { id: 'l7', script: 'leak.ts', args: leakArgs(65) },
];

const argv = process.argv.slice(2);
/**
 * The value after `--name`, and its index (so it is not taken for a run id).
 * @param {string} name
 * @returns {[string | undefined, number]}
 */
const valueOf = (name) => {
  const at = argv.indexOf(`--${name}`);
  return at === -1 ? [undefined, -1] : [argv[at + 1], at + 1];
};
const [jsonPath, jsonValueAt] = valueOf('json');
const [minutes, minutesValueAt] = valueOf('minutes');
if (minutes !== undefined) {
  if (!(Number(minutes) > 0)) {
    console.error('--minutes takes a positive number');
    process.exit(2);
  }
  const leak = RUNS.find((r) => r.id === 'l7');
  if (leak !== undefined) leak.args = leakArgs(Number(minutes));
}
const only = argv.filter((a, i) => !a.startsWith('--') && i !== jsonValueAt && i !== minutesValueAt);
const unknown = only.filter((id) => !RUNS.some((r) => r.id === id));
if (unknown.length > 0) {
  console.error(`unknown run(s): ${unknown.join(', ')}; choose from ${RUNS.map((r) => r.id).join(' ')}`);
  process.exit(2);
}

/** Runs one script, echoing its output, and collects its SOAK-RESULT lines. */
function run({ script, args }) {
  const file = relative(root, join(soak, script));
  const command = ['--import', 'tsx', file, ...args];
  console.log(`\n> node ${command.join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, command, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    const results = [];
    let pending = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      pending += chunk.toString();
      let nl;
      while ((nl = pending.indexOf('\n')) !== -1) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (line.startsWith('SOAK-RESULT ')) results.push(JSON.parse(line.slice('SOAK-RESULT '.length)));
      }
    });
    child.on('close', (code, signal) => resolve({ command: `node ${command.join(' ')}`, code: code ?? signal, results }));
  });
}

const started = Date.now();
const outcomes = [];
for (const r of RUNS) {
  if (only.length > 0 && !only.includes(r.id)) continue;
  outcomes.push({ id: r.id, ...(await run(r)) });
}

console.log(`\nsoak summary (${Math.round((Date.now() - started) / 1000)} s)`);
let isOk = true;
for (const o of outcomes) {
  const ok = o.code === 0 && o.results.length > 0 && o.results.every((r) => r.ok);
  isOk &&= ok;
  console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${o.id}: ${o.command}${o.code === 0 ? '' : ` (exit ${o.code})`}`);
  for (const r of o.results) {
    for (const b of r.bounds.filter((x) => !x.ok)) console.log(`         ${r.name}: ${b.name} = ${b.value} (bound: ${b.limit})`);
  }
}
if (jsonPath !== undefined) {
  writeFileSync(jsonPath, `${JSON.stringify({ date: new Date().toISOString(), node: process.version, outcomes }, null, 2)}\n`);
  console.log(`figures written to ${jsonPath}`);
}
process.exit(isOk ? 0 : 1);
