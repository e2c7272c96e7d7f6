// @layer L6 client
/**
 * A consumer group member as an async iterator: `for await (const m of client.streamConsumer(
 * { stream, group, consumer })) { ...; await m.ack(); }`.
 *
 * State machine of `next()`, which holds at most one batch (`batchSize` entries) in memory:
 *   history  re-read this consumer's own pending entries (XREADGROUP ... 0), left by a crash or
 *            a lost connection; entries deleted meanwhile are acknowledged and skipped
 *   claim    every claimIdleMs/2, take over entries other consumers left pending longer than
 *            claimIdleMs (XAUTOCLAIM, scanning the pending list a batch at a time)
 *   new      read new entries (XREADGROUP ... >), blocking up to blockMs on a leased connection
 * Delivery is at least once: an entry is pending until `ack()`, and is delivered again (to this
 * consumer after a lost connection, to another one once idle) if it never is.
 *
 * A lost connection or a timeout is retried after a short backoff, going back to `history`
 * (the read that failed may have been delivered). `close()` (or breaking out of the loop, or
 * the `signal`) aborts a read in progress and ends the iteration.
 */
import { ArgumentError, LeanRedisError } from '../errors.js';
import type { Key } from '../commands/define.js';
import type { StreamGroupEntries } from '../commands/stream-groups.js';
import type { AutoClaimed } from '../commands/stream-groups.js';
import type { Runner } from './runner.js';

export interface StreamConsumerOptions {
  /** The stream to read. */
  stream: Key;
  /** The consumer group. */
  group: string;
  /** This consumer's name within the group (unique per process, e.g. host and pid). */
  consumer: string;
  /** Create the group (and the stream) when it does not exist. @default true */
  createGroup?: boolean;
  /** Where a group created here starts: "$" only new entries, "0" every entry. @default "$" */
  startId?: string;
  /** Entries read at once; at most this many are held in memory. @default 10 */
  batchSize?: number;
  /** How long one read waits for new entries before trying again. @default 5000 (ms) */
  blockMs?: number;
  /** Take over entries other consumers left pending at least this long (XAUTOCLAIM); 0 never. @default 60000 (ms) */
  claimIdleMs?: number;
  /** Deliver this consumer's own pending entries first (those of a previous run). @default true */
  recoverPending?: boolean;
  /** Ends the iteration when aborted. */
  signal?: AbortSignal;
}

/** One delivered entry. */
export interface StreamMessage<S = string> {
  stream: string;
  id: string;
  fields: Record<string, S>;
  /** Where it came from: this consumer's pending list, claimed from another consumer, or new. */
  source: 'pending' | 'claimed' | 'new';
  /** Acknowledges it (XACK): it leaves the pending list and is never delivered again. */
  ack(): Promise<void>;
}

/** What a consumer did so far. */
export interface StreamConsumerStats {
  delivered: number;
  acknowledged: number;
  claimed: number;
  /** Reads retried after a lost connection or a timeout. */
  retries: number;
}

const OPTIONS = new Set(['stream', 'group', 'consumer', 'createGroup', 'startId', 'batchSize', 'blockMs', 'claimIdleMs', 'recoverPending', 'signal']);
// Errors after which the read is retried (it may or may not have been delivered: history covers both).
const TRANSIENT = new Set(['ERR_CONNECTION_LOST', 'ERR_CONNECTION_LOST_AFTER_WRITE', 'ERR_CONNECTION_FAILED', 'ERR_SOCKET_TIMEOUT', 'ERR_CONNECT_TIMEOUT', 'ERR_COMMAND_TIMEOUT', 'ERR_POOL_TIMEOUT', 'LOADING']);
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 2000;

function fail(message: string): never {
  const error = new ArgumentError(`streamConsumer: ${message}`, 'ERR_INVALID_OPTION');
  error.command = 'XREADGROUP';
  throw error;
}

function positiveInteger(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || (value as number) < min) fail(`option "${name}" must be an integer >= ${min}, got ${typeof value === 'number' ? value : typeof value}`);
  return value as number;
}

type Phase = 'history' | 'claim' | 'new';

export class StreamConsumer<S = string> implements AsyncIterable<StreamMessage<S>> {
  readonly #runner: Runner<S>;
  /** The runner with this consumer's abort signal, for reads (a blocked one ends on close()). */
  readonly #reader: Runner<S>;
  readonly #stream: Key;
  readonly #streamName: string;
  readonly #group: string;
  readonly #consumer: string;
  readonly #createGroup: boolean;
  readonly #startId: string;
  readonly #batchSize: number;
  readonly #blockMs: number;
  readonly #claimIdleMs: number;
  readonly #abort = new AbortController();
  readonly #buffer: StreamMessage<S>[] = [];
  #phase: Phase;
  #historyId = '0';
  #claimCursor = '0-0';
  #nextClaimAt = 0;
  #isReady = false;
  #isClosed = false;
  #retryMs = RETRY_MIN_MS;
  readonly #stats: StreamConsumerStats = { delivered: 0, acknowledged: 0, claimed: 0, retries: 0 };

  /** `withSignal` gives the client's commands with an AbortSignal (`client.with({ signal })`). */
  constructor(runner: Runner<S>, withSignal: (signal: AbortSignal) => Runner<S>, options: StreamConsumerOptions) {
    if (typeof options !== 'object' || options === null) fail('expected an options object');
    for (const key of Object.keys(options)) if (!OPTIONS.has(key)) fail(`unknown option "${key}"; accepted: ${[...OPTIONS].join(', ')}`);
    const { stream, group, consumer, signal } = options;
    if (typeof stream !== 'string' && !Buffer.isBuffer(stream)) fail('option "stream" must be a string or a Buffer');
    if (typeof group !== 'string' || group === '') fail('option "group" must be a non-empty string');
    if (typeof consumer !== 'string' || consumer === '') fail('option "consumer" must be a non-empty string');
    if (options.createGroup !== undefined && typeof options.createGroup !== 'boolean') fail('option "createGroup" must be true or false');
    if (options.recoverPending !== undefined && typeof options.recoverPending !== 'boolean') fail('option "recoverPending" must be true or false');
    if (options.startId !== undefined && typeof options.startId !== 'string') fail('option "startId" must be a string');
    if (signal !== undefined && !(signal instanceof AbortSignal)) fail('option "signal" must be an AbortSignal');
    this.#runner = runner;
    this.#reader = withSignal(this.#abort.signal);
    this.#stream = stream;
    this.#streamName = stream.toString();
    this.#group = group;
    this.#consumer = consumer;
    this.#createGroup = options.createGroup ?? true;
    this.#startId = options.startId ?? '$';
    this.#batchSize = positiveInteger('batchSize', options.batchSize, 10, 1);
    this.#blockMs = positiveInteger('blockMs', options.blockMs, 5000, 1);
    this.#claimIdleMs = positiveInteger('claimIdleMs', options.claimIdleMs, 60_000, 0);
    this.#phase = (options.recoverPending ?? true) ? 'history' : 'new';
    if (signal !== undefined) {
      if (signal.aborted) this.close();
      else signal.addEventListener('abort', () => this.close(), { once: true });
    }
  }

  /** Entries delivered, acknowledged and claimed so far. */
  get stats(): StreamConsumerStats {
    return { ...this.#stats };
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  /** Acknowledges entries by id (XACK); `message.ack()` does the same for one. */
  async ack(ids: string | readonly string[]): Promise<number> {
    const n = await this.#runner.xAck(this.#stream, this.#group, ids);
    this.#stats.acknowledged += n;
    return n;
  }

  /** Stops: a read in progress is aborted, the iteration ends. Unacknowledged entries stay pending. */
  close(): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#buffer.length = 0;
    this.#abort.abort();
  }

  [Symbol.asyncIterator](): AsyncIterator<StreamMessage<S>> {
    return {
      next: () => this.#next(),
      return: async () => {
        this.close();
        return { value: undefined, done: true };
      },
    };
  }

  async #next(): Promise<IteratorResult<StreamMessage<S>>> {
    while (!this.#isClosed) {
      const buffered = this.#buffer.shift();
      if (buffered !== undefined) {
        this.#stats.delivered++;
        return { value: buffered, done: false };
      }
      try {
        if (!this.#isReady) await this.#ensureGroup();
        await this.#fill();
        this.#retryMs = RETRY_MIN_MS;
      } catch (err) {
        if (this.#isClosed) break;
        if (!(err instanceof LeanRedisError) || !TRANSIENT.has(err.code)) throw err;
        // The read may have been delivered before the connection went: read our history again.
        this.#stats.retries++;
        this.#phase = 'history';
        this.#historyId = '0';
        await this.#pause(this.#retryMs);
        this.#retryMs = Math.min(this.#retryMs * 2, RETRY_MAX_MS);
      }
    }
    return { value: undefined, done: true };
  }

  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#abort.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
    });
  }

  async #ensureGroup(): Promise<void> {
    if (this.#createGroup) {
      try {
        await this.#runner.xGroupCreate(this.#stream, this.#group, this.#startId, { mkStream: true });
      } catch (err) {
        // BUSYGROUP: it exists, which is what we wanted.
        if (!(err instanceof LeanRedisError) || err.code !== 'BUSYGROUP') throw err;
      }
    }
    this.#isReady = true;
  }

  /** One step of the state machine: fills the buffer (or moves to the next phase). */
  async #fill(): Promise<void> {
    if (this.#phase === 'history') {
      const read = await this.#read(this.#historyId, undefined);
      const entries = read?.[0]?.entries ?? [];
      if (entries.length === 0) {
        this.#phase = this.#claimIdleMs > 0 ? 'claim' : 'new';
        return;
      }
      this.#historyId = entries[entries.length - 1].id;
      const deleted: string[] = [];
      for (const e of entries) {
        if (e.fields === null) deleted.push(e.id);
        else this.#buffer.push(this.#message(e.id, e.fields as unknown as Record<string, S>, 'pending'));
      }
      // Deleted while pending: nothing left to process, so they leave the pending list.
      if (deleted.length > 0) await this.ack(deleted);
      return;
    }
    if (this.#phase === 'claim') {
      this.#phase = 'new';
      if (performance.now() < this.#nextClaimAt) return;
      const claimed = (await this.#runner.xAutoClaim(this.#stream, this.#group, this.#consumer, this.#claimIdleMs, this.#claimCursor, { count: this.#batchSize })) as unknown as AutoClaimed;
      this.#claimCursor = claimed.nextId;
      // A complete scan waits half the idle time before the next; a partial one continues next turn.
      if (claimed.nextId === '0-0') this.#nextClaimAt = performance.now() + this.#claimIdleMs / 2;
      for (const e of claimed.entries) this.#buffer.push(this.#message(e.id, e.fields as unknown as Record<string, S>, 'claimed'));
      this.#stats.claimed += claimed.entries.length;
      return;
    }
    const read = await this.#read('>', this.#blockMs);
    if (this.#claimIdleMs > 0) this.#phase = 'claim';
    for (const e of read?.[0]?.entries ?? []) {
      if (e.fields !== null) this.#buffer.push(this.#message(e.id, e.fields as unknown as Record<string, S>, 'new'));
    }
  }

  #read(id: string, blockMs: number | undefined): Promise<StreamGroupEntries[] | null> {
    const offsets: [Key, string][] = [[this.#stream, id]];
    const options = blockMs === undefined ? { count: this.#batchSize } : { count: this.#batchSize, blockMs };
    return this.#reader.xReadGroup(this.#group, this.#consumer, offsets, options) as unknown as Promise<StreamGroupEntries[] | null>;
  }

  #message(id: string, fields: Record<string, S>, source: StreamMessage['source']): StreamMessage<S> {
    const ack = async (): Promise<void> => {
      await this.ack(id);
    };
    return { stream: this.#streamName, id, fields, source, ack };
  }
}
