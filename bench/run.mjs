#!/usr/bin/env node
/**
 * `npm run bench` (root) runs every scenario; `npm run bench -- --quick` is a fast pass.
 *
 *   --quick               shorter windows (same rounds, same clients)
 *   --rounds=N            interleaved rounds per scenario (default 3, minimum 3 unless --quick)
 *   --scenarios=a,b       only these scenarios (ids: see SCENARIOS below)
 *   --clients=a,b         only these rows (leanredis, ioredis, redis, iovalkey, glide, redis-benchmark, floor)
 *   --duration-2000=S     length of the 2,000-caller run in seconds (default 20, quick 3)
 *   --no-write            do not write results JSON (otherwise: bench/results/<id>.json for a full
 *                         run, bench/results/tmp/<id>.json for --quick or --clients runs)
 *
 * Environment: REDIS_URL (use that server instead of starting one), REDIS_SERVER (binary),
 * BENCH_NODE_FLAGS (extra flags for every measuring child), BENCH_2000_SECONDS.
 *
 * Starts its own redis-server on a free loopback port unless REDIS_URL is set. Progress goes to
 * stderr, the Markdown report to stdout.
 */
import { pathToFileURL, fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { startServer } from './lib/server.mjs';
import { runScenario, renderTable, machineInfo, clientVersions, progress } from './lib/harness.mjs';
import { SCENARIOS } from './scenarios/index.mjs';

const here = dirname(fileURLToPath(import.meta.url));

function parseArgs(argv) {
  /** @type {{ quick: boolean; rounds: number; scenarios: string[]; clients: string[] | undefined; write: boolean; duration2000: number | undefined }} */
  const opts = { quick: false, rounds: 3, scenarios: SCENARIOS, clients: undefined, write: true, duration2000: undefined };
  for (const a of argv) {
    const [k, v] = a.replace(/^--/, '').split('=');
    if (k === 'quick') opts.quick = true;
    else if (k === 'rounds') opts.rounds = Number(v);
    else if (k === 'scenarios') opts.scenarios = v.split(',');
    else if (k === 'clients') opts.clients = v.split(',');
    else if (k === 'no-write') opts.write = false;
    else if (k === 'duration-2000') opts.duration2000 = Number(v);
    else if (k === 'help' || k === 'h') {
      console.log('usage: node bench/run.mjs [--quick] [--rounds=N] [--scenarios=a,b] [--clients=a,b] [--duration-2000=S] [--no-write]');
      console.log(`scenarios: ${SCENARIOS.join(', ')}`);
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  for (const s of opts.scenarios) if (!SCENARIOS.includes(s)) throw new Error(`unknown scenario ${s}; known: ${SCENARIOS.join(', ')}`);
  if (!Number.isInteger(opts.rounds) || opts.rounds < 1) throw new Error('--rounds must be a positive integer');
  if (opts.duration2000 !== undefined) process.env.BENCH_2000_SECONDS = String(opts.duration2000);
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
const server = await startServer();
const info = machineInfo(server);
progress(`bench: ${info.cpu}, ${info.cores} cores, Node ${info.node}, redis-server ${info.redisServer} at ${server.host}:${server.port}${server.external ? ' (REDIS_URL)' : ''}`);
progress(`bench: ${Object.values(clientVersions()).join(', ')}`);
const tables = [];
try {
  let i = 0;
  for (const id of opts.scenarios) {
    i++;
    const file = join(here, 'scenarios', `${id}.mjs`);
    const scenario = { ...(await import(pathToFileURL(file).href)).default, file: pathToFileURL(file).href };
    const doc = await runScenario(scenario, { server, rounds: opts.rounds, quick: opts.quick, clients: opts.clients, write: opts.write, index: i, total: opts.scenarios.length });
    const md = scenario.render ? scenario.render(doc) : renderTable(doc);
    tables.push(md);
    console.log(`${md}\n`);
  }
} finally {
  await server.stop();
}
