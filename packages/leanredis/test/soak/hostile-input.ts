/**
 * R3: hostile input. Issue 4: "at least 10^6 random, mutated and randomly chunked inputs in the
 * soak run (10^5 in npm test): only typed ProtocolErrors, every pending command settles within
 * 100 ms, heap growth bounded."
 *
 *   node --import tsx packages/leanredis/test/soak/hostile-input.ts [--decoder N] [--client N]
 *
 * Two layers, because a real socket per input costs about a millisecond:
 *   1. the decoder itself: fuzzDecoder() from test/helpers/resp-fuzz.ts (the unit suite's loop:
 *      mutated inputs under random limits, whole and cut at random, only ProtocolErrors, same
 *      verdict however cut, heap bounded) with N inputs;
 *   2. a real client against the hostile server (runR3Client below): each step, one client sends
 *      1 to 3 commands in one write; the server answers the first with one hostile input,
 *      written in 1 to 5 chunks (a setImmediate apart, Nagle off) and then hangs up. Every
 *      command must settle with a value, a ReplyError (the input was an error frame), a
 *      ProtocolError (ERR_PROTOCOL, not the decoder's "decoder failed" wrapper of an internal
 *      exception) or ERR_CONNECTION_LOST_AFTER_WRITE (the input stopped mid-frame), within
 *      100 ms of the last hostile byte. Read-only commands are retryable by design: after a lost
 *      connection they are sent again, and the server then answers them plausibly.
 *
 * Inputs: fixture replies, random RESP2/RESP3 values (fast-check's topLevelArb, serialized by the
 * reference serializer), random bytes and RESP-alphabet noise, each with 0-3 mutations (bit flip,
 * truncation, insertion, deletion, a duplicated header line, a hostile number such as 4294967296),
 * plus the rival-failure shapes (huge aggregate header, deep nesting, invalid type byte, huge
 * bulk header, unsolicited extra reply). Clients use default limits, tight limits (maxDepth 4,
 * maxAggregateLength 16 (the HELLO reply has 14 elements), maxBulkBytes 64) and returnBuffers, under RESP2 and RESP3.
 */
import fc from 'fast-check';
import { ConnectionError, createClient, ProtocolError, ReplyError, type BufferClientOptions, type Client, type ClientOptions } from '../../src/index.ts';
import { plausibleReply, startHostileServer, type HostileServer } from '../helpers/hostile-server.ts';
import { FIXTURES } from '../helpers/resp-fixtures.ts';
import { fuzzDecoder, serialize, topLevelArb } from '../helpers/resp-fuzz.ts';
import { CANARY, MB, SecretWatch, type Bound, Tally, countUncaught, isMain, argValue, percentile, prng, report, retainedHeap, round } from './soak-kit.ts';
import { waitFor } from '../helpers/wait.ts';

// ---- inputs ------------------------------------------------------------------------------------

const RESP_ALPHABET = Buffer.from('\r\n$*%~|>:+-_#,(!=.?;0123456789abc', 'latin1');
const HOSTILE_NUMBERS = ['-1', '-2', '0', '1', '3', '65', '1025', '268435456', '4294967296', '9007199254740993', '99999999999999999999', '1e3', ''];
const RIVAL_SHAPES = [
  Buffer.from('*4294967296\r\n'),
  Buffer.from(`${'*1\r\n'.repeat(200)}:1\r\n`),
  Buffer.from('@oops\r\n'),
  Buffer.from('$536870912\r\n'),
  Buffer.from('$536870913\r\n'),
  Buffer.from('+OK\r\n:42\r\n'),
  Buffer.from('%4294967296\r\n'),
  Buffer.from(`${'|1\r\n+a\r\n:1\r\n'.repeat(100)}:1\r\n`),
];

/** A deterministic stream of hostile inputs, each cut into chunks. */
export class HostileInputs {
  readonly #random: () => number;
  readonly #values: Buffer[];

  constructor(seed: number, valuePool = 2000) {
    this.#random = prng(seed);
    this.#values = fc.sample(fc.array(topLevelArb, { minLength: 1, maxLength: 3 }), { numRuns: valuePool, seed }).map((nodes) => Buffer.concat(nodes.map(serialize)));
  }

  #int(n: number): number {
    return Math.floor(this.#random() * n);
  }

  #base(): Buffer {
    const pick = this.#random();
    if (pick < 0.3) return FIXTURES[this.#int(FIXTURES.length)].bytes;
    if (pick < 0.8) return this.#values[this.#int(this.#values.length)];
    if (pick < 0.88) return Buffer.from(Array.from({ length: 1 + this.#int(48) }, () => this.#int(256)));
    if (pick < 0.95) return Buffer.from(Array.from({ length: 1 + this.#int(48) }, () => RESP_ALPHABET[this.#int(RESP_ALPHABET.length)]));
    return RIVAL_SHAPES[this.#int(RIVAL_SHAPES.length)];
  }

  #mutate(input: Buffer): Buffer {
    const at = this.#int(input.length + 1);
    switch (this.#int(6)) {
      case 0: {
        if (input.length === 0) return input;
        const out = Buffer.from(input);
        out[at % input.length] ^= 1 << this.#int(8);
        return out;
      }
      case 1:
        return input.subarray(0, at);
      case 2: {
        const extra = Buffer.from(Array.from({ length: 1 + this.#int(6) }, () => RESP_ALPHABET[this.#int(RESP_ALPHABET.length)]));
        return Buffer.concat([input.subarray(0, at), extra, input.subarray(at)]);
      }
      case 3:
        return Buffer.concat([input.subarray(0, at), input.subarray(at + 1 + this.#int(8))]);
      case 4: {
        const start = input.lastIndexOf(10, at - 1) + 1;
        const end = input.indexOf(10, start);
        if (end < 0) return input;
        return Buffer.concat([input.subarray(0, end + 1), input.subarray(start, end + 1), input.subarray(end + 1)]);
      }
      default: {
        let i = at;
        while (i < input.length && (input[i] < 48 || input[i] > 57)) i++;
        if (i >= input.length) return input;
        let j = i;
        while (j < input.length && input[j] >= 48 && input[j] <= 57) j++;
        return Buffer.concat([input.subarray(0, i), Buffer.from(HOSTILE_NUMBERS[this.#int(HOSTILE_NUMBERS.length)]), input.subarray(j)]);
      }
    }
  }

  /** The next input, as the chunks to write. */
  next(): Buffer[] {
    let input = this.#base();
    for (let m = this.#int(4); m > 0; m--) input = this.#mutate(input);
    if (input.length === 0) input = Buffer.from('\r\n');
    const cuts = new Set<number>();
    for (let n = this.#int(5); n > 0; n--) cuts.add(1 + this.#int(Math.max(1, input.length - 1)));
    const offsets = [...cuts].filter((o) => o < input.length).sort((a, b) => a - b);
    const chunks: Buffer[] = [];
    let from = 0;
    for (const o of offsets) {
      chunks.push(input.subarray(from, o));
      from = o;
    }
    chunks.push(input.subarray(from));
    return chunks;
  }

  /** A number in [0, n), from the same seeded stream. */
  pick(n: number): number {
    return this.#int(n);
  }
}

// ---- through a real client -----------------------------------------------------------------------

export interface R3ClientOptions {
  /** Steps (one hostile input each) in all. */
  inputs: number;
  protocol: 2 | 3;
  /** Clients stepping at once, each with its own limits. @default 4 */
  concurrency?: number;
  /** Also send typed commands (whose reply transforms see the hostile value). @default false: call() only */
  withTypedCommands?: boolean;
  seed?: number;
  /**
   * The clients' deadline. A deadline that passes before the hostile bytes were even read (a
   * starved machine) shows up as a violation (ERR_COMMAND_TIMEOUT). @default 2000 (ms)
   */
  commandTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface R3ClientResult {
  protocol: 2 | 3;
  inputs: number;
  commands: number;
  durationMs: number;
  outcomes: Record<string, number>;
  /** Rejections that were not a typed error allowed here, with examples. */
  violations: Record<string, number>;
  violationExamples: string[];
  /** Settle time minus the moment the last hostile byte was written (ms). */
  settle: { p50: number; p99: number; max: number };
  /** Commands that settled more than 100 ms after the hostile bytes. */
  slowSettles: number;
  slowExamples: string[];
  heapGrowthBytes: number;
  secrets: { scanned: number; leaks: string[] };
}

/** Client limits the workers rotate through. */
// The lowest limits the options accept (the handshake reply must stay decodable).
const LIMITS: (ClientOptions | Omit<BufferClientOptions, 'url'>)[] = [{}, { maxDepth: 4, maxAggregateLength: 64, maxBulkBytes: 1024 }, { returnBuffers: true }, { maxDepth: 4, returnBuffers: true }];

interface Step {
  /** When the hostile bytes were all written (or the connection dropped first); 0 until then. */
  doneAt: number;
  chunks: Buffer[];
}

/** Commands a step may send; the step id is always their first argument. */
function commandsFor(c: Client, id: string, kind: number, isTyped: boolean): Promise<unknown> {
  if (!isTyped) return kind % 2 === 0 ? c.call('FUZZ', id) : c.call('FUZZW', id, 'x');
  switch (kind % 8) {
    case 0:
      return c.call('FUZZ', id);
    case 1:
      return c.incr(id);
    case 2:
      return c.get(id);
    case 3:
      return c.hGetAll(id);
    case 4:
      return c.zRangeWithScores(id, 0, -1);
    case 5:
      return c.scan(id);
    case 6:
      return c.hSet(id, { f: 'v' });
    default:
      return c.type(id);
  }
}

/**
 * What a caller may see from a hostile server: a ReplyError (the input was an error frame), a
 * ProtocolError (the decoder failed while the command was in flight), or
 * ERR_CONNECTION_LOST_AFTER_WRITE whose cause is the server's hang-up. A ProtocolError that
 * wraps an exception the decoder did not raise itself ("decoder failed") is a violation.
 */
export function judge(err: unknown): { code: string; isAllowed: boolean } {
  const isOwnProtocolError = (e: unknown): boolean => e instanceof ProtocolError && e.code === 'ERR_PROTOCOL' && !e.message.startsWith('decoder failed');
  if (err instanceof ReplyError) return { code: 'ReplyError', isAllowed: true };
  if (err instanceof ProtocolError) return { code: 'ERR_PROTOCOL', isAllowed: isOwnProtocolError(err) };
  if (err instanceof ConnectionError && err.code === 'ERR_CONNECTION_LOST_AFTER_WRITE') {
    const cause = err.cause;
    if (cause instanceof ProtocolError) return { code: 'ERR_CONNECTION_LOST_AFTER_WRITE (cause ERR_PROTOCOL)', isAllowed: isOwnProtocolError(cause) };
    if (cause instanceof ConnectionError) return { code: `ERR_CONNECTION_LOST_AFTER_WRITE (cause ${cause.code})`, isAllowed: true };
    return { code: 'ERR_CONNECTION_LOST_AFTER_WRITE (other cause)', isAllowed: false };
  }
  const code = (err as { code?: unknown })?.code;
  return { code: typeof code === 'string' ? code : `untyped ${(err as Error)?.name ?? typeof err}`, isAllowed: false };
}

export async function runR3Client(options: R3ClientOptions): Promise<R3ClientResult> {
  const { protocol } = options;
  const concurrency = options.concurrency ?? 4;
  const isTyped = options.withTypedCommands === true;
  const inputs = new HostileInputs(options.seed ?? 3);
  const log = options.log ?? (() => {});
  const steps = new Map<string, Step>();
  const watch = new SecretWatch();
  let server: HostileServer | undefined;
  const clients: Client[] = [];
  try {
    server = await startHostileServer(
      async (command, connection) => {
        const step = steps.get(command.args[0] ?? '');
        if (step === undefined) {
          connection.write(plausibleReply(command, connection.protocol));
          return;
        }
        if (step.doneAt !== 0) {
          // A read-only command sent again after its connection was lost: answer it plainly.
          connection.write(plausibleReply(command, connection.protocol));
          return;
        }
        connection.socket.setNoDelay(true);
        for (let k = 0; k < step.chunks.length && !connection.isClosed; k++) {
          if (k > 0) await new Promise((resolve) => setImmediate(resolve));
          connection.write(step.chunks[k]);
        }
        step.doneAt = performance.now();
        connection.end();
      },
      { password: CANARY, maxRecordedCommands: 100 },
    );
    const url = server.url;
    const outcomes = new Tally();
    const violations = new Tally();
    const violationExamples: string[] = [];
    const settles: number[] = [];
    let slowSettles = 0;
    const slowExamples: string[] = [];
    let commands = 0;
    let nextStep = 0;

    // The heap baseline is taken once the first 10% of inputs ran (lazy modules loaded, JIT warm).
    const warmUpSteps = Math.floor(options.inputs / 10);
    let heapBefore = warmUpSteps === 0 ? retainedHeap() : Number.NaN;
    const started = performance.now();
    async function worker(w: number): Promise<void> {
      const limits = LIMITS[w % LIMITS.length];
      // Buffer clients too: the methods are the same, only bulk replies differ.
      const client = createClient({ url, password: CANARY, protocol, commandTimeoutMs: options.commandTimeoutMs ?? 2000, reconnectBaseDelayMs: 20, ...limits } as ClientOptions);
      clients.push(client);
      let losses = 0;
      client.on('reconnecting', () => losses++);
      watch.watchClient(client, `worker ${w}`);
      while (nextStep < options.inputs) {
        if (nextStep === warmUpSteps && warmUpSteps > 0) heapBefore = retainedHeap();
        const id = `s${nextStep++}`;
        const step: Step = { doneAt: 0, chunks: inputs.next() };
        steps.set(id, step);
        const lossesBefore = losses;
        const count = 1 + inputs.pick(3);
        const kinds = Array.from({ length: count }, () => inputs.pick(8));
        const settledAt: number[] = [];
        await Promise.all(
          kinds.map((kind, n) =>
            commandsFor(client, id, kind, isTyped).then(
              () => {
                settledAt[n] = performance.now();
                outcomes.add('value');
              },
              (err: unknown) => {
                settledAt[n] = performance.now();
                watch.check('rejection', err, 'error');
                const verdict = judge(err);
                outcomes.add(verdict.code);
                if (!verdict.isAllowed) {
                  violations.add(verdict.code);
                  if (violationExamples.length < 10) {
                    violationExamples.push(`${verdict.code}: ${String((err as Error)?.message ?? err).slice(0, 120)} (input ${JSON.stringify(Buffer.concat(step.chunks).toString('latin1').slice(0, 80))})`);
                  }
                }
              },
            ),
          ),
        );
        commands += count;
        const doneAt = step.doneAt === 0 ? performance.now() : step.doneAt;
        for (const at of settledAt) {
          const delay = at - doneAt;
          settles.push(delay);
          if (delay > 100) {
            slowSettles++;
            if (slowExamples.length < 5) slowExamples.push(`${round(delay)} ms after ${JSON.stringify(Buffer.concat(step.chunks).toString('latin1').slice(0, 80))} in ${step.chunks.length} chunks (${JSON.stringify(LIMITS[w % LIMITS.length])})`);
          }
        }
        // The server hangs up after every input: wait for this client to see it, so the next
        // step starts on a fresh connection instead of racing the FIN.
        await waitFor(() => losses > lossesBefore, { message: 'the connection to drop', timeoutMs: 2000, intervalMs: 1 }).catch(() => {});
        steps.delete(id);
        if (nextStep % 10_000 < concurrency) log(`${nextStep} inputs`);
      }
    }
    await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
    const durationMs = performance.now() - started;
    for (const c of clients) c.destroy();
    const heapGrowthBytes = retainedHeap() - heapBefore;
    for (const c of clients) watch.checkClient(c, 'worker');
    return {
      protocol,
      inputs: options.inputs,
      commands,
      durationMs: round(durationMs, 0),
      outcomes: outcomes.counts,
      violations: violations.counts,
      violationExamples,
      settle: { p50: round(percentile(settles, 50)), p99: round(percentile(settles, 99)), max: round(Math.max(...settles)) },
      slowSettles,
      slowExamples,
      heapGrowthBytes,
      secrets: { scanned: watch.total, leaks: watch.leaks },
    };
  } finally {
    watch.close();
    for (const c of clients) c.destroy();
    await server?.close();
  }
}

/** The bounds of R3 (issue 4: settle within 100 ms); the npm test passes wider ones for a busy machine. */
export function r3ClientBounds(r: R3ClientResult, limits = { settleMs: 100, heapMB: 16 }): Bound[] {
  return [
    { name: 'rejections other than ProtocolError, ReplyError, LOST_AFTER_WRITE', value: JSON.stringify(r.violations), limit: '{}', ok: Object.keys(r.violations).length === 0 },
    { name: 'settle delay after the hostile bytes, max (ms)', value: r.settle.max, limit: `<= ${limits.settleMs}`, ok: r.settle.max <= limits.settleMs },
    { name: 'retained heap growth (MB)', value: round(r.heapGrowthBytes / MB), limit: `<= ${limits.heapMB}`, ok: r.heapGrowthBytes <= limits.heapMB * MB },
    { name: 'canary leaks', value: r.secrets.leaks.length, limit: '0', ok: r.secrets.leaks.length === 0 },
  ];
}

if (isMain(import.meta.url)) {
  const uncaught = countUncaught();
  const decoderInputs = argValue('decoder', 1_000_000);
  const clientInputs = argValue('client', 50_000);
  if (decoderInputs > 0) {
    const heapBefore = retainedHeap();
    const started = performance.now();
    let outcome: { clean: number; rejected: number } | undefined;
    let failure: string | undefined;
    try {
      outcome = fuzzDecoder(decoderInputs, 64 * MB);
    } catch (err) {
      failure = String(err).slice(0, 2000);
    }
    const grown = retainedHeap() - heapBefore;
    const figures = { inputs: decoderInputs, durationMs: round(performance.now() - started, 0), ...outcome, retainedHeapGrowthBytes: grown, failure };
    report(`R3 decoder: ${decoderInputs} mutated, randomly cut inputs (fuzzDecoder)`, figures, [
      { name: 'inputs that produced anything but values or a ProtocolError', value: failure === undefined ? 0 : 'see failure', limit: '0', ok: failure === undefined },
      { name: 'retained heap growth (MB)', value: round(grown / MB), limit: '<= 16', ok: grown <= 16 * MB },
    ]);
  }
  if (clientInputs > 0) {
    for (const protocol of [3, 2] as const) {
      const r = await runR3Client({ inputs: clientInputs / 2, protocol, log: (line) => console.log(`  [RESP${protocol}] ${line}`) });
      report(`R3 client RESP${protocol}: ${r.inputs} hostile inputs through a real client`, r, r3ClientBounds(r));
    }
  }
  report('R3 process', uncaught, [
    { name: 'uncaught exceptions', value: uncaught.uncaught, limit: '0', ok: uncaught.uncaught === 0 },
    { name: 'unhandled rejections', value: uncaught.unhandled, limit: '0', ok: uncaught.unhandled === 0 },
  ]);
}
