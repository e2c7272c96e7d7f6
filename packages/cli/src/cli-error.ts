/**
 * The one error the commands throw on purpose. It carries the exit code and a stable `code`
 * (listed in docs/CLI.md); the dispatcher prints its message, without a stack, and exits with it.
 * Any other error is a bug: the dispatcher prints its stack and exits with {@link EXIT.failure}.
 */
import { EXIT, type ExitCode } from './exit-codes.js';

/** Stable codes of the doctor's errors; scripts may branch on them, the messages may change. */
export type CliErrorCode =
  | 'ERR_CLI_USAGE'
  | 'ERR_CLI_UNKNOWN_COMMAND'
  | 'ERR_CLI_NOT_FOUND'
  | 'ERR_CLI_BAD_INPUT'
  | 'ERR_CLI_UNREACHABLE'
  | 'ERR_CLI_CHILD_FAILED';

const EXIT_BY_CODE: Record<CliErrorCode, ExitCode> = {
  ERR_CLI_USAGE: EXIT.usage,
  ERR_CLI_UNKNOWN_COMMAND: EXIT.usage,
  ERR_CLI_NOT_FOUND: EXIT.unavailable,
  ERR_CLI_BAD_INPUT: EXIT.unavailable,
  ERR_CLI_UNREACHABLE: EXIT.unavailable,
  ERR_CLI_CHILD_FAILED: EXIT.failure,
};

/** An error the user can act on: printed as one message, the process exits with {@link exitCode}. */
export class CliError extends Error {
  /** Stable code, e.g. `ERR_CLI_USAGE`. */
  readonly code: CliErrorCode;
  /** The process exit code this error maps to. */
  readonly exitCode: ExitCode;

  constructor(code: CliErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
    this.code = code;
    this.exitCode = EXIT_BY_CODE[code];
  }
}

/** A usage error (exit 2): unknown option, missing argument, malformed value. */
export function usageError(message: string): CliError {
  return new CliError('ERR_CLI_USAGE', message);
}
