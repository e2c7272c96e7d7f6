// @layer L3 connection
/**
 * The caller's frames on a command's error (`captureCallerStack`). An error made when the reply
 * arrives (a ReplyError, a timeout, a lost connection) is created in a socket or timer callback:
 * its stack holds only library frames. With the option on, each command captures the stack at
 * the call, structured (V8 formats it only if read), and its error's stack gets the caller's
 * frames appended, the library's own frames left out:
 *
 *   ReplyError: WRONGTYPE Operation against a key holding the wrong kind of value
 *       at ... (library frames)
 *       --- called from ---
 *       at checkout (/app/src/cart.ts:42:18)
 *
 * Off by default: capturing costs about as much as the rest of a command (docs/errors.md has
 * the figures). An error shared by every command in flight on one connection (a ProtocolError,
 * a socket timeout) gets the frames of the first command it rejects.
 */

/** A holder of a captured stack (its `stack` is formatted by V8 on first read). */
export interface CallerFrames {
  stack?: string;
}

// Where the library's own frames come from: the package's dist/ (the published bundle: every
// module is a file there) and src/ (the sources, run through tsx, and what frames of dist/ are
// mapped to under --enable-source-maps). This file is src/connection/caller-frames.ts or a
// file of dist/.
const PACKAGE = new URL(import.meta.url.endsWith('.ts') ? '../..' : '..', import.meta.url);
const LIBRARY_PATHS = ['dist/', 'src/'].flatMap((dir) => {
  const url = new URL(dir, PACKAGE);
  return [url.href, decodeURIComponent(url.pathname)];
});
const APPENDED = Symbol.for('leanredis.callerFrames');
/** Library frames above the caller's: the command's creation, the dispatcher, the method. */
const LIBRARY_DEPTH = 12;

/** Captures the current stack, structured and unformatted. `above` is left out with what it called. */
export function captureCaller(above: ((...args: never[]) => unknown) | (abstract new (...args: never[]) => unknown)): CallerFrames {
  const holder: CallerFrames = {};
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = limit + LIBRARY_DEPTH;
  Error.captureStackTrace(holder, above);
  Error.stackTraceLimit = limit;
  return holder;
}

/** The caller's frames: the captured stack without its first line and without library or Node-internal frames. */
export function callerLines(frames: CallerFrames): string[] {
  const lines = (frames.stack ?? '').split('\n').slice(1);
  return lines.filter((line) => !LIBRARY_PATHS.some((path) => line.includes(path)) && !line.includes('(node:internal/') && !line.includes(' node:internal/'));
}

/** Appends the caller's frames to `error`'s stack, once per error; returns the error. */
export function withCallerFrames(error: Error, frames: CallerFrames): Error {
  if ((error as { [APPENDED]?: true })[APPENDED] === true) return error;
  const lines = callerLines(frames);
  if (lines.length === 0) return error;
  Object.defineProperty(error, APPENDED, { value: true, enumerable: false, configurable: true });
  const stack = error.stack ?? `${error.name}: ${error.message}`;
  Object.defineProperty(error, 'stack', { value: `${stack}\n    --- called from ---\n${lines.join('\n')}`, writable: true, enumerable: false, configurable: true });
  return error;
}
