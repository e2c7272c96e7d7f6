/**
 * R1: commands across forced disconnects. Issue 4: "200,000 commands across 50 forced
 * disconnects (proxy resets, CLIENT KILL, SIGKILL and restart): 0 promises pending 1 s after
 * their deadline, 0 replies delivered to the wrong caller, 0 INCRs executed twice."
 *
 *   node --import tsx packages/leanredis/test/soak/disconnects.ts [--commands N] [--disconnects D] [--protocol 2|3]
 *
 * `concurrency` workers share one client that reaches redis-server through the fault proxy.
 * Each worker runs one operation at a time, cycling through four kinds:
 *   set     SET k_i v_i, then GET k_i    (own key and value: any other reply is mis-delivered)
 *   incr    INCR c_i on its own key      (acknowledged → the reply must be 1 and the key 1 after)
 *   counter INCR on one shared counter   (acknowledged replies must be distinct)
 *   reread  GET of an earlier k_j whose outcome is known
 * A chaos loop spreads the disconnects over the run, in turn: proxy resetAll(), CLIENT KILL
 * TYPE normal from a direct admin connection, and SIGKILL + restart of redis-server on the
 * same port. The server runs with appendfsync always, so an acknowledged write survives the
 * SIGKILL and the server's final state can be checked against every acknowledgement:
 *   - an acknowledged INCR's key is exactly 1; an ambiguous one (ERR_CONNECTION_LOST_AFTER_WRITE
 *     or a timeout after the write) is 0 or 1; one never written is 0. A 2 anywhere is an
 *     INCR executed twice;
 *   - the shared counter lies between acknowledged and acknowledged + ambiguous;
 *   - an acknowledged SET's key holds its value (nothing acknowledged was lost).
 * A watchdog counts commands still pending 1 s after their deadline.
 */
import { createClient, type Client } from '../../src/index.ts';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { CANARY, REQUIRE_CANARY, SecretWatch, Tally, classify, isMain, argValue, protocolsFromArgs, prng, report, retrying, round, type Bound } from './soak-kit.ts';
import { letRealTimePass, waitFor } from '../helpers/wait.ts';

export interface R1Options {
  /** Commands to send in all (a set operation counts two). */
  commands: number;
  /** Forced disconnects, spread evenly; they cycle reset, CLIENT KILL, SIGKILL + restart. */
  disconnects: number;
  protocol: 2 | 3;
  /** Operations in flight at once. @default 64 */
  concurrency?: number;
  /** The client's commandTimeoutMs. @default 2000 */
  commandTimeoutMs?: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface R1Result {
  protocol: 2 | 3;
  commands: number;
  durationMs: number;
  disconnects: { reset: number; clientKill: number; sigkill: number };
  reconnects: number;
  /** How commands ended: 'ok' or the error code. */
  outcomes: Record<string, number>;
  /** Rejections that are not a typed error this workload may see. */
  violations: Record<string, number>;
  wrongReplies: number;
  wrongReplyExamples: string[];
  /** Commands still pending 1 s after their deadline. */
  pendingPastDeadline: number;
  /** Latest settlement after a deadline (ms). */
  maxSettleAfterDeadlineMs: number;
  incr: { acknowledged: number; ambiguous: number; neverSent: number; executedTwice: number; acknowledgedButMissing: number; neverSentButExecuted: number; ambiguousExecuted: number };
  counter: { acknowledged: number; ambiguous: number; serverValue: number; duplicateReplies: number };
  sets: { acknowledged: number; ambiguous: number; neverSent: number; acknowledgedButLost: number; unexpectedValue: number };
  secrets: { scanned: number; leaks: string[] };
}

/** Outcome of an operation, kept in a Uint8Array: 0 while pending, then one of these. */
type State = 1 | 2 | 3;
const ACKED = 1,
  MAYBE = 2,
  NEVER = 3;

const ALLOWED_CODES = new Set(['ERR_CONNECTION_LOST_AFTER_WRITE', 'ERR_SOCKET_TIMEOUT', 'ERR_COMMAND_TIMEOUT(written)', 'ERR_COMMAND_TIMEOUT(queued)', 'reply LOADING']);

export async function runR1(options: R1Options): Promise<R1Result> {
  const { protocol } = options;
  const concurrency = options.concurrency ?? 64;
  const timeoutMs = options.commandTimeoutMs ?? 2000;
  const random = prng(options.seed ?? 1);
  const log = options.log ?? (() => {});
  const prefix = `r1:${protocol}:${process.pid}:${Date.now().toString(36)}`;

  let server: RedisServer | undefined;
  let proxy: TcpProxy | undefined;
  let client: Client | undefined;
  let admin: Client | undefined;
  const watch = new SecretWatch();
  const watchdog = { timer: undefined as NodeJS.Timeout | undefined };
  // Set when the run ends, early or not, so the chaos loop never outlives it.
  let isStopped = false;
  let chaosDone: Promise<void> | undefined;
  try {
    server = await startRedisServer({ args: [...REQUIRE_CANARY, '--appendonly', 'yes', '--appendfsync', 'always'] });
    proxy = await startTcpProxy({ targetPort: server.port });
    client = watch.watchClient(createClient({ url: proxy.url, password: CANARY, protocol, commandTimeoutMs: timeoutMs, socketTimeoutMs: 1000 }), 'load client');
    admin = watch.watchClient(createClient({ url: server.url, password: CANARY, commandTimeoutMs: 2000 }), 'admin');
    const c = client;
    const a = admin;
    const srv = server;
    const px = proxy;

    const outcomes = new Tally();
    const violations = new Tally();
    const wrongExamples: string[] = [];
    let wrongReplies = 0;
    const wrong = (what: string): void => {
      wrongReplies++;
      if (wrongExamples.length < 10) wrongExamples.push(what);
    };

    // Every command goes through `send`: deadline tracking, outcome tally, secret scan.
    const pending = new Set<{ deadline: number; isFlagged: boolean }>();
    let pendingPastDeadline = 0;
    let maxSettleAfterDeadline = 0;
    let issued = 0;
    watchdog.timer = setInterval(() => {
      const now = performance.now();
      for (const t of pending) {
        if (!t.isFlagged && now > t.deadline + 1000) {
          t.isFlagged = true;
          pendingPastDeadline++;
        }
      }
    }, 100);

    type Outcome<T> = { ok: true; value: T } | { ok: false; verdict: 'never' | 'maybe' };
    async function send<T>(make: () => Promise<T>): Promise<Outcome<T>> {
      issued++;
      const track = { deadline: performance.now() + timeoutMs, isFlagged: false };
      pending.add(track);
      try {
        const value = await make();
        outcomes.add('ok');
        return { ok: true, value };
      } catch (err) {
        watch.check('rejection', err, 'error');
        const { verdict, code } = classify(err);
        outcomes.add(code);
        if (verdict === 'violation' || !ALLOWED_CODES.has(code)) {
          violations.add(code);
          return { ok: false, verdict: 'maybe' };
        }
        return { ok: false, verdict };
      } finally {
        pending.delete(track);
        const late = performance.now() - track.deadline;
        if (late > maxSettleAfterDeadline) maxSettleAfterDeadline = late;
      }
    }
    const stateOf = (o: Outcome<unknown>): State => (o.ok ? ACKED : o.verdict === 'never' ? NEVER : MAYBE);

    const opCount = Math.ceil(options.commands / 1.25); // set ops count two commands: 5 commands per 4 ops
    const setState = new Uint8Array(opCount);
    const incrState = new Uint8Array(opCount);
    const known: number[] = []; // set ops whose outcome is final, for rereads
    const counterReplies = new Set<number>();
    let counterDuplicates = 0;
    const counter = { acknowledged: 0, ambiguous: 0 };
    const keyOf = (i: number): string => `${prefix}:k:${i}`;
    const valueOf = (i: number): string => `v:${i}:${prefix}`;
    const incrKeyOf = (i: number): string => `${prefix}:c:${i}`;
    const counterKey = `${prefix}:counter`;

    /** GET k_j must return v_j, or null where the SET may not have run. */
    function checkGet(j: number, o: Outcome<string | null>, where: string): void {
      if (!o.ok) return;
      const s = setState[j];
      if (o.value === valueOf(j) && s !== NEVER) return;
      if (o.value === null && s !== ACKED) return;
      wrong(`${where} of key ${j} (SET state ${s}) got ${JSON.stringify(o.value)?.slice(0, 60)}`);
    }

    let nextOp = 0;
    async function worker(): Promise<void> {
      while (issued < options.commands && nextOp < opCount) {
        const i = nextOp++;
        switch (i % 4) {
          case 0: {
            const o = await send(() => c.set(keyOf(i), valueOf(i)));
            if (o.ok && o.value !== 'OK') wrong(`SET ${i} got ${JSON.stringify(o.value)}`);
            setState[i] = stateOf(o);
            checkGet(i, await send(() => c.get(keyOf(i))), 'GET after SET');
            known.push(i);
            break;
          }
          case 1: {
            const o = await send(() => c.incr(incrKeyOf(i)));
            if (o.ok && o.value !== 1) wrong(`INCR of a fresh key ${i} got ${JSON.stringify(o.value)}`);
            incrState[i] = stateOf(o);
            break;
          }
          case 2: {
            const o = await send(() => c.incr(counterKey));
            if (o.ok) {
              counter.acknowledged++;
              if (typeof o.value !== 'number' || !Number.isInteger(o.value)) wrong(`INCR counter got ${JSON.stringify(o.value)}`);
              else if (counterReplies.has(o.value)) counterDuplicates++;
              else counterReplies.add(o.value);
            } else if (o.verdict === 'maybe') counter.ambiguous++;
            break;
          }
          default: {
            if (known.length === 0) break;
            const j = known[Math.floor(random() * known.length)];
            checkGet(j, await send(() => c.get(keyOf(j))), 'reread');
          }
        }
      }
    }

    const disconnects = { reset: 0, clientKill: 0, sigkill: 0 };
    async function chaos(): Promise<void> {
      for (let k = 0; k < options.disconnects; k++) {
        const at = Math.floor(((k + 1) * options.commands) / (options.disconnects + 1));
        await waitFor(() => issued >= at || isStopped, { message: `command ${at}`, timeoutMs: 600_000, intervalMs: 2 });
        if (isStopped) return;
        switch (k % 3) {
          case 0:
            px.resetAll();
            disconnects.reset++;
            break;
          case 1:
            await retrying(() => a.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes'));
            disconnects.clientKill++;
            break;
          default:
            await srv.kill();
            await letRealTimePass(20 + Math.floor(random() * 150), 'the server stays down a random while');
            await srv.restart();
            disconnects.sigkill++;
        }
        log(`disconnect ${k + 1}/${options.disconnects} at command ${issued}`);
      }
    }

    const started = performance.now();
    chaosDone = chaos();
    await Promise.all(Array.from({ length: concurrency }, worker));
    await chaosDone;
    // Commands issued after the last op's bookkeeping: none are left; wait for the watchdog's last look.
    await waitFor(() => pending.size === 0, { message: 'no pending command', timeoutMs: timeoutMs + 5000 });
    const durationMs = performance.now() - started;
    clearInterval(watchdog.timer);

    // ---- the server's state against every acknowledgement ----
    const serverValue = Number((await retrying(() => a.get(counterKey))) ?? 0);
    const incr = { acknowledged: 0, ambiguous: 0, neverSent: 0, executedTwice: 0, acknowledgedButMissing: 0, neverSentButExecuted: 0, ambiguousExecuted: 0 };
    const sets = { acknowledged: 0, ambiguous: 0, neverSent: 0, acknowledgedButLost: 0, unexpectedValue: 0 };
    for (let from = 0; from < nextOp; from += 500) {
      const ids = Array.from({ length: Math.min(500, nextOp - from) }, (_, n) => from + n);
      const incrIds = ids.filter((i) => i % 4 === 1);
      const setIds = ids.filter((i) => i % 4 === 0);
      const incrValues = incrIds.length > 0 ? await retrying(() => a.mGet(incrIds.map(incrKeyOf))) : [];
      incrIds.forEach((i, n) => {
        const v = Number(incrValues[n] ?? 0);
        const s = incrState[i];
        if (s === ACKED) incr.acknowledged++;
        else if (s === MAYBE) incr.ambiguous++;
        else if (s === NEVER) incr.neverSent++;
        if (v > 1) incr.executedTwice++;
        else if (s === ACKED && v !== 1) incr.acknowledgedButMissing++;
        else if (s === NEVER && v !== 0) incr.neverSentButExecuted++;
        else if (s === MAYBE && v === 1) incr.ambiguousExecuted++;
      });
      const setValues = setIds.length > 0 ? await retrying(() => a.mGet(setIds.map(keyOf))) : [];
      setIds.forEach((i, n) => {
        const v = setValues[n];
        const s = setState[i];
        if (s === ACKED) sets.acknowledged++;
        else if (s === MAYBE) sets.ambiguous++;
        else if (s === NEVER) sets.neverSent++;
        if (v !== null && v !== valueOf(i)) sets.unexpectedValue++;
        else if (s === ACKED && v === null) sets.acknowledgedButLost++;
        else if (s === NEVER && v !== null) sets.unexpectedValue++;
      });
    }
    watch.checkClient(c, 'load client');
    watch.checkClient(a, 'admin');
    const result: R1Result = {
      protocol,
      commands: issued,
      durationMs: round(durationMs, 0),
      disconnects,
      reconnects: c.stats().reconnects,
      outcomes: outcomes.counts,
      violations: violations.counts,
      wrongReplies,
      wrongReplyExamples: wrongExamples,
      pendingPastDeadline,
      maxSettleAfterDeadlineMs: round(maxSettleAfterDeadline, 1),
      incr,
      counter: { ...counter, serverValue, duplicateReplies: counterDuplicates },
      sets,
      secrets: { scanned: watch.total, leaks: watch.leaks },
    };
    return result;
  } finally {
    isStopped = true;
    // A SIGKILL + restart in progress finishes before the server is stopped for good.
    await chaosDone?.catch(() => {});
    clearInterval(watchdog.timer);
    watch.close();
    client?.destroy();
    admin?.destroy();
    await proxy?.close();
    await server?.stop();
  }
}

/** The bounds issue 4 sets for R1, as checks. */
export function r1Bounds(r: R1Result): Bound[] {
  const counterOk = r.counter.serverValue >= r.counter.acknowledged && r.counter.serverValue <= r.counter.acknowledged + r.counter.ambiguous;
  return [
    { name: 'promises pending 1 s after their deadline', value: r.pendingPastDeadline, limit: '0', ok: r.pendingPastDeadline === 0 },
    { name: 'replies delivered to the wrong caller', value: r.wrongReplies, limit: '0', ok: r.wrongReplies === 0 },
    { name: 'INCRs executed twice (own-key INCRs with value > 1)', value: r.incr.executedTwice, limit: '0', ok: r.incr.executedTwice === 0 },
    {
      name: 'shared counter within [acknowledged, acknowledged + ambiguous]',
      value: `${r.counter.serverValue} in [${r.counter.acknowledged}, ${r.counter.acknowledged + r.counter.ambiguous}]`,
      limit: 'inside',
      ok: counterOk,
    },
    { name: 'duplicate INCR replies on the shared counter', value: r.counter.duplicateReplies, limit: '0', ok: r.counter.duplicateReplies === 0 },
    { name: 'acknowledged writes missing afterwards', value: r.incr.acknowledgedButMissing + r.sets.acknowledgedButLost, limit: '0', ok: r.incr.acknowledgedButMissing + r.sets.acknowledgedButLost === 0 },
    { name: 'commands never sent that executed', value: r.incr.neverSentButExecuted + r.sets.unexpectedValue, limit: '0', ok: r.incr.neverSentButExecuted + r.sets.unexpectedValue === 0 },
    { name: 'rejections that are not an allowed typed error', value: JSON.stringify(r.violations), limit: '{}', ok: Object.keys(r.violations).length === 0 },
    { name: 'canary leaks', value: r.secrets.leaks.length, limit: '0', ok: r.secrets.leaks.length === 0 },
  ];
}

if (isMain(import.meta.url)) {
  const commands = argValue('commands', 200_000);
  const disconnects = argValue('disconnects', 50);
  for (const protocol of protocolsFromArgs()) {
    const r = await runR1({ commands, disconnects, protocol, log: (line) => console.log(`  [RESP${protocol}] ${line}`) });
    report(`R1 RESP${protocol}: ${r.commands} commands, ${r.disconnects.reset + r.disconnects.clientKill + r.disconnects.sigkill} forced disconnects`, r, r1Bounds(r));
  }
}
