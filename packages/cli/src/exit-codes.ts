/**
 * The doctor's exit codes. Scripts and CI branch on these, so a number keeps its meaning once
 * published; `leanredis --help` and docs/CLI.md list them from {@link EXIT_CODES}.
 */

/** Exit code by name. */
export const EXIT = {
  /** The command did what it was asked and every check passed. */
  ok: 0,
  /** The command failed: an unexpected error (a bug, a crash of a child process). */
  failure: 1,
  /** Bad usage: unknown command or option, a missing or malformed argument. */
  usage: 2,
  /** An input is unreachable: a package that does not resolve, a lockfile that does not exist or does not parse, a server that does not answer. */
  unavailable: 3,
  /** Measured, but the runs disagree by more than the spread threshold: do not trust the figures. */
  noisy: 4,
  /** Measured, and a check failed: a threshold exceeded or a significant regression found. */
  checkFailed: 5,
  /** Stopped by SIGINT/SIGTERM (Ctrl-C) after cleaning up; 128 + SIGINT, as shells report it. */
  interrupted: 130,
} as const;

/** One of the exit codes above. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The codes with one line each, in order, for `--help` and docs/CLI.md. */
export const EXIT_CODES: ReadonlyArray<readonly [ExitCode, string]> = [
  [EXIT.ok, 'success'],
  [EXIT.failure, 'unexpected failure (a bug or a crashed child process)'],
  [EXIT.usage, 'bad usage: unknown command or option, malformed argument'],
  [EXIT.unavailable, 'an input is unavailable: package not resolvable, lockfile missing or unreadable, server unreachable'],
  [EXIT.noisy, 'measured, but the spread between runs exceeds the threshold (--max-spread)'],
  [EXIT.checkFailed, 'measured, and a check failed (threshold exceeded, significant regression)'],
  [EXIT.interrupted, 'interrupted (Ctrl-C or SIGTERM); children and servers were stopped'],
];
