/**
 * One adapter per client, so every scenario drives every client through the same few calls:
 *
 *   construct(mod, server)          what a user writes to get a client, with default options
 *                                   (no await beyond what the API forces): "created but unused"
 *   open(mod, server, { buffers })  a connected, warmed-up client: { raw, get, set, pipeline, close }
 *
 * `pipeline(n, key, value)` sends n commands (SET and GET alternating) as that client's
 * non-transactional pipeline and resolves the replies. Buffers mode returns bulk replies as
 * Buffers (leanredis `returnBuffers`, ioredis `getBuffer`, node-redis type mapping, glide
 * `Decoder.Bytes`), used by the 1 MiB scenario so no client pays for a UTF-8 decode.
 *
 * Every rival lives in bench/package.json only; leanredis is imported as the built package.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);

function versionOf(pkg) {
  // Some packages (glide) do not export ./package.json: find it next to the resolved entry.
  try {
    return require(`${pkg}/package.json`).version;
  } catch {
    let dir = require.resolve(pkg);
    for (let i = 0; i < 6; i++) {
      dir = dir.slice(0, dir.lastIndexOf('/'));
      try {
        const p = JSON.parse(readFileSync(`${dir}/package.json`, 'utf8'));
        if (p.name === pkg) return p.version;
      } catch {
        /* keep climbing */
      }
    }
    return 'unknown';
  }
}

function ioredisLike(pkg, label) {
  return {
    id: pkg,
    label,
    pkg,
    version: () => versionOf(pkg),
    load: () => import(pkg).then((m) => m.default?.default ?? m.default ?? m.Redis),
    construct(Redis, server) {
      return new Redis({ host: server.host, port: server.port });
    },
    dispose(raw) {
      raw.disconnect();
    },
    async open(Redis, server, { buffers = false } = {}) {
      const raw = new Redis({ host: server.host, port: server.port });
      await new Promise((resolve, reject) => {
        raw.once('ready', resolve);
        raw.once('error', reject);
      });
      return {
        raw,
        get: buffers ? (k) => raw.getBuffer(k) : (k) => raw.get(k),
        set: (k, v) => raw.set(k, v),
        pipeline(n, key, value) {
          const p = raw.pipeline();
          for (let i = 0; i < n; i += 2) {
            p.set(key, value);
            if (i + 1 < n) p.get(key);
          }
          return p.exec();
        },
        close: () => raw.quit().catch(() => raw.disconnect()),
      };
    },
  };
}

export const CLIENTS = {
  leanredis: {
    id: 'leanredis',
    label: 'leanredis',
    pkg: 'leanredis',
    version: () => versionOf('leanredis'),
    load: () => import('leanredis'),
    construct(mod, server) {
      return mod.createClient({ url: server.url });
    },
    dispose(raw) {
      raw.destroy();
    },
    async open(mod, server, { buffers = false } = {}) {
      const raw = mod.createClient({ url: server.url, returnBuffers: buffers });
      await raw.connect();
      return {
        raw,
        get: (k) => raw.get(k),
        set: (k, v) => raw.set(k, v),
        pipeline(n, key, value) {
          const p = raw.pipeline();
          for (let i = 0; i < n; i += 2) {
            p.set(key, value);
            if (i + 1 < n) p.get(key);
          }
          return p.exec();
        },
        close: () => raw.close(),
      };
    },
  },
  ioredis: ioredisLike('ioredis', 'ioredis'),
  redis: {
    id: 'redis',
    label: 'node-redis',
    pkg: 'redis',
    version: () => versionOf('redis'),
    load: () => import('redis'),
    construct(mod, server) {
      return mod.createClient({ url: server.url });
    },
    dispose(raw) {
      if (raw.isOpen) raw.destroy();
    },
    async open(mod, server, { buffers = false } = {}) {
      const base = mod.createClient({ url: server.url });
      base.on('error', () => {});
      await base.connect();
      const raw = buffers ? base.withTypeMapping({ [mod.RESP_TYPES.BLOB_STRING]: Buffer }) : base;
      return {
        raw,
        get: (k) => raw.get(k),
        set: (k, v) => raw.set(k, v),
        pipeline(n, key, value) {
          const m = raw.multi();
          for (let i = 0; i < n; i += 2) {
            m.set(key, value);
            if (i + 1 < n) m.get(key);
          }
          return m.execAsPipeline();
        },
        close: () => base.close(),
      };
    },
  },
  iovalkey: ioredisLike('iovalkey', 'iovalkey'),
  glide: {
    id: 'glide',
    label: 'valkey-glide',
    pkg: '@valkey/valkey-glide',
    version: () => versionOf('@valkey/valkey-glide'),
    load: () => import('@valkey/valkey-glide'),
    // createClient is async and connects before it resolves; that is the only way to get one.
    construct(mod, server) {
      return mod.GlideClient.createClient({ addresses: [{ host: server.host, port: server.port }] });
    },
    dispose(raw) {
      raw.close();
    },
    async open(mod, server, { buffers = false } = {}) {
      // The default 250 ms requestTimeout fails large GETs under load; 5 s matches the others.
      // The default inflightRequestsLimit (1,000) rejects half of the 2,000-caller scenario.
      const raw = await mod.GlideClient.createClient({ addresses: [{ host: server.host, port: server.port }], requestTimeout: 5000, inflightRequestsLimit: 10_000 });
      const decoder = buffers ? { decoder: mod.Decoder.Bytes } : undefined;
      return {
        raw,
        get: buffers ? (k) => raw.get(k, decoder) : (k) => raw.get(k),
        set: (k, v) => raw.set(k, v),
        pipeline(n, key, value) {
          const b = new mod.Batch(false);
          for (let i = 0; i < n; i += 2) {
            b.set(key, value);
            if (i + 1 < n) b.get(key);
          }
          return raw.exec(b, true);
        },
        close: async () => raw.close(),
      };
    },
  },
};

/**
 * Not a client: replies at once with an already-resolved promise. Run through the same loop,
 * it shows what the measuring loop itself costs (the floor under every client's figure).
 */
export const FLOOR = {
  id: 'floor',
  label: 'loop floor (no client)',
  pkg: undefined,
  version: () => '-',
  load: async () => ({}),
  async open() {
    const store = new Map();
    return {
      raw: store,
      get: (k) => Promise.resolve(store.get(k) ?? null),
      set: (k, v) => (store.set(k, v), Promise.resolve('OK')),
      pipeline: (n) => Promise.resolve(new Array(n).fill('OK')),
      close: async () => {},
    };
  },
};

// Before/after comparisons of a change: LEANREDIS_BASE_DIST=<dir of another build's index.js>
// adds a `leanredis@base` row, driven exactly like `leanredis` and interleaved with it in every
// round (e.g. --clients=leanredis,leanredis@base). Absent unless the variable is set.
if (process.env.LEANREDIS_BASE_DIST) {
  const entry = pathToFileURL(join(process.env.LEANREDIS_BASE_DIST, 'index.js')).href;
  CLIENTS['leanredis@base'] = { ...CLIENTS.leanredis, id: 'leanredis@base', label: 'leanredis@base', version: () => 'base build', load: () => import(entry) };
}

/** Client ids in run order; leanredis first so every ratio has its denominator. */
export const CLIENT_IDS = Object.keys(CLIENTS);
