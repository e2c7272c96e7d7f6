/**
 * Micro-benchmarks (mitata) of the RESP decoder and encoder on replies captured from the
 * bench's redis-server. leanredis is measured from its TypeScript sources through tsx; the
 * rivals' own JS decoders are fed the same bytes: ioredis 6 (built/resp/decoder.js),
 * node-redis (@redis/client RESP decoder), iovalkey (redis-parser, RESP2 only). glide decodes
 * in Rust and has no JS codec to compare.
 */
import { connect } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHUNK = 64 * 1024;

/** Sends raw RESP, returns the bytes of the replies between two ECHO markers. */
function capture(server, commands) {
  const cmd = (...args) => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
  const start = '$9\r\n__start__\r\n';
  const end = '$7\r\n__end__\r\n';
  return new Promise((resolve, reject) => {
    const sock = connect({ host: server.host, port: server.port });
    const parts = [];
    let size = 0;
    sock.on('error', reject);
    sock.on('connect', () => sock.write(commands.prefix.map((c) => cmd(...c)).join('') + cmd('ECHO', '__start__') + commands.body.map((c) => cmd(...c)).join('') + cmd('ECHO', '__end__')));
    sock.on('data', (d) => {
      parts.push(d);
      size += d.length;
      const all = Buffer.concat(parts, size);
      if (all.length >= end.length && all.subarray(all.length - end.length).toString('latin1') === end) {
        sock.end();
        const s = all.indexOf(start);
        resolve(Buffer.from(all.subarray(s + start.length, all.length - end.length)));
      }
    });
  });
}

const ascii = (n) => {
  let s = '';
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  for (let i = 0; i < n; i++) s += alphabet[(i * 7919 + (i >> 5)) % alphabet.length];
  return s;
};

async function captureAll(server) {
  const setup = [
    ['SET', 'bench:codec:1b', 'x'],
    ['SET', 'bench:codec:1k', ascii(1024)],
    ['SET', 'bench:codec:1m', ascii(1024 * 1024)],
    ['DEL', 'bench:codec:list', 'bench:codec:hash'],
  ];
  const list = Array.from({ length: 10_000 }, (_, i) => `item:${i}`);
  for (let i = 0; i < list.length; i += 1000) setup.push(['RPUSH', 'bench:codec:list', ...list.slice(i, i + 1000)]);
  const hash = ['HSET', 'bench:codec:hash'];
  for (let i = 0; i < 100; i++) hash.push(`field:${i}`, `value:${i}`);
  setup.push(hash);
  await capture(server, { prefix: setup, body: [] });
  return {
    bulk1b: await capture(server, { prefix: [], body: [['GET', 'bench:codec:1b']] }),
    bulk1k: await capture(server, { prefix: [], body: [['GET', 'bench:codec:1k']] }),
    bulk1m: await capture(server, { prefix: [], body: [['GET', 'bench:codec:1m']] }),
    array10k: await capture(server, { prefix: [], body: [['LRANGE', 'bench:codec:list', '0', '-1']] }),
    map100: await capture(server, { prefix: [['HELLO', '3']], body: [['HGETALL', 'bench:codec:hash']] }),
  };
}

/** The decoder and encoder of each client, behind one shape: decode(chunks), and prepare(args) -> encode thunk. */
async function codecOf(clientId) {
  /** @type {unknown} */
  let sink;
  switch (clientId) {
    case 'leanredis': {
      const { Decoder } = await import(pathToFileURL(join(REPO, 'packages/leanredis/src/resp/decoder.ts')).href);
      const { Encoder, encodeName } = await import(pathToFileURL(join(REPO, 'packages/leanredis/src/resp/encoder.ts')).href);
      const d = new Decoder((r) => (sink = r), () => {});
      const enc = new Encoder();
      return {
        decode(chunks) {
          sink = undefined;
          for (const c of chunks) d.write(c);
          return sink;
        },
        // Name tokens are encoded once per command definition, as the client does.
        prepare(args) {
          const name = encodeName([args[0]]);
          const rest = args.slice(1);
          return () => {
            enc.write(name, 1, rest);
            return enc.take();
          };
        },
        resp3: true,
      };
    }
    case 'ioredis':
    case 'redis': {
      const base = clientId === 'ioredis' ? join(dirname(require.resolve('ioredis')), 'resp', 'decoder.js') : join(dirname(require.resolve('@redis/client')), 'lib', 'RESP', 'decoder.js');
      const { Decoder } = require(base);
      const d = new Decoder({ onReply: (r) => (sink = r), onErrorReply: (e) => (sink = e), onPush: () => {}, getTypeMapping: () => ({}) });
      let encode;
      if (clientId === 'redis') {
        const encodeCommand = require(join(dirname(require.resolve('@redis/client')), 'lib', 'RESP', 'encoder.js')).default;
        // encodeCommand returns strings; socket.write would turn them into bytes, so we do too.
        encode = (args) => encodeCommand(args).map((p) => (typeof p === 'string' ? Buffer.from(p) : p));
      } else {
        const { default: Command } = require(join(dirname(require.resolve('ioredis')), 'Command.js'));
        encode = (args) => {
          const w = new Command(args[0], args.slice(1)).toWritable(null); // ioredis builds a Command per call too
          return typeof w === 'string' ? Buffer.from(w) : w;
        };
      }
      return {
        decode(chunks) {
          sink = undefined;
          for (const c of chunks) d.write(c);
          return sink;
        },
        prepare: (args) => () => encode(args),
        resp3: true,
      };
    }
    case 'iovalkey': {
      const Parser = require(require.resolve('redis-parser', { paths: [dirname(require.resolve('iovalkey'))] }));
      const p = new Parser({ returnReply: (r) => (sink = r), returnError: (e) => (sink = e), returnBuffers: false });
      return {
        decode(chunks) {
          sink = undefined;
          for (const c of chunks) p.execute(c);
          return sink;
        },
        prepare: undefined,
        resp3: false,
      };
    }
    default:
      throw new Error(`no JS codec for ${clientId}`);
  }
}

const split = (buf) => {
  const out = [];
  for (let i = 0; i < buf.length; i += CHUNK) out.push(buf.subarray(i, i + CHUNK));
  return out;
};

const VALUE_100 = 'x'.repeat(100);
const ENCODE_CASES = {
  encGet: ['GET', 'user:1000:profile'],
  encSet: ['SET', 'user:1000:profile', VALUE_100],
  encHset: ['HSET', 'user:1000', 'name', 'Ada Lovelace', 'email', 'ada@example.com', 'visits', '42'],
};

export default {
  id: 'codec',
  title: 'Codec micro-benchmarks (mitata): decoder on captured replies, encoder for common commands',
  method:
    'Replies captured from the bench redis-server over a raw socket (GET of 1 B, 1 KiB and 1 MiB values, LRANGE of a 10,000-element list, HGETALL of a 100-field hash under HELLO 3 for the RESP3 map). Each client\'s JS decoder (leanredis from `packages/leanredis/src/resp/*.ts` through tsx; ioredis 6 `built/resp/decoder.js`; node-redis `@redis/client` RESP decoder; iovalkey `redis-parser`, RESP2 only) is fed the same bytes whole, and the 1 MiB bulk also in 64 KiB chunks as a socket delivers it. Encoders turn GET/SET/HSET into bytes ready for the socket (node-redis and ioredis produce strings, converted with Buffer.from as socket.write would). mitata average time per call, in a fresh process per client and round.',
  clients: ['leanredis', 'ioredis', 'redis', 'iovalkey'],
  nodeFlags: ['--expose-gc', '--import', 'tsx'],
  flush: false,
  params: ({ quick }) => ({ quick }),
  async run({ client, server, params }) {
    const { bench, run, do_not_optimize } = await import('mitata');
    const replies = await captureAll(server);
    const codec = await codecOf(client.id);
    const cases = {
      bulk1b: [replies.bulk1b],
      bulk1k: [replies.bulk1k],
      bulk1m: [replies.bulk1m],
      bulk1mChunked: split(replies.bulk1m),
      array10k: [replies.array10k],
      ...(codec.resp3 ? { map100: [replies.map100] } : {}),
    };
    // Sanity: every decoder returns, for every case, a value of the size the server sent.
    const expected = { bulk1b: 1, bulk1k: 1024, bulk1m: 1024 * 1024, bulk1mChunked: 1024 * 1024, array10k: 10_000, map100: 100 };
    for (const [name, chunks] of Object.entries(cases)) {
      for (let i = 0; i < 2; i++) {
        const v = codec.decode(chunks);
        const size = v instanceof Map ? v.size : name === 'map100' ? (Array.isArray(v) ? v.length / 2 : Object.keys(v ?? {}).length) : /** @type {{ length?: number } | undefined} */ (v)?.length;
        if (size !== expected[name]) throw new Error(`${client.id} decoded ${name} to ${size} elements/bytes, expected ${expected[name]}`);
      }
    }
    for (const [name, chunks] of Object.entries(cases)) bench(name, () => do_not_optimize(codec.decode(chunks)));
    if (codec.prepare) for (const [name, args] of Object.entries(ENCODE_CASES)) bench(name, codec.prepare(args));
    const out = await run({ format: 'quiet', throw: true, ...(params.quick ? { min_cpu_time: 50e6 } : {}) });
    const result = {};
    for (const b of out.benchmarks) result[b.alias] = b.runs[0]?.stats?.avg;
    return result;
  },
  metrics: [
    { key: 'bulk1b', label: 'bulk 1 B', unit: 'ns', better: 'lower' },
    { key: 'bulk1k', label: 'bulk 1 KiB', unit: 'ns', better: 'lower' },
    { key: 'bulk1m', label: 'bulk 1 MiB', unit: 'ns', better: 'lower' },
    { key: 'bulk1mChunked', label: 'bulk 1 MiB in 64 KiB chunks', unit: 'ns', better: 'lower' },
    { key: 'array10k', label: 'array of 10k', unit: 'ns', better: 'lower' },
    { key: 'map100', label: 'RESP3 map of 100', unit: 'ns', better: 'lower' },
    { key: 'encGet', label: 'encode GET', unit: 'ns', better: 'lower' },
    { key: 'encSet', label: 'encode SET 100 B', unit: 'ns', better: 'lower' },
    { key: 'encHset', label: 'encode HSET 3 fields', unit: 'ns', better: 'lower' },
  ],
};
