/**
 * Shared pieces of the fault-injection workloads (test/faults/*.test.ts run them with small
 * counts, the scripts in test/soak/ with the full counts of issue 4):
 *
 * - CANARY and SecretWatch: every fault workload authenticates with a canary password and
 *   scans every error, event, diagnostics_channel message, warning, inspect output and stats
 *   snapshot it produces for it (S2 over the whole suite, not only its own file).
 * - retainedHeap(): heapUsed after full GCs, two by default (no --expose-gc needed).
 * - classify(): sorts a command's rejection into "never ran", "may have run" or a violation.
 * - small helpers: percentiles, a seeded PRNG, the soak-script main (waiting: test/helpers/wait.ts).
 */
import assert from 'node:assert/strict';
import * as dc from 'node:diagnostics_channel';
import { inspect } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pathToFileURL } from 'node:url';
import { allChannels } from '../../src/internal/channels.ts';
import { CommandTimeoutError, ConnectionError, LeanRedisError, ProtocolError, QueueFullError, ReplyError, WatchConflictError, type Client } from '../../src/index.ts';
import { letRealTimePass } from '../helpers/wait.ts';

/**
 * The password every fault workload's redis-server requires. The marker is in every canary, so
 * one search finds any of them (right, wrong, rotated).
 */
export const CANARY_MARKER = 'Zq7canary';
export const CANARY = `${CANARY_MARKER}-default-5d1e`;

/** A canary with a purpose: `canary('wrong')` → 'Zq7canary-wrong-…'. */
export function canary(purpose: string): string {
  return `${CANARY_MARKER}-${purpose}-${Math.random().toString(36).slice(2, 8)}`;
}

/** redis-server arguments for a server that requires CANARY. */
export const REQUIRE_CANARY = ['--requirepass', CANARY];

// ---- secret scanning -------------------------------------------------------------------------

/** Every way a value may be printed or logged. Never throws. */
export function renderings(value: unknown): string[] {
  const out: string[] = [];
  const attempt = (fn: () => unknown): void => {
    try {
      const text = fn();
      if (typeof text === 'string') out.push(text);
    } catch {
      // A rendering that throws cannot leak.
    }
  };
  attempt(() => inspect(value, { depth: Infinity, showHidden: true }));
  attempt(() => inspect(value, { depth: Infinity, showHidden: true, customInspect: false }));
  attempt(() => JSON.stringify(value));
  attempt(() => String(value));
  if (value instanceof Error) {
    attempt(() => value.message);
    attempt(() => value.stack);
    let cause: unknown = value.cause;
    for (let depth = 0; cause !== undefined && depth < 8; depth++) {
      attempt(() => inspect(cause, { depth: Infinity, showHidden: true }));
      attempt(() => JSON.stringify(cause));
      cause = cause instanceof Error ? cause.cause : undefined;
    }
  }
  return out;
}

/**
 * Watches for canaries. `watchClient()` subscribes to a client's 'error', 'reconnecting',
 * 'ready' and 'leak' events; construction subscribes to every leanredis diagnostics_channel
 * (by the names src/internal/channels.ts creates, so a new channel is watched too) and to
 * process warnings. `check()` scans anything else (errors the workload caught, inspect
 * output, stats). Texts are scanned as they come and not kept.
 */
function withoutBatch(message: unknown): unknown {
  if (message === null || typeof message !== 'object' || !('batch' in message)) return message;
  return { ...message, batch: message.batch === undefined ? undefined : '(checked on leanredis:batch)' };
}

export class SecretWatch {
  /** Values scanned, by kind ('error', 'event', 'channel', 'stats', ...). */
  readonly scanned = new Map<string, number>();
  /** Where a canary was found, with the text around it (the canary itself masked). */
  readonly leaks: string[] = [];
  readonly #marker: string;
  readonly #unsubscribe: (() => void)[] = [];

  /** @param withCommandChannel also watch the per-command channels (leanredis:command:end, leanredis:command, leanredis:batch). @default true */
  constructor(options: { marker?: string; withCommandChannel?: boolean } = {}) {
    this.#marker = options.marker ?? CANARY_MARKER;
    for (const channel of allChannels()) {
      const name = String(channel.name);
      if (options.withCommandChannel === false && (name === 'leanredis:command:end' || name.startsWith('tracing:leanredis:command:') || name.startsWith('tracing:leanredis:batch:'))) continue;
      // A command of a pipeline points at its batch's context, which lists every command of the
      // batch: rendering it again with each of a 3,000-command pipeline's events made the watch
      // quadratic (23 s for one test). The batch context is checked on its own channel.
      const perCommand = name.startsWith('tracing:leanredis:command:') || name === 'leanredis:command:end';
      const listener = perCommand
        ? (message: unknown): void => this.check(`channel ${name}`, withoutBatch(message), 'channel')
        : (message: unknown): void => this.check(`channel ${name}`, message, 'channel');
      dc.subscribe(name, listener);
      this.#unsubscribe.push(() => dc.unsubscribe(name, listener));
    }
    const onWarning = (warning: Error): void => this.check('process warning', warning, 'warning');
    process.on('warning', onWarning);
    this.#unsubscribe.push(() => process.off('warning', onWarning));
  }

  /** Names of the diagnostics channels watched. */
  static channelNames(): string[] {
    return allChannels().map((c) => String(c.name));
  }

  /** Scans a client's events from now on. */
  watchClient<S>(client: Client<S>, label = 'client'): Client<S> {
    client.on('error', (err) => this.check(`${label} 'error' event`, err, 'event'));
    client.on('reconnecting', (info) => this.check(`${label} 'reconnecting' event`, info, 'event'));
    client.on('ready', (info) => this.check(`${label} 'ready' event`, info, 'event'));
    client.on('leak', (report) => this.check(`${label} 'leak' event`, report, 'event'));
    return client;
  }

  /** Scans every rendering of `value`. */
  check(where: string, value: unknown, kind = 'value'): void {
    this.scanned.set(kind, (this.scanned.get(kind) ?? 0) + 1);
    for (const text of renderings(value)) {
      const at = text.indexOf(this.#marker);
      if (at === -1) continue;
      if (this.leaks.length < 20) {
        const around = text.slice(Math.max(0, at - 80), at + 80).split(this.#marker).join('<CANARY>');
        this.leaks.push(`${where}: ...${around}...`);
      } else this.leaks.length++;
      return;
    }
  }

  /** Scans the client's inspect output, JSON and a stats snapshot. */
  checkClient<S>(client: Client<S>, label = 'client'): void {
    this.check(`${label} inspect/JSON`, client, 'inspect');
    this.check(`${label} stats()`, client.stats(), 'stats');
  }

  /** Total values scanned. */
  get total(): number {
    let n = 0;
    for (const v of this.scanned.values()) n += v;
    return n;
  }

  /** Stops watching channels and warnings (client listeners go with their clients). */
  close(): void {
    for (const off of this.#unsubscribe.splice(0)) off();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

// ---- outcomes ----------------------------------------------------------------------------------

/**
 * What a rejection says about whether the command ran:
 * - 'never': it was never written (queued and expired, queue full, connection failed) or the
 *   server refused it (a ReplyError such as LOADING or a failed handshake);
 * - 'maybe': written, then the connection died, the deadline passed or the socket timed out
 *   (it may have run);
 * - 'violation': not a typed leanredis error, or one a workload must not see.
 */
export type Verdict = 'never' | 'maybe' | 'violation';

export function classify(err: unknown): { verdict: Verdict; code: string } {
  if (!(err instanceof LeanRedisError)) return { verdict: 'violation', code: `untyped ${err instanceof Error ? err.name : typeof err}` };
  if (err instanceof CommandTimeoutError) return { verdict: err.wasWritten ? 'maybe' : 'never', code: err.wasWritten ? 'ERR_COMMAND_TIMEOUT(written)' : 'ERR_COMMAND_TIMEOUT(queued)' };
  if (err.code === 'ERR_CONNECTION_LOST_AFTER_WRITE' || err.code === 'ERR_SOCKET_TIMEOUT') return { verdict: 'maybe', code: err.code };
  if (err instanceof ConnectionError || err instanceof QueueFullError) return { verdict: 'never', code: err.code };
  if (err instanceof ReplyError) return { verdict: 'never', code: `reply ${err.code}` };
  if (err instanceof ProtocolError) return { verdict: 'maybe', code: err.code };
  // watch(): a watched key changed on every attempt; nothing was committed.
  if (err instanceof WatchConflictError) return { verdict: 'never', code: err.code };
  return { verdict: 'violation', code: err.code };
}

/** Counts by key. */
export class Tally {
  readonly counts: Record<string, number> = {};
  add(key: string, n = 1): void {
    this.counts[key] = (this.counts[key] ?? 0) + n;
  }
  get(key: string): number {
    return this.counts[key] ?? 0;
  }
}

// ---- measuring ---------------------------------------------------------------------------------

let gcFunction: (() => void) | undefined;

/** heapUsed after `gcs` full collections (a second one collects what the first left for a later pass). Works without --expose-gc. */
export function retainedHeap(gcs = 2): number {
  if (gcFunction === undefined) {
    setFlagsFromString('--expose-gc');
    gcFunction = runInNewContext('gc') as () => void;
  }
  for (let i = 0; i < gcs; i++) gcFunction();
  return process.memoryUsage().heapUsed;
}

/** The p-th percentile (0..100) of `values` (nearest rank); NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/** Rounds for printing. */
export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export const MB = 1024 * 1024;

/** A small seeded PRNG (mulberry32), so a failing fuzz run can be replayed from its seed. */
export { prng } from '../helpers/resp-fixtures.ts';

/**
 * Runs `fn` until it resolves, retrying typed connection-level failures (a server restarting,
 * LOADING) up to `attempts` times: for the workloads' own bookkeeping commands.
 */
export async function retrying<T>(fn: () => Promise<T>, attempts = 50): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      const isTransient = err instanceof ConnectionError || err instanceof CommandTimeoutError || (err instanceof ReplyError && err.code === 'LOADING');
      if (!isTransient || i >= attempts) throw err;
      await letRealTimePass(50, 'a pause between retries while the server comes back');
    }
  }
}

// ---- soak scripts ------------------------------------------------------------------------------

/** True when the module at `url` is the script node was started with. */
export function isMain(url: string): boolean {
  return process.argv[1] !== undefined && url === pathToFileURL(process.argv[1]).href;
}

/** The text after `--name` on the command line, or undefined. */
export function argText(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? undefined : process.argv[at + 1];
}

/** The number after `--name` on the command line, or `fallback`. */
export function argValue(name: string, fallback: number): number {
  const text = argText(name);
  return text === undefined ? fallback : Number(text);
}

/** `--protocol 2|3` runs one RESP version; without it, both (3 first). */
export function protocolsFromArgs(): readonly (2 | 3)[] {
  return process.argv.includes('--protocol') ? [argValue('protocol', 3) as 2 | 3] : [3, 2];
}

/** A bound a soak run checks: name, measured value, limit, and whether it held. */
export interface Bound {
  name: string;
  value: number | string;
  limit: string;
  ok: boolean;
}

/** Fails (node:assert) listing every violated bound, with the figures for the log. */
export function assertBounds(bounds: Bound[], figures: object): void {
  const failed = bounds.filter((b) => !b.ok).map((b) => `${b.name}: ${b.value} (bound: ${b.limit})`);
  assert.deepEqual(failed, [], `violated bounds; figures: ${JSON.stringify(figures)}`);
}

/**
 * Prints a soak result (a human table, then one `SOAK-RESULT {json}` line scripts/soak.mjs
 * collects) and sets the exit code: non-zero when a bound was violated.
 */
export function report(name: string, figures: object, bounds: Bound[]): void {
  console.log(`\n${name}`);
  for (const b of bounds) console.log(`  ${b.ok ? 'ok  ' : 'FAIL'} ${b.name}: ${b.value} (bound: ${b.limit})`);
  console.log(`SOAK-RESULT ${JSON.stringify({ name, ok: bounds.every((b) => b.ok), bounds, figures })}`);
  if (!bounds.every((b) => b.ok)) process.exitCode = 1;
}

/** Sets up uncaught-exception and unhandled-rejection counters (for the soak scripts). */
export function countUncaught(): { uncaught: number; unhandled: number } {
  const counts = { uncaught: 0, unhandled: 0 };
  process.on('uncaughtException', (err) => {
    counts.uncaught++;
    console.error('uncaught exception:', err);
  });
  process.on('unhandledRejection', (err) => {
    counts.unhandled++;
    console.error('unhandled rejection:', err);
  });
  return counts;
}
