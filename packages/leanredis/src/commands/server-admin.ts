// @layer L2 commands
/**
 * Server administration: persistence (SAVE, BGSAVE, BGREWRITEAOF), replication (ROLE,
 * REPLICAOF, FAILOVER, WAIT), CONFIG REWRITE, LOLWUT, modules, and the CLIENT subcommands about
 * other connections (GETREDIR, TRACKINGINFO, UNBLOCK). Rarely called by applications; like the
 * rest of the table they are loaded with the first client, not at import.
 */
import type { Arg } from '../resp/encoder.js';
import { checkOptions, boolean, integer, nested, optionsSpec, text, value } from './check-options.js';
import { checkInteger, checkWord, invalid } from './arguments.js';
import { define, type ServerText, type Value } from './define.js';
import type { Definitions, DefinitionKind, Kind, Out } from './kinds.js';
import { asString, toBoolean, toNumber, toRecord } from './replies.js';

/** A replica as its master's ROLE lists it. */
export interface ReplicaRole {
  host: ServerText;
  port: number;
  /** The replication offset it acknowledged. */
  replicationOffset: number;
}

/** ROLE of a master. */
export interface MasterRole {
  role: 'master';
  replicationOffset: number;
  replicas: ReplicaRole[];
}

/** ROLE of a replica (the server says "slave"). */
export interface ReplicaOfRole {
  role: 'slave';
  masterHost: ServerText;
  masterPort: number;
  /** "connect", "connecting", "sync", "connected" or "handshake". */
  state: ServerText;
  /** Data received from the master so far, or -1 before the first sync. */
  replicationOffset: number;
}

/** ROLE of a sentinel. */
export interface SentinelRole {
  role: 'sentinel';
  /** The masters it monitors. */
  masterNames: ServerText[];
}

/** What ROLE says the server is; `role` tells the three apart. */
export type RoleReply = MasterRole | ReplicaOfRole | SentinelRole;

export interface BgSaveOptions {
  /** When a rewrite of the append-only file is running, save after it rather than fail (SCHEDULE). @default false */
  schedule?: boolean;
}

export interface LolwutOptions {
  /** Which version's artwork (VERSION). @default the server's */
  version?: number;
}

export interface FailoverOptions {
  /** The replica to hand over to (TO host port [FORCE]); `force` fails over even if it has not caught up by the timeout. @default any replica */
  to?: { host: string; port: number; force?: boolean };
  /** Stop a failover in progress (ABORT); exclusive with the other options. @default false */
  abort?: boolean;
  /** How long the master waits for the replica to catch up (TIMEOUT). @default no limit (ms) */
  timeoutMs?: number;
}

export interface ModuleLoadExOptions {
  /** Module configuration directives (CONFIG name value ...). @default none */
  config?: Record<string, Value>;
  /** Arguments passed to the module (ARGS ...). @default none */
  arguments?: readonly Value[];
}

/** A loaded module, as MODULE LIST describes it. */
export interface ModuleDescription {
  name: ServerText;
  /** Its version number, as the module states it. */
  version: number;
  /** The file it was loaded from. */
  path: ServerText;
  /** The arguments it was loaded with. */
  arguments: ServerText[];
}

/** CLIENT TRACKINGINFO: the connection's client-side caching state. */
export interface TrackingInfo {
  /** "off", "on", "bcast", "optin", "optout", "caching-yes", "caching-no", "noloop", "broken_redirect". */
  flags: ServerText[];
  /** The client receiving invalidations: -1 none, 0 this connection (RESP3), else its id. */
  redirect: number;
  /** BCAST prefixes. */
  prefixes: ServerText[];
}

const BGSAVE_OPTIONS = optionsSpec({ schedule: boolean });
const LOLWUT_OPTIONS = optionsSpec({ version: integer(1) });
const FAILOVER_TO = optionsSpec({ host: text, port: integer(1, 65535), force: boolean });
const FAILOVER_OPTIONS = optionsSpec({ to: nested(FAILOVER_TO, ['host', 'port']), abort: boolean, timeoutMs: integer(1) }, [
  ['abort', 'to'],
  ['abort', 'timeoutMs'],
]);
const MODULE_LOADEX_OPTIONS = optionsSpec({
  config: (v) => (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => value(x) === undefined) ? undefined : 'a record of values'),
  arguments: (v) => (Array.isArray(v) && v.every((x) => value(x) === undefined) ? undefined : 'an array of values'),
});

function toRole(reply: unknown): RoleReply {
  const r = reply as unknown[];
  const role = asString(r[0]);
  if (role === 'master') {
    const replicas = (r[2] as unknown[][]).map((x) => ({ host: asString(x[0]), port: toNumber(x[1]), replicationOffset: toNumber(x[2]) }));
    return { role: 'master', replicationOffset: toNumber(r[1]), replicas };
  }
  if (role === 'slave') return { role: 'slave', masterHost: asString(r[1]), masterPort: toNumber(r[2]), state: asString(r[3]), replicationOffset: toNumber(r[4]) };
  return { role: 'sentinel', masterNames: (r[1] as unknown[]).map(asString) };
}

function toModule(reply: unknown): ModuleDescription {
  const m = toRecord(reply);
  return { name: asString(m.name), version: toNumber(m.ver), path: asString(m.path ?? ''), arguments: ((m.args as unknown[] | undefined) ?? []).map(asString) };
}

/** Server administration: persistence, replication, CONFIG REWRITE, modules, other connections. */
export interface ServerAdminCommands<K extends Kind> {
  /** SAVE: writes the dataset to disk, blocking the server until done. Prefer bgSave(). */
  save(): Out<K, 'OK'>;
  /** BGSAVE [SCHEDULE]: starts saving to disk in a child process; "Background saving started" (or "...scheduled"). */
  bgSave(options?: BgSaveOptions): Out<K, ServerText>;
  /** BGREWRITEAOF: starts rewriting the append-only file; a status text saying it started or was scheduled. */
  bgRewriteAof(): Out<K, ServerText>;
  /** ROLE: master (with its replicas), replica (with its master and link state) or sentinel. */
  role(): Out<K, RoleReply>;
  /** REPLICAOF host port: makes the server a replica of another (dropping its own data on sync). */
  replicaOf(host: string, port: number): Out<K, 'OK'>;
  /** REPLICAOF NO ONE: stops replicating and becomes a master, keeping its data. */
  replicaOfNoOne(): Out<K, 'OK'>;
  /** FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT ms]: hands the master role to a replica, coordinated. */
  failover(options?: FailoverOptions): Out<K, 'OK'>;
  /**
   * WAIT numReplicas timeoutMs: blocks until the writes of this connection before it reached
   * `numReplicas` replicas or the timeout passed (0 waits forever); how many acknowledged. It
   * runs on a leased connection, so it waits for the writes of that connection: send the writes
   * and WAIT on one lease.
   */
  wait(numReplicas: number, timeoutMs: number): Out<K, number>;
  /** CONFIG REWRITE: writes the running configuration to the server's config file. */
  configRewrite(): Out<K, 'OK'>;
  /** LOLWUT [VERSION v]: generative art and the server version, as text. */
  lolwut(options?: LolwutOptions): Out<K, ServerText>;
  /** MODULE LIST: the loaded modules. */
  moduleList(): Out<K, ModuleDescription[]>;
  /** MODULE LOAD path [arg ...]: loads a module from a file on the server. */
  moduleLoad(path: string, args?: readonly Value[]): Out<K, 'OK'>;
  /** MODULE LOADEX path [CONFIG name value ...] [ARGS arg ...]: loads a module with configuration. */
  moduleLoadEx(path: string, options?: ModuleLoadExOptions): Out<K, 'OK'>;
  /** MODULE UNLOAD name: unloads a module. */
  moduleUnload(name: string): Out<K, 'OK'>;
  /** CLIENT GETREDIR: the id of the client this connection's tracking redirects to; -1 none, 0 not tracking... (see TRACKINGINFO). */
  clientGetRedir(): Out<K, number>;
  /** CLIENT TRACKINGINFO: the client-side caching state of the connection that runs it. */
  clientTrackingInfo(): Out<K, TrackingInfo>;
  /** CLIENT UNBLOCK id [TIMEOUT|ERROR]: ends another client's blocking command (as a timeout, or with UNBLOCKED); whether it was blocked. */
  clientUnblock(clientId: number, mode?: 'TIMEOUT' | 'ERROR'): Out<K, boolean>;
}

/** The family's definitions, built on first use (see commands/index.ts). */
export const serverAdminCommands = (): Definitions<ServerAdminCommands<DefinitionKind>> => ({
  save: define('SAVE', { arity: 0, keys: [] }),
  bgSave: define('BGSAVE', {
    build: (options?: BgSaveOptions) => {
      checkOptions('bgSave', options, BGSAVE_OPTIONS);
      return options?.schedule === true ? ['SCHEDULE'] : [];
    },
    transform: asString,
    keys: [],
  }),
  bgRewriteAof: define('BGREWRITEAOF', { arity: 0, transform: asString, keys: [] }),
  role: define('ROLE', { arity: 0, transform: toRole, readOnly: true, keys: [] }),
  replicaOf: define('REPLICAOF', {
    build: (host: string, port: number) => {
      if (typeof host !== 'string' || host === '') invalid('replicaOf', 'expected a host name (replicaOfNoOne() stops replicating)');
      return [host, checkInteger('replicaOf', 'port', port, 1, 65535)];
    },
    keys: [],
  }),
  replicaOfNoOne: define('REPLICAOF', { build: () => ['NO', 'ONE'], keys: [] }),
  failover: define('FAILOVER', {
    build: (options?: FailoverOptions) => {
      checkOptions('failover', options, FAILOVER_OPTIONS);
      const out: Arg[] = [];
      const to = options?.to;
      if (to !== undefined) out.push('TO', to.host, to.port, ...(to.force === true ? ['FORCE'] : []));
      if (to?.force === true && options?.timeoutMs === undefined) invalid('failover', 'to.force needs timeoutMs (the server refuses FORCE without TIMEOUT)');
      if (options?.abort === true) out.push('ABORT');
      if (options?.timeoutMs !== undefined) out.push('TIMEOUT', options.timeoutMs);
      return out;
    },
    keys: [],
  }),
  wait: define('WAIT', {
    build: (numReplicas: number, timeoutMs: number) => [checkInteger('wait', 'numReplicas', numReplicas, 0), checkInteger('wait', 'timeoutMs', timeoutMs, 0)],
    keys: [],
    block: { at: -1, unit: 'ms' },
  }),
  configRewrite: define('CONFIG REWRITE', { arity: 0, keys: [] }),
  lolwut: define('LOLWUT', {
    build: (options?: LolwutOptions) => {
      checkOptions('lolwut', options, LOLWUT_OPTIONS);
      return options?.version === undefined ? [] : ['VERSION', options.version];
    },
    transform: asString,
    readOnly: true,
    keys: [],
  }),
  moduleList: define('MODULE LIST', { arity: 0, transform: (r) => (r as unknown[]).map(toModule), keys: [] }),
  moduleLoad: define('MODULE LOAD', {
    build: (path: string, args?: readonly Value[]) => {
      if (typeof path !== 'string' || path === '') invalid('moduleLoad', 'expected the path of a module file');
      if (args !== undefined && !Array.isArray(args)) invalid('moduleLoad', 'arguments must be an array');
      return [path, ...(args ?? [])];
    },
    keys: [],
  }),
  moduleLoadEx: define('MODULE LOADEX', {
    build: (path: string, options?: ModuleLoadExOptions) => {
      if (typeof path !== 'string' || path === '') invalid('moduleLoadEx', 'expected the path of a module file');
      checkOptions('moduleLoadEx', options, MODULE_LOADEX_OPTIONS);
      const out: Arg[] = [path];
      const config = options?.config ?? {};
      for (const name of Object.keys(config)) out.push('CONFIG', name, config[name]);
      if (options?.arguments !== undefined && options.arguments.length > 0) out.push('ARGS', ...options.arguments);
      return out;
    },
    keys: [],
  }),
  moduleUnload: define('MODULE UNLOAD', { keys: [] }),
  clientGetRedir: define('CLIENT GETREDIR', { arity: 0, readOnly: true, keys: [] }),
  clientTrackingInfo: define('CLIENT TRACKINGINFO', {
    arity: 0,
    transform: (r) => {
      const t = toRecord(r);
      return { flags: (t.flags as unknown[]).map(asString), redirect: toNumber(t.redirect), prefixes: (t.prefixes as unknown[]).map(asString) };
    },
    readOnly: true,
    keys: [],
  }),
  clientUnblock: define('CLIENT UNBLOCK', {
    build: (clientId: number, mode?: 'TIMEOUT' | 'ERROR') => {
      const out: Arg[] = [checkInteger('clientUnblock', 'clientId', clientId, 1)];
      if (mode !== undefined) out.push(checkWord('clientUnblock', 'mode', mode, ['TIMEOUT', 'ERROR'] as const));
      return out;
    },
    transform: toBoolean,
    keys: [],
  }),
});
