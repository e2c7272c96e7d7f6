/**
 * What a command is to the dispatcher (src/index.ts). A command module under src/commands/
 * exports `command: Command`; the dispatcher loads it only when that command runs, so
 * `leanredis --help` and every other command start without it.
 */

/** A writable text stream (process.stdout or a test's capture). */
export interface OutputStream {
  write(chunk: string): boolean;
  /** True when the stream is a terminal: progress lines and colours only then. */
  readonly isTTY?: boolean;
  /** Terminal width when it is one. */
  readonly columns?: number;
}

/** Everything a command may touch of the outside world, so tests can run it in-process. */
export interface CommandContext {
  /** Arguments after the command name (and after `--help` handling). */
  readonly argv: readonly string[];
  /** Results: the table or the JSON document, nothing else. */
  readonly stdout: OutputStream;
  /** Progress, warnings and error messages. */
  readonly stderr: OutputStream;
  /** Directory the command resolves packages and files from. */
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborted on SIGINT/SIGTERM: a command stops its children and load loops, then returns. */
  readonly signal: AbortSignal;
}

/** A doctor command. */
export interface Command {
  /** The full text of `leanredis <name> --help`: synopsis, options with defaults and units, examples. */
  readonly help: string;
  /** Runs the command and resolves with the process exit code (see exit-codes.ts). Throws CliError for errors the user can act on. */
  run(ctx: CommandContext): Promise<number>;
}
