/**
 * The client under test behind the four calls the load generator's mix sends (GET, SET, PING,
 * INCR): leanredis, ioredis or node-redis, imported from the user's project (`config.entry`), made
 * with the run's URL and client options, and connected within CONNECT_DEADLINE_MS. The same calls,
 * the same way, for every client: a closure per call, nothing else in between.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { LoadConfig } from '../bench/bench-protocol.js';

/** The four commands the mix may send, the same way for every client. */
export interface Driver {
  readonly version: string;
  get(key: string): Promise<unknown>;
  set(key: string, value: string): Promise<unknown>;
  ping(): Promise<unknown>;
  incr(key: string): Promise<unknown>;
  close(): Promise<void>;
}

/** Loose shapes of the three clients, as far as the driver touches them. */
interface AnyClient {
  get(k: string): Promise<unknown>;
  set(k: string, v: string): Promise<unknown>;
  ping(): Promise<unknown>;
  incr(k: string): Promise<unknown>;
  connect?(): Promise<unknown>;
  close?(): Promise<unknown>;
  quit?(): Promise<unknown>;
  disconnect?(): void;
  on?(event: string, listener: (...args: unknown[]) => void): unknown;
  once?(event: string, listener: (...args: unknown[]) => void): unknown;
}

function versionOf(entry: string | null, name: string): string {
  try {
    // The entry lives in the package; its package.json is found by walking up from it.
    const require = createRequire(entry ?? import.meta.url);
    let dir = entry === null ? require.resolve('leanredis') : entry;
    for (let i = 0; i < 8; i++) {
      dir = dir.slice(0, dir.lastIndexOf('/'));
      try {
        const manifest = require(`${dir}/package.json`) as { name?: string; version?: string };
        if (manifest.name === name) return manifest.version ?? '';
      } catch {
        // not here: keep climbing
      }
    }
  } catch {
    // the version is a label only
  }
  return '';
}

/** How long the client may take to connect (and authenticate). (ms) */
const CONNECT_DEADLINE_MS = 10_000;

export async function openDriver(config: LoadConfig): Promise<Driver> {
  const client = config.client;
  const mod = (config.entry === null ? await import('leanredis') : await import(pathToFileURL(config.entry).href)) as Record<string, unknown> & { default?: Record<string, unknown> };
  const version = versionOf(config.entry, client);
  const options = config.clientOptions;
  let raw: AnyClient;
  if (client === 'ioredis') {
    // CommonJS module.exports = Redis, with .default and .Redis on it.
    type Ctor = new (url: string, options: object) => AnyClient;
    const exported = (mod.default ?? mod) as unknown as Ctor | { Redis: Ctor };
    const Ctor = typeof exported === 'function' ? exported : exported.Redis;
    raw = new Ctor(config.url, { lazyConnect: true, ...options });
  } else {
    const createClient = (mod.createClient ?? mod.default?.createClient) as (options: object) => AnyClient;
    raw = createClient({ url: config.url, ...options });
  }
  // ioredis and node-redis report connection trouble (a refused dial, a wrong password) as
  // 'error' events, retry forever and reject connect() with a vaguer error or not at all: keep
  // the last event's error, and give up after CONNECT_DEADLINE_MS with it.
  let lastError: unknown;
  if (client !== 'leanredis') raw.on!('error', (err) => (lastError = err));
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      raw.connect!(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(lastError ?? Object.assign(new Error(`no connection within ${CONNECT_DEADLINE_MS} ms`), { code: 'ERR_CONNECT_TIMEOUT' })), CONNECT_DEADLINE_MS);
      }),
    ]);
  } catch (err) {
    throw lastError ?? err;
  } finally {
    clearTimeout(timer);
  }
  return {
    version,
    get: (k) => raw.get(k),
    set: (k, v) => raw.set(k, v),
    ping: () => raw.ping(),
    incr: (k) => raw.incr(k),
    async close() {
      if (typeof raw.close === 'function') await raw.close();
      else if (typeof raw.quit === 'function') await raw.quit();
      else raw.disconnect?.();
    },
  };
}
