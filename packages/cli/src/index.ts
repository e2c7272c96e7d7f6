/**
 * The doctor's front door: the command registry, `--help`/`--version`, and dispatch. Only
 * argument handling lives here; each command is a module under commands/, imported when it is
 * the one that runs, so `leanredis --help` loads nothing else.
 *
 * To add a command: write `commands/<name>.ts` exporting `command: Command` (command.ts), and
 * add one entry to {@link COMMANDS}: its synopsis, one line of summary, and the loader.
 */
import type { Command, CommandContext } from './command.js';
import { CliError } from './cli-error.js';
import { EXIT, EXIT_CODES } from './exit-codes.js';
import { DOCTOR_VERSION } from './report/json.js';

/** One registered command. */
interface Entry {
  /** Arguments as shown in the command list: `<pkg...>`. */
  readonly synopsis: string;
  /** One line for `leanredis --help`. */
  readonly summary: string;
  readonly load: () => Promise<{ command: Command }>;
}

/** Every command, in the order `--help` lists them. */
export const COMMANDS: Readonly<Record<string, Entry>> = {
  cost: {
    synopsis: '<pkg...>',
    summary: 'what importing a package costs: retained heap, external, RSS, load time, files, open handles; per dependency',
    load: () => import('./commands/cost.js'),
  },
  memory: {
    synopsis: '[--url redis://host:port]',
    summary: "where a Redis server's memory goes: biggest keys, key patterns, connection buffers, MEMORY DOCTOR",
    load: () => import('./commands/memory.js'),
  },
  bench: {
    synopsis: '[--clients a,b] [--callers n | --ramp a..b | --rate r] [--html file] | compare <a.json> <b.json>',
    summary: "load a Redis server through each client: throughput, latency percentiles, errors, the client process's heap, allocation and GC",
    load: () => import('./commands/bench.js'),
  },
  profile: {
    synopsis: '[--duration 30s] [--out dir] -- <program...>',
    summary: 'run a program with the memory watch and heap sampling preloaded: pprof file, top tables by function and package, alarms, HTML',
    load: () => import('./commands/profile.js'),
  },
  deps: {
    synopsis: 'diff <before> <after> | why <pkg>',
    summary: 'what a lockfile change brings in: versions, who brought each, duplicates, install scripts, sizes',
    load: () => import('./commands/deps.js'),
  },
};

/** The text of `leanredis --help`. */
export function generalHelp(): string {
  const names = Object.keys(COMMANDS);
  const width = Math.max(...names.map((n) => n.length));
  const lines = [
    'leanredis: the doctor for a Node service\'s memory',
    '',
    'Usage: leanredis <command> [arguments] [options]',
    '',
    'Commands:',
    ...names.flatMap((n) => [`  ${n.padEnd(width)}  ${COMMANDS[n].synopsis}`, `  ${' '.repeat(width)}    ${COMMANDS[n].summary}`]),
    '',
    'Every command takes --json (the result as one JSON document on stdout) and --help.',
    'Progress is drawn on stderr only when it is a terminal; stdout carries only the result.',
    '',
    'Options:',
    '  -h, --help     this text; `leanredis <command> --help` for a command',
    '  -v, --version  the doctor\'s version',
    '',
    'Exit codes:',
    ...EXIT_CODES.map(([code, text]) => `  ${String(code).padStart(3)}  ${text}`),
    '',
  ];
  return lines.join('\n');
}

/** Closest registered name within two edits, for "did you mean". */
function suggest(name: string): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of Object.keys(COMMANDS)) {
    const d = editDistance(name, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/**
 * Runs one command line (without `node` and the script) and resolves with the exit code.
 * Errors the user can act on are printed as one line; anything else is a bug and prints its stack.
 */
export async function main(argv: readonly string[], io: Omit<CommandContext, 'argv'>): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr.write(generalHelp());
    return EXIT.usage;
  }
  if (name === '--help' || name === '-h') {
    io.stdout.write(generalHelp());
    return EXIT.ok;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${DOCTOR_VERSION}\n`);
    return EXIT.ok;
  }
  const wantsHelp = name === 'help';
  const commandName = wantsHelp ? rest[0] : name;
  if (wantsHelp && commandName === undefined) {
    io.stdout.write(generalHelp());
    return EXIT.ok;
  }
  const entry = Object.hasOwn(COMMANDS, commandName!) ? COMMANDS[commandName!] : undefined;
  if (entry === undefined) {
    const hint = suggest(commandName!);
    io.stderr.write(`leanredis: unknown command "${commandName}"${hint ? ` (did you mean "${hint}"?)` : ''}; see leanredis --help\n`);
    return EXIT.usage;
  }
  try {
    const { command } = await entry.load();
    // --help anywhere before a bare `--` asks for the command's help, whatever else is there.
    const own = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
    if (wantsHelp || own.includes('--help') || own.includes('-h')) {
      io.stdout.write(command.help.endsWith('\n') ? command.help : `${command.help}\n`);
      return EXIT.ok;
    }
    return await command.run({ ...io, argv: rest });
  } catch (err) {
    if (io.signal.aborted) {
      io.stderr.write(`leanredis ${commandName}: interrupted\n`);
      return EXIT.interrupted;
    }
    if (err instanceof CliError) {
      io.stderr.write(`leanredis ${commandName}: ${err.message}\n`);
      if (err.exitCode === EXIT.usage) io.stderr.write(`see leanredis ${commandName} --help\n`);
      return err.exitCode;
    }
    io.stderr.write(`leanredis ${commandName}: unexpected failure, please report it with this trace:\n${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return EXIT.failure;
  }
}
