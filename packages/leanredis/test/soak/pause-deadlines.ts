/**
 * R2: deadlines while the server holds replies back. Issue 4: "10,000 rounds of CLIENT PAUSE,
 * a 10 ms-deadline command, then a different command: 0 wrong replies; deadline lateness at
 * p99 at most 20 ms."
 *
 *   node --import tsx packages/leanredis/test/soak/pause-deadlines.ts [--rounds N] [--protocol 2|3]
 *
 * One round, on a client under test and a second "pauser" client:
 *   1. pauser: CLIENT PAUSE 5000 WRITE. Write commands from every other client now wait in the
 *      server; reads queued behind a write on the same connection wait too (a connection's
 *      commands run in order).
 *   2. client: a write with a 10 ms deadline (`with({ timeoutMs: 10 })`). It is written, the
 *      server holds it, and it must reject with ERR_COMMAND_TIMEOUT; lateness = the moment the
 *      rejection is seen minus the deadline.
 *   3. client: a different command (another kind, another key) with the default deadline.
 *   4. pauser: CLIENT UNPAUSE (not a write, so not paused). The server runs the timed-out
 *      write, whose late reply the client must read and throw away, then the second command,
 *      whose reply must be its own.
 * The commands rotate through strings, counters, hashes and lists so that a reply handed to the
 * wrong caller has the wrong shape or value.
 */
import { createClient, type Client, type Runner } from '../../src/index.ts';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.ts';
import { CANARY, REQUIRE_CANARY, SecretWatch, Tally, isMain, argValue, protocolsFromArgs, percentile, report, round, type Bound } from './soak-kit.ts';

export interface R2Options {
  rounds: number;
  protocol: 2 | 3;
  /** Deadline of the first command. @default 10 (ms) */
  deadlineMs?: number;
  log?: (line: string) => void;
}

export interface R2Result {
  protocol: 2 | 3;
  rounds: number;
  durationMs: number;
  /** First commands that rejected with ERR_COMMAND_TIMEOUT after being written, as they must. */
  timedOut: number;
  /**
   * First commands that expired before they were written: correct (a command past its deadline is
   * never written), but such a round tests no late reply. Only a machine too busy to flush within
   * the deadline produces them.
   */
  expiredUnwritten: number;
  /** First commands that resolved or failed otherwise (the pause did not hold them). */
  unexpectedFirst: Record<string, number>;
  wrongReplies: number;
  wrongReplyExamples: string[];
  /** Second commands that failed. */
  secondFailures: Record<string, number>;
  lateness: { p50: number; p99: number; max: number; min: number };
  secrets: { scanned: number; leaks: string[] };
}

interface Probe {
  name: string;
  /** A write that CLIENT PAUSE WRITE holds back. */
  write: (c: Runner, round: number) => Promise<unknown>;
  /** A command whose reply is known, and the check of it. */
  read: (c: Runner) => Promise<unknown>;
  isExpected: (value: unknown) => boolean;
}

export async function runR2(options: R2Options): Promise<R2Result> {
  const { protocol } = options;
  const deadlineMs = options.deadlineMs ?? 10;
  const log = options.log ?? (() => {});
  const prefix = `r2:${protocol}:${process.pid}`;
  const keys = { str: `${prefix}:str`, n: `${prefix}:n`, hash: `${prefix}:hash`, list: `${prefix}:list`, scratch: `${prefix}:scratch` };

  let server: RedisServer | undefined;
  let client: Client | undefined;
  let pauser: Client | undefined;
  const watch = new SecretWatch();
  try {
    server = await startRedisServer({ args: REQUIRE_CANARY });
    client = watch.watchClient(createClient({ url: server.url, password: CANARY, protocol }), 'client');
    pauser = watch.watchClient(createClient({ url: server.url, password: CANARY }), 'pauser');
    const c = client;
    const p = pauser;
    await c.set(keys.str, 'string-value');
    await c.set(keys.n, '41');
    await c.hSet(keys.hash, { field: 'hash-value' });
    await c.rPush(keys.list, ['l0', 'l1', 'l2']);

    const probes: Probe[] = [
      {
        name: 'string',
        write: (cl, r) => cl.set(keys.scratch, `w${r}`),
        read: (cl) => cl.get(keys.str),
        isExpected: (v) => v === 'string-value',
      },
      {
        name: 'hash',
        write: (cl, r) => cl.hSet(`${keys.scratch}:h`, { f: `w${r}` }),
        read: (cl) => cl.hGet(keys.hash, 'field'),
        isExpected: (v) => v === 'hash-value',
      },
      {
        name: 'list',
        write: (cl, r) => cl.lPush(`${keys.scratch}:l`, [`w${r}`]),
        read: (cl) => cl.lRange(keys.list, 0, -1),
        isExpected: (v) => Array.isArray(v) && v.length === 3 && v[0] === 'l0' && v[2] === 'l2',
      },
      {
        name: 'counter',
        write: (cl) => cl.incr(`${keys.scratch}:n`),
        read: (cl) => cl.incrBy(keys.n, 0),
        isExpected: (v) => v === 41,
      },
    ];

    const lateness: number[] = [];
    const unexpectedFirst = new Tally();
    const secondFailures = new Tally();
    const wrongExamples: string[] = [];
    let wrongReplies = 0;
    let timedOut = 0;
    let expiredUnwritten = 0;
    const scoped = c.with({ timeoutMs: deadlineMs });
    const started = performance.now();
    for (let r = 0; r < options.rounds; r++) {
      const first = probes[r % probes.length];
      const second = probes[(r + 1 + (r % 3)) % probes.length];
      await p.call('CLIENT', 'PAUSE', '5000', 'WRITE');
      const t0 = performance.now();
      const deadline = t0 + deadlineMs;
      let rejectedAt = 0;
      const firstOutcome = first.write(scoped, r).then(
        () => 'resolved',
        (err: unknown) => {
          rejectedAt = performance.now();
          watch.check('first command rejection', err, 'error');
          const code = (err as { code?: string }).code ?? 'untyped';
          if (code === 'ERR_COMMAND_TIMEOUT') return (err as { wasWritten?: boolean }).wasWritten === true ? 'timeout' : 'unwritten';
          return code;
        },
      );
      const outcome = await firstOutcome;
      if (outcome === 'timeout' || outcome === 'unwritten') lateness.push(rejectedAt - deadline);
      if (outcome === 'timeout') timedOut++;
      else if (outcome === 'unwritten') expiredUnwritten++;
      else unexpectedFirst.add(outcome);
      const secondReply = second.read(c).then(
        (value) => ({ ok: true as const, value }),
        (err: unknown) => {
          watch.check('second command rejection', err, 'error');
          return { ok: false as const, code: (err as { code?: string }).code ?? 'untyped' };
        },
      );
      await p.call('CLIENT', 'UNPAUSE');
      const got = await secondReply;
      if (!got.ok) secondFailures.add(got.code);
      else if (!second.isExpected(got.value)) {
        wrongReplies++;
        if (wrongExamples.length < 10) wrongExamples.push(`round ${r}: ${second.name} read after a timed-out ${first.name} write got ${JSON.stringify(got.value)}`);
      }
      if ((r + 1) % 1000 === 0) log(`${r + 1} rounds, p99 lateness so far ${round(percentile(lateness, 99))} ms`);
    }
    const durationMs = performance.now() - started;
    watch.checkClient(c, 'client');
    watch.checkClient(p, 'pauser');
    return {
      protocol,
      rounds: options.rounds,
      durationMs: round(durationMs, 0),
      timedOut,
      expiredUnwritten,
      unexpectedFirst: unexpectedFirst.counts,
      wrongReplies,
      wrongReplyExamples: wrongExamples,
      secondFailures: secondFailures.counts,
      lateness: {
        p50: round(percentile(lateness, 50)),
        p99: round(percentile(lateness, 99)),
        max: round(Math.max(...lateness)),
        min: round(Math.min(...lateness)),
      },
      secrets: { scanned: watch.total, leaks: watch.leaks },
    };
  } finally {
    watch.close();
    // Never leave the server paused for the next user of this port.
    await pauser?.call('CLIENT', 'UNPAUSE').catch(() => {});
    client?.destroy();
    pauser?.destroy();
    await server?.stop();
  }
}

/**
 * The bounds of R2 (issue 4: p99 lateness at most 20 ms, every first command written and timed
 * out); the npm test passes wider ones for a busy machine: a longer p99, and a share of rounds
 * whose first command expired before a delayed flush could write it (`minWrittenShare`).
 */
export function r2Bounds(r: R2Result, limits: { latenessP99Ms: number; minWrittenShare?: number } = { latenessP99Ms: 20 }): Bound[] {
  const minWritten = Math.ceil((limits.minWrittenShare ?? 1) * r.rounds);
  return [
    { name: 'first commands that did not time out', value: JSON.stringify(r.unexpectedFirst), limit: '{}', ok: Object.keys(r.unexpectedFirst).length === 0 },
    { name: 'wrong replies', value: r.wrongReplies, limit: '0', ok: r.wrongReplies === 0 },
    { name: 'second commands that failed', value: JSON.stringify(r.secondFailures), limit: '{}', ok: Object.keys(r.secondFailures).length === 0 },
    {
      name: 'first commands that timed out after being written',
      value: `${r.timedOut} of ${r.rounds} (${r.expiredUnwritten} expired before a write)`,
      limit: minWritten === r.rounds ? 'all' : `>= ${minWritten}`,
      ok: r.timedOut >= minWritten,
    },
    { name: 'deadline lateness p99 (ms)', value: r.lateness.p99, limit: `<= ${limits.latenessP99Ms}`, ok: r.lateness.p99 <= limits.latenessP99Ms },
    { name: 'a deadline fired early (min lateness, ms)', value: r.lateness.min, limit: '>= -1', ok: r.lateness.min >= -1 },
    { name: 'canary leaks', value: r.secrets.leaks.length, limit: '0', ok: r.secrets.leaks.length === 0 },
  ];
}

if (isMain(import.meta.url)) {
  const rounds = argValue('rounds', 10_000);
  for (const protocol of protocolsFromArgs()) {
    const r = await runR2({ rounds, protocol, log: (line) => console.log(`  [RESP${protocol}] ${line}`) });
    report(`R2 RESP${protocol}: ${r.rounds} rounds of CLIENT PAUSE, a ${10} ms-deadline write, then a different command`, r, r2Bounds(r));
  }
}
