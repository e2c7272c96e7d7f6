/**
 * S4: password rotation under live connections. Issue 4: "the password rotated (ACL SETUSER)
 * under 100 live connections: 0 failed commands."
 *
 *   node --import tsx packages/leanredis/test/soak/password-rotation.ts [--connections N] [--protocol 2|3]
 *
 * `clients` clients, each with `sharedConnections` = N / clients (maxConnections one more), keep all N
 * connections busy with GETs and SETs of their own keys. Every client authenticates through a
 * `credentials` provider that returns the current password of the ACL user. Then, under load:
 *   1. ACL SETUSER user >new      the user accepts both passwords; the provider switches to new;
 *   2. CLIENT KILL USER user      every connection re-dials: the handshake asks the provider;
 *   3. ACL SETUSER user <old      the old password is removed;
 *   4. CLIENT KILL USER user      every connection re-dials again: only the new password works.
 * `rotations` times over (the soak run rotates 5 times).
 * SETs are sent with `with({ retryable: true })` (setting the same value twice is harmless), so a
 * command caught by the kill is sent again rather than rejected as possibly executed: the test
 * is about authentication, and any failed command counts. Checks: 0 failed commands; all N
 * connections back after each kill (CLIENT LIST USER); every handshake after the switch used the
 * new password; ACL LOG records no failed authentication.
 */
import { createClient, type Client, type Credentials } from '../../src/index.ts';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.ts';
import { CANARY, REQUIRE_CANARY, SecretWatch, Tally, canary, isMain, argValue, protocolsFromArgs, report, retrying, round, type Bound } from './soak-kit.ts';
import { letRealTimePass, waitFor } from '../helpers/wait.ts';

export interface S4Options {
  /** Live connections in all. */
  connections: number;
  /** Clients sharing them. @default ceil(connections / 25) */
  clients?: number;
  protocol: 2 | 3;
  /** Commands in flight per connection. @default 2 */
  depth?: number;
  /** Rotations, one after the other. @default 1 */
  rotations?: number;
  log?: (line: string) => void;
}

export interface S4Result {
  protocol: 2 | 3;
  connections: number;
  clients: number;
  durationMs: number;
  commands: number;
  failed: number;
  failures: Record<string, number>;
  rotations: number;
  /** CLIENT LIST USER counts: before, then after each kill. */
  liveConnections: number[];
  /** credentials() calls: before the first switch, with the newest password after a switch, with an older one after a switch. */
  providerCalls: { old: number; new: number; oldAfterSwitch: number };
  authFailuresInAclLog: number;
  wrongValues: number;
  secrets: { scanned: number; leaks: string[] };
}

const USER = 'rotor';

export async function runS4(options: S4Options): Promise<S4Result> {
  const { protocol } = options;
  const clientCount = options.clients ?? Math.ceil(options.connections / 25);
  const perClient = Math.ceil(options.connections / clientCount);
  const n = perClient * clientCount;
  const depth = options.depth ?? 2;
  const rotations = options.rotations ?? 1;
  const log = options.log ?? (() => {});
  const oldPassword = canary('old');
  const watch = new SecretWatch({ withCommandChannel: false });
  let server: RedisServer | undefined;
  let admin: Client | undefined;
  const clients: Client[] = [];
  let isRunning = true;
  try {
    server = await startRedisServer({ args: [...REQUIRE_CANARY, '--maxclients', String(n + 100)] });
    admin = watch.watchClient(createClient({ url: server.url, password: CANARY }), 'admin');
    const a = admin;
    await a.call('ACL', 'SETUSER', USER, 'reset', 'on', `>${oldPassword}`, '~*', '&*', '+@all');
    await a.call('ACL', 'LOG', 'RESET');

    let current = oldPassword;
    let switchedAt = Infinity;
    const calls = { old: 0, new: 0, oldAfterSwitch: 0 };
    let latest = oldPassword; // what the provider must return once switchedAt has passed
    const credentials = async (): Promise<Credentials> => {
      const password = current;
      if (performance.now() > switchedAt) {
        if (password === latest) calls.new++;
        else calls.oldAfterSwitch++;
      } else calls.old++;
      return { username: USER, password };
    };
    for (let i = 0; i < clientCount; i++) {
      clients.push(watch.watchClient(createClient({ url: server.url, protocol, credentials, sharedConnections: perClient, maxConnections: perClient + 1 }), `client ${i}`));
    }

    const failures = new Tally();
    let commands = 0;
    let wrongValues = 0;
    const loop = async (c: Client, w: number): Promise<void> => {
      const key = `s4:${protocol}:${process.pid}:${w}`;
      const retryable = c.with({ retryable: true });
      for (let i = 0; isRunning; i++) {
        const value = `v${i}`;
        try {
          await retryable.set(key, value);
          const got = await c.get(key);
          if (got !== value) wrongValues++;
          commands += 2;
        } catch (err) {
          watch.check('failed command', err, 'error');
          failures.add((err as { code?: string }).code ?? 'untyped');
        }
      }
    };
    const started = performance.now();
    const loops = clients.flatMap((c, i) => Array.from({ length: perClient * depth }, (_, d) => loop(c, i * 10_000 + d)));

    const countLive = async (): Promise<number> => {
      const list = String(await retrying(() => a.call('CLIENT', 'LIST')));
      return list.split('\n').filter((line) => line.includes(` user=${USER} `)).length;
    };
    const live: number[] = [];
    await waitFor(async () => (await countLive()) === n, { message: `${n} connections`, timeoutMs: 30_000, intervalMs: 50 }); // re-dials are slow on a busy machine
    live.push(await countLive());
    log(`${n} connections live`);

    for (let cycle = 0; cycle < rotations; cycle++) {
      const previous = current;
      const next = canary(`new${cycle}`);
      await a.call('ACL', 'SETUSER', USER, `>${next}`);
      current = next;
      latest = next;
      switchedAt = performance.now();
      await letRealTimePass(100, 'traffic runs on the old connections after the switch');
      await a.call('CLIENT', 'KILL', 'USER', USER);
      await waitFor(async () => (await countLive()) === n, { message: `${n} connections after the first kill`, timeoutMs: 30_000, intervalMs: 50 }); // re-dials are slow on a busy machine
      live.push(await countLive());
      await a.call('ACL', 'SETUSER', USER, `<${previous}`);
      await letRealTimePass(100, 'traffic runs after the old password is removed');
      await a.call('CLIENT', 'KILL', 'USER', USER);
      await waitFor(async () => (await countLive()) === n, { message: `${n} connections after the second kill`, timeoutMs: 30_000, intervalMs: 50 }); // re-dials are slow on a busy machine
      live.push(await countLive());
      log(`rotation ${cycle + 1}/${rotations}: re-dialled with the new password, then again after the old one was removed`);
    }
    await letRealTimePass(300, 'traffic runs on the last connections');
    isRunning = false;
    await Promise.all(loops);
    const durationMs = performance.now() - started;

    const aclLog = (await a.call('ACL', 'LOG')) as unknown[];
    const authFailures = aclLog.filter((entry) => {
      const text = JSON.stringify(entry instanceof Map ? [...entry] : entry);
      return text.includes('"auth"') && text.includes(USER);
    }).length;
    for (const [i, c] of clients.entries()) watch.checkClient(c, `client ${i}`);
    watch.checkClient(a, 'admin');
    let failed = 0;
    for (const v of Object.values(failures.counts)) failed += v;
    return {
      protocol,
      connections: n,
      clients: clientCount,
      rotations,
      durationMs: round(durationMs, 0),
      commands,
      failed,
      failures: failures.counts,
      liveConnections: live,
      providerCalls: calls,
      authFailuresInAclLog: authFailures,
      wrongValues,
      secrets: { scanned: watch.total, leaks: watch.leaks },
    };
  } finally {
    isRunning = false;
    watch.close();
    for (const c of clients) c.destroy();
    admin?.destroy();
    await server?.stop();
  }
}

export function s4Bounds(r: S4Result): Bound[] {
  return [
    { name: 'failed commands', value: r.failed, limit: '0', ok: r.failed === 0 },
    { name: 'wrong values read', value: r.wrongValues, limit: '0', ok: r.wrongValues === 0 },
    { name: 'live connections before / after each kill', value: r.liveConnections.join(' / '), limit: `${r.connections} each`, ok: r.liveConnections.every((v) => v === r.connections) },
    { name: 'handshakes with the old password after the switch', value: r.providerCalls.oldAfterSwitch, limit: '0', ok: r.providerCalls.oldAfterSwitch === 0 },
    { name: 'handshakes with the new password', value: r.providerCalls.new, limit: `>= ${2 * r.rotations * r.connections}`, ok: r.providerCalls.new >= 2 * r.rotations * r.connections },
    { name: 'failed authentications in ACL LOG', value: r.authFailuresInAclLog, limit: '0', ok: r.authFailuresInAclLog === 0 },
    { name: 'canary leaks', value: r.secrets.leaks.length, limit: '0', ok: r.secrets.leaks.length === 0 },
  ];
}

if (isMain(import.meta.url)) {
  const connections = argValue('connections', 100);
  for (const protocol of protocolsFromArgs()) {
    const r = await runS4({ connections, protocol, rotations: argValue('rotations', 5), log: (line) => console.log(`  [RESP${protocol}] ${line}`) });
    report(`S4 RESP${protocol}: password rotated ${r.rotations} times under ${r.connections} live connections (${r.clients} clients)`, r, s4Bounds(r));
  }
}
