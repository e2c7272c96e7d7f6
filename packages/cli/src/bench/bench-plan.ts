/**
 * From the command line and the --config files to the list of runs `leanredis bench` makes:
 * option readers for the bench's own syntaxes (`--mix get:80,set:20`, `--ramp 50..500`), the
 * config file schema, and where each client is loaded from (the user's project).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CliError, usageError } from '../cli-error.js';
import { readDurationMs } from '../args.js';
import { resolvePackage } from '../cost/resolve-package.js';
import type { ClientId, LoadConfig, LoadMode, MixCommand, MixEntry } from './bench-protocol.js';
import type { RunRequest } from './run-load.js';

/** The clients `--clients` accepts, with the package each is loaded from. */
export const CLIENT_PACKAGES: Readonly<Record<ClientId, string>> = { leanredis: 'leanredis', ioredis: 'ioredis', redis: 'redis' };
const MIX_COMMANDS: readonly MixCommand[] = ['get', 'set', 'ping', 'incr'];

/** Reads `get:80,set:20` (weights need not sum to 100). */
export function readMix(text: string, where = '--mix'): MixEntry[] {
  const entries: MixEntry[] = [];
  for (const part of text.split(',')) {
    const m = /^\s*([a-z]+)\s*(?::\s*(\d+(?:\.\d+)?))?\s*$/i.exec(part);
    const command = m?.[1].toLowerCase() as MixCommand | undefined;
    if (m === null || command === undefined || !MIX_COMMANDS.includes(command)) throw usageError(`${where} takes command:weight pairs of ${MIX_COMMANDS.join(', ')}, such as get:80,set:20; got "${part.trim()}"`);
    const weight = m[2] === undefined ? 1 : Number(m[2]);
    if (!(weight > 0)) throw usageError(`${where}: the weight of ${command} must be above 0`);
    if (entries.some((e) => e.command === command)) throw usageError(`${where} names ${command} twice`);
    entries.push({ command, weight });
  }
  return entries;
}

/** Reads `50` or `50..500` into [from, to]. */
export function readRange(text: string, name: string, range: { min: number; max: number }): [number, number] {
  const m = /^(\d+)(?:\.\.(\d+))?$/.exec(text.trim());
  if (m === null) throw usageError(`--${name} takes a number or a range such as 50..500, got "${text}"`);
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  for (const n of [from, to]) if (n < range.min || n > range.max) throw usageError(`--${name} must be between ${range.min} and ${range.max}, got ${n}`);
  if (to < from) throw usageError(`--${name}: ${from}..${to} goes down; write the smaller figure first`);
  return [from, to];
}

/** `steps` loads from `from` to `to`, evenly spaced (one when they are equal). */
export function rampSteps(from: number, to: number, steps: number): number[] {
  if (from === to || steps <= 1) return [to === from ? from : to];
  return Array.from({ length: steps }, (_, i) => Math.round(from + ((to - from) * i) / (steps - 1)));
}

/** Settings every run shares unless its config file says otherwise. */
export interface PlanDefaults {
  readonly url: string;
  readonly mode: LoadMode;
  readonly steps: readonly number[];
  readonly durationMs: number;
  readonly warmupMs: number;
  readonly mix: readonly MixEntry[];
  readonly valueSize: number;
  readonly keys: number;
  readonly maxInFlight: number;
  readonly overheadMs: number;
}

/** Fields a --config file may hold. */
const CONFIG_FIELDS = ['name', 'client', 'clientOptions', 'callers', 'ramp', 'rate', 'steps', 'mix', 'valueSize', 'duration', 'warmup', 'keys', 'nodeOptions'] as const;

/** Where a client is loaded from: the user's project; leanredis falls back to the doctor's own. */
export function resolveClient(client: ClientId, cwd: string): Pick<LoadConfig, 'entry' | 'format'> {
  try {
    const r = resolvePackage(CLIENT_PACKAGES[client], cwd, 'auto');
    return { entry: r.entry, format: r.format };
  } catch (err) {
    if (!(err instanceof CliError) || err.code !== 'ERR_CLI_NOT_FOUND') throw err;
    if (client === 'leanredis') return { entry: null, format: 'module' };
    throw new CliError('ERR_CLI_NOT_FOUND', `${client} is not installed in ${cwd} or above it: the bench loads every client from your project (npm install --save-dev ${CLIENT_PACKAGES[client]})`);
  }
}

function isClientId(text: string): text is ClientId {
  return Object.hasOwn(CLIENT_PACKAGES, text);
}

/** Reads `--clients a,b`. */
export function readClients(text: string): ClientId[] {
  const ids = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (ids.length === 0) throw usageError('--clients takes a list such as leanredis,ioredis,redis');
  for (const id of ids) if (!isClientId(id)) throw usageError(`--clients: unknown client "${id}"; known: ${Object.keys(CLIENT_PACKAGES).join(', ')}`);
  if (new Set(ids).size !== ids.length) throw usageError('--clients names a client twice');
  return ids as ClientId[];
}

function loadConfig(keyPrefix: string, defaults: PlanDefaults, request: { name: string; client: ClientId; clientOptions: Record<string, unknown>; nodeOptions: string[]; configFile?: string }, overrides: Partial<PlanDefaults>, cwd: string): RunRequest {
  const s = { ...defaults, ...overrides };
  const config: LoadConfig = {
    client: request.client,
    ...resolveClient(request.client, cwd),
    url: s.url,
    clientOptions: request.clientOptions,
    mode: s.mode,
    steps: s.steps,
    stepMs: Math.max(1, Math.round(s.durationMs / s.steps.length)),
    warmupMs: s.warmupMs,
    mix: s.mix,
    valueSize: s.valueSize,
    keys: s.keys,
    keyPrefix,
    maxInFlight: s.maxInFlight,
    overheadMs: s.overheadMs,
  };
  return { name: request.name, ...(request.configFile !== undefined ? { configFile: request.configFile } : {}), config, nodeOptions: request.nodeOptions };
}

/** One run per client of --clients (no --config). */
export function planClients(clients: readonly ClientId[], defaults: PlanDefaults, cwd: string): RunRequest[] {
  return clients.map((client) => loadConfig('bench:doctor:', defaults, { name: client, client, clientOptions: {}, nodeOptions: [] }, {}, cwd));
}

/** One run per --config file; the command line supplies what a file leaves out. */
export function planConfigs(files: readonly string[], defaults: PlanDefaults, defaultClient: ClientId, cwd: string): RunRequest[] {
  const names = new Set<string>();
  return files.map((file, i) => {
    const path = resolve(cwd, file);
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new CliError('ERR_CLI_BAD_INPUT', `--config ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : err instanceof Error ? err.message : String(err)}`);
    }
    const bad = (why: string) => new CliError('ERR_CLI_BAD_INPUT', `--config ${file}: ${why}`);
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw bad('expected a JSON object');
    const c = raw as Record<string, unknown>;
    for (const key of Object.keys(c)) if (!(CONFIG_FIELDS as readonly string[]).includes(key)) throw bad(`unknown field "${key}"; known: ${CONFIG_FIELDS.join(', ')}`);
    const str = (key: string) => {
      if (c[key] !== undefined && typeof c[key] !== 'string' && typeof c[key] !== 'number') throw bad(`"${key}" must be a string or a number`);
      return c[key] === undefined ? undefined : String(c[key]);
    };
    const client = str('client') ?? defaultClient;
    if (!isClientId(client)) throw bad(`unknown client "${client}"; known: ${Object.keys(CLIENT_PACKAGES).join(', ')}`);
    let name = str('name') ?? `${client} (${file})`;
    if (names.has(name)) name = `${name} #${i + 1}`;
    names.add(name);
    const clientOptions = c.clientOptions ?? {};
    if (clientOptions === null || typeof clientOptions !== 'object' || Array.isArray(clientOptions)) throw bad('"clientOptions" must be an object');
    const nodeOptions = c.nodeOptions ?? [];
    if (!Array.isArray(nodeOptions) || nodeOptions.some((o) => typeof o !== 'string' || !o.startsWith('--'))) throw bad('"nodeOptions" must be a list of node flags such as ["--max-semi-space-size=16"]');
    const overrides: { -readonly [K in keyof PlanDefaults]?: PlanDefaults[K] } = {};
    try {
      const stepCount = str('steps') === undefined ? undefined : Number(str('steps'));
      if (stepCount !== undefined && !(Number.isInteger(stepCount) && stepCount >= 1 && stepCount <= 100)) throw usageError('"steps" must be a whole number from 1 to 100');
      if (str('rate') !== undefined) {
        const [from, to] = readRange(str('rate')!, 'rate', { min: 1, max: 10_000_000 });
        overrides.mode = 'open';
        overrides.steps = rampSteps(from, to, stepCount ?? (from === to ? 1 : 4));
      } else if (str('ramp') !== undefined || str('callers') !== undefined) {
        const [from, to] = readRange(str('ramp') ?? str('callers')!, 'ramp', { min: 1, max: 100_000 });
        overrides.mode = 'closed';
        overrides.steps = rampSteps(from, to, stepCount ?? (from === to ? 1 : 4));
      }
      if (str('mix') !== undefined) overrides.mix = readMix(str('mix')!, '"mix"');
      if (str('valueSize') !== undefined) {
        const v = Number(str('valueSize'));
        if (!(Number.isInteger(v) && v >= 0 && v <= 512 * 1024 * 1024)) throw usageError('"valueSize" must be a whole number of bytes');
        overrides.valueSize = v;
      }
      if (str('keys') !== undefined) {
        const v = Number(str('keys'));
        if (!(Number.isInteger(v) && v >= 1 && v <= 10_000_000)) throw usageError('"keys" must be a whole number from 1');
        overrides.keys = v;
      }
      if (str('duration') !== undefined) overrides.durationMs = readDurationMs(str('duration'), 'duration', 0, { minMs: 1000, maxMs: 86_400_000 });
      if (str('warmup') !== undefined) overrides.warmupMs = readDurationMs(str('warmup'), 'warmup', 0, { minMs: 0, maxMs: 3_600_000 });
    } catch (err) {
      if (err instanceof CliError) throw bad(err.message.replace(/^--/, ''));
      throw err;
    }
    return loadConfig('bench:doctor:', defaults, { name, client, clientOptions: clientOptions as Record<string, unknown>, nodeOptions: nodeOptions as string[], configFile: file }, overrides, cwd);
  });
}
