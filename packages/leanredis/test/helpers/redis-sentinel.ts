/**
 * Starts a Sentinel topology for a test file from the redis-server binary on loopback: a master,
 * `replicas` replicas (REPLICAOF the master) and `sentinels` sentinels (`redis-server <conf>
 * --sentinel`, each with its own temporary config file, which Sentinel rewrites), on free ports.
 * It resolves once every sentinel knows the master, every replica and every other sentinel (so a
 * failover can be authorised at once), by polling, never by sleeping. stop() kills every process
 * it started (also on process exit, as a last resort).
 *
 *   const t = await startSentinelTopology();
 *   const client = createSentinel({ sentinels: t.sentinelAddresses, masterName: t.masterName });
 *   await t.failover();                      // SENTINEL FAILOVER, resolves when a replica took over
 *   await t.stop();
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Client, type ClientOptions } from '../../src/index.ts';
import { freePort, rawCommand, startRedisServer, REDIS_SERVER_BIN, type RedisServer } from './redis-server.ts';
import { waitFor } from './wait.ts';
import type { TlsFixtures } from './tls-certs.ts';

export interface SentinelTopologyOptions {
  /** @default "mymaster" */
  masterName?: string;
  /** @default 2 */
  replicas?: number;
  /** @default 3 */
  sentinels?: number;
  /** Quorum of `sentinel monitor`. @default 2 */
  quorum?: number;
  /** `sentinel down-after-milliseconds`: how long a silent master takes to be declared down. @default 1000 (ms) */
  downAfterMs?: number;
  /** `sentinel failover-timeout`. @default 5000 (ms) */
  failoverTimeoutMs?: number;
  /** requirepass (and masterauth) of the data servers; sentinels get `sentinel auth-pass`. */
  dataPassword?: string;
  /** requirepass of the sentinels (the `default` user's password). */
  sentinelPassword?: string;
  /** An ACL user on the sentinels: `user <name> on ><password> allcommands` (Sentinel 6.2+ ACL). */
  sentinelUser?: { name: string; password: string };
  /** Extra arguments for every data server. */
  dataArgs?: string[];
  /** Extra lines for every sentinel's config file. */
  sentinelConfig?: string[];
  /**
   * TLS everywhere the client looks: data servers and sentinels listen on TLS ports (the ports
   * the sentinels know and report, `tls-replication yes`), signed by `tls.ca`; their plain ports
   * stay open on loopback for the helper's own probes only.
   */
  tls?: TlsFixtures;
}

export interface SentinelNode {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly process: ChildProcess;
  log(): string;
  kill(): Promise<void>;
}

export interface SentinelTopology {
  readonly masterName: string;
  /** The data servers, the first one started as master (which one is master now: currentMaster()). */
  readonly servers: RedisServer[];
  /** The port of each server that the sentinels know (its TLS port in a TLS topology), in the order of `servers`. */
  readonly ports: number[];
  readonly sentinels: SentinelNode[];
  /** `{ host, port }` of every sentinel, for createSentinel. */
  readonly sentinelAddresses: { host: string; port: number }[];
  /** Port of the master as the first answering sentinel reports it. */
  currentMaster(): Promise<number>;
  /** A plain client of one data server (closed by stop()). */
  clientOf(port: number): Client;
  /** A plain client of one sentinel (closed by stop()). */
  sentinelClient(index?: number): Client;
  /** SENTINEL FAILOVER, then waits until every sentinel names a new master and it says it is one. Resolves with its port. */
  failover(): Promise<number>;
  /** Waits until every live sentinel names a master other than `oldPort`, and that server says it is a master. */
  waitForNewMaster(oldPort: number, timeoutMs?: number): Promise<number>;
  /** The data server listening on `port` (as the sentinels know it, or its plain port). */
  server(port: number): RedisServer;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

function fieldsOf(entry: unknown): Map<string, string> {
  const out = new Map<string, string>();
  if (entry instanceof Map) for (const [k, v] of entry) out.set(String(k), String(v));
  else if (Array.isArray(entry)) for (let i = 0; i + 1 < entry.length; i += 2) out.set(String(entry[i]), String(entry[i + 1]));
  return out;
}

async function startSentinelProcess(dir: string, index: number, lines: string[], tls: TlsFixtures | undefined): Promise<SentinelNode & { tlsPort: number | undefined }> {
  const port = await freePort();
  const tlsPort = tls === undefined ? undefined : await freePort();
  if (tls !== undefined) lines = [...lines, ...tlsLines(tls), `tls-port ${tlsPort}`];
  const file = join(dir, `sentinel-${index}.conf`);
  writeFileSync(file, [`port ${port}`, 'bind 127.0.0.1', 'daemonize no', `dir ${dir}`, 'logfile ""', ...lines, ''].join('\n'));
  const child = spawn(REDIS_SERVER_BIN, [file, '--sentinel'], { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-16384)));
  child.stderr!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-16384)));
  let exited = false;
  child.once('exit', () => {
    exited = true;
    live.delete(child);
  });
  await waitFor(
    async () => {
      if (exited) throw new Error(`sentinel exited before it was ready:\n${output}`);
      return rawCommand(port, 'PING\r\n', 500).then(
        (reply) => reply === '+PONG' || reply.startsWith('-NOAUTH'),
        () => false,
      );
    },
    { timeoutMs: 10_000, intervalMs: 20, message: () => `sentinel to answer PING:\n${output}` },
  );
  return {
    host: '127.0.0.1',
    port,
    tlsPort,
    process: child,
    log: () => output,
    async kill() {
      if (exited) return;
      const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await done;
    },
  };
}

/** Server-side TLS settings (config-file lines; as arguments, prefixed with --). */
function tlsLines(tls: TlsFixtures): string[] {
  return [
    `tls-cert-file ${tls.server.certPath}`,
    `tls-key-file ${tls.server.keyPath}`,
    `tls-ca-cert-file ${tls.ca.certPath}`,
    'tls-auth-clients no',
    'tls-replication yes',
  ];
}

export async function startSentinelTopology(options: SentinelTopologyOptions = {}): Promise<SentinelTopology> {
  const masterName = options.masterName ?? 'mymaster';
  const replicaCount = options.replicas ?? 2;
  const sentinelCount = options.sentinels ?? 3;
  const dir = mkdtempSync(join(tmpdir(), 'leanredis-sentinel-'));
  const servers: RedisServer[] = [];
  const sentinels: SentinelNode[] = [];
  const clients: Client[] = [];
  const auth = options.dataPassword === undefined ? [] : ['--requirepass', options.dataPassword, '--masterauth', options.dataPassword];
  // Diskless sync with no delay: a replica is in sync within milliseconds of starting.
  const common = ['--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0', ...auth, ...(options.dataArgs ?? [])];
  const tls = options.tls;
  const ports: number[] = [];
  // A data server's arguments: with TLS, a TLS port of its own (which replicas announce).
  const dataArgs = async (extra: string[]): Promise<{ args: string[]; port: number | undefined }> => {
    if (tls === undefined) return { args: [...common, ...extra], port: undefined };
    const tlsPort = await freePort();
    return { args: [...common, ...tlsLines(tls).flatMap((l) => { const [k, ...v] = l.split(' '); return [`--${k}`, v.join(' ')]; }), '--tls-port', String(tlsPort), ...extra], port: tlsPort };
  };
  const startData = async (extra: string[]): Promise<RedisServer> => {
    const { args, port } = await dataArgs(extra);
    const server = await startRedisServer({ args });
    servers.push(server);
    ports.push(port ?? server.port);
    return server;
  };
  // The helper's own probes use the plain ports.
  const plainPort = (port: number): number => {
    const i = ports.indexOf(port);
    return i === -1 ? port : servers[i].port;
  };
  const dataOptions: ClientOptions = { password: options.dataPassword, commandTimeoutMs: 2000, connectTimeoutMs: 2000 };
  const sentinelOptions: ClientOptions = {
    ...(options.sentinelUser !== undefined
      ? { username: options.sentinelUser.name, password: options.sentinelUser.password }
      : { password: options.sentinelPassword }),
    commandTimeoutMs: 2000,
    connectTimeoutMs: 2000,
  };
  const clientOf = (port: number): Client => {
    const c = createClient({ ...dataOptions, port: plainPort(port) });
    clients.push(c);
    return c;
  };
  const sentinelClient = (index = 0): Client => {
    const c = createClient({ ...sentinelOptions, port: sentinels[index].port });
    clients.push(c);
    return c;
  };
  const stop = async (): Promise<void> => {
    for (const c of clients) c.destroy();
    await Promise.allSettled(sentinels.map((s) => s.kill()));
    await Promise.allSettled(servers.map((s) => s.kill()));
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const master = await startData([]);
    for (let i = 0; i < replicaCount; i++) await startData(['--replicaof', '127.0.0.1', String(ports[0])]);
    const probe = clientOf(master.port);
    await waitFor(
      async () => {
        const info = String(await probe.call('INFO', 'replication').catch(() => ''));
        return (info.match(/^slave\d+:.*state=online/gm) ?? []).length === replicaCount;
      },
      { timeoutMs: 15_000, intervalMs: 50, message: `${replicaCount} replicas online` },
    );
    const lines = [
      `sentinel monitor ${masterName} 127.0.0.1 ${ports[0]} ${options.quorum ?? 2}`,
      `sentinel down-after-milliseconds ${masterName} ${options.downAfterMs ?? 1000}`,
      `sentinel failover-timeout ${masterName} ${options.failoverTimeoutMs ?? 5000}`,
      `sentinel parallel-syncs ${masterName} ${replicaCount}`,
      ...(options.dataPassword === undefined ? [] : [`sentinel auth-pass ${masterName} ${options.dataPassword}`]),
      ...(options.sentinelPassword === undefined ? [] : [`requirepass ${options.sentinelPassword}`]),
      ...(options.sentinelUser === undefined ? [] : [`user ${options.sentinelUser.name} on >${options.sentinelUser.password} allchannels +@all`]),
      // Sentinels authenticate to each other with `sentinel sentinel-user/pass` when they require a password.
      ...(options.sentinelUser !== undefined
        ? [`sentinel sentinel-user ${options.sentinelUser.name}`, `sentinel sentinel-pass ${options.sentinelUser.password}`]
        : options.sentinelPassword !== undefined
          ? [`sentinel sentinel-pass ${options.sentinelPassword}`]
          : []),
      ...(options.sentinelConfig ?? []),
    ];
    sentinels.push(...(await Promise.all(Array.from({ length: sentinelCount }, (_, i) => startSentinelProcess(dir, i, lines, tls)))));
    // Ready for a failover: every sentinel sees the master, every replica and every other sentinel.
    const watchers = sentinels.map((_, i) => sentinelClient(i));
    await waitFor(
      async () => {
        for (const s of watchers) {
          const replicas = (await s.call('SENTINEL', 'REPLICAS', masterName).catch(() => [])) as unknown[];
          const peers = (await s.call('SENTINEL', 'SENTINELS', masterName).catch(() => [])) as unknown[];
          if (replicas.length !== replicaCount || peers.length !== sentinelCount - 1) return false;
          if (replicas.some((r) => /down|disconnected/.test(fieldsOf(r).get('flags') ?? ''))) return false;
        }
        return true;
      },
      { timeoutMs: 30_000, intervalMs: 100, message: () => `every sentinel to know ${replicaCount} replicas and ${sentinelCount - 1} peers:\n${sentinels[0]?.log()}` },
    );
  } catch (err) {
    await stop();
    throw err;
  }

  const askers = sentinels.map((_, i) => sentinelClient(i));
  const masterPortBy = async (s: Client): Promise<number | undefined> => {
    const reply = (await s.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName).catch(() => null)) as string[] | null;
    return reply === null ? undefined : Number(reply[1]);
  };
  const currentMaster = async (): Promise<number> => {
    for (let i = 0; i < askers.length; i++) {
      if (sentinels[i].process.exitCode !== null || sentinels[i].process.signalCode !== null) continue;
      const port = await masterPortBy(askers[i]);
      if (port !== undefined) return port;
    }
    throw new Error('no sentinel answered');
  };
  const roleOf = async (port: number): Promise<string> => {
    const server = servers.find((s) => s.port === plainPort(port));
    if (server === undefined || server.process.exitCode !== null || server.process.signalCode !== null) return 'dead';
    const c = createClient({ ...dataOptions, port: server.port, maxConnections: 2 });
    try {
      return String(((await c.call('ROLE')) as unknown[])[0]);
    } catch {
      return 'unreachable';
    } finally {
      c.destroy();
    }
  };
  const waitForNewMaster = async (oldPort: number, timeoutMs = 30_000): Promise<number> => {
    let found = 0;
    await waitFor(
      async () => {
        const ports = new Set<number | undefined>();
        for (let i = 0; i < askers.length; i++) {
          if (sentinels[i].process.exitCode !== null || sentinels[i].process.signalCode !== null) continue;
          ports.add(await masterPortBy(askers[i]));
        }
        const [port] = ports;
        if (ports.size !== 1 || port === undefined || port === oldPort) return false;
        if ((await roleOf(port)) !== 'master') return false;
        found = port;
        return true;
      },
      { timeoutMs, intervalMs: 50, message: () => `the sentinels to agree on a new master (was ${oldPort}):\n${sentinels[0].log().slice(-3000)}` },
    );
    return found;
  };

  return {
    masterName,
    servers,
    ports,
    sentinels,
    sentinelAddresses: sentinels.map((s) => ({ host: s.host, port: (s as { tlsPort?: number }).tlsPort ?? s.port })),
    currentMaster,
    clientOf,
    sentinelClient,
    async failover() {
      const old = await currentMaster();
      await askers[0].call('SENTINEL', 'FAILOVER', masterName);
      return waitForNewMaster(old);
    },
    waitForNewMaster,
    server(port: number) {
      const s = servers.find((x) => x.port === plainPort(port));
      if (s === undefined) throw new Error(`no data server on port ${port}`);
      return s;
    },
    stop,
  };
}
