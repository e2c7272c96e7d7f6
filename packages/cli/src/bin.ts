#!/usr/bin/env node
/**
 * The `leanredis` executable: wires the process (streams, signals, exit) to {@link main}.
 * The first SIGINT/SIGTERM aborts the running command, which stops its children and returns;
 * a second one exits at once with 130.
 */
import { main } from './index.js';

const controller = new AbortController();
let interrupted = false;
const onSignal = (): void => {
  if (interrupted) process.exit(130);
  interrupted = true;
  controller.abort(new Error('interrupted'));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
// A reader that leaves early (`leanredis bench | head`) is not a failure of the doctor: without
// this, the write's EPIPE is an unhandled 'error' event and a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(process.exitCode ?? 0);
});

const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  env: process.env,
  signal: controller.signal,
});
// Commands close what they open; exitCode (rather than exit()) lets a pipe drain first.
process.exitCode = interrupted && code === 0 ? 130 : code;
process.off('SIGINT', onSignal);
process.off('SIGTERM', onSignal);
