/**
 * TLS fixtures made at test time with the `openssl` CLI (nothing checked in, nothing expires in
 * the repository), and a TLS-only redis-server started on them.
 *
 *   const certs = await generateTlsFixtures();          // temp dir; certs.cleanup() removes it
 *   const server = await startTlsRedisServer({ certs, requireClientCert: true });
 *   tls.connect({ port: server.port, host: '127.0.0.1', ...certs.clientOptions() });
 *
 * Keys are EC P-256: as good as RSA for these tests and about ten times faster to make.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import * as tls from 'node:tls';
import { freePort, rawCommand, startRedisServer, type RedisServer, type StartOptions } from './redis-server.ts';

/** The `openssl` binary used: from PATH unless OPENSSL overrides it. */
export const OPENSSL_BIN = process.env.OPENSSL ?? 'openssl';

/** A certificate and its private key, as files and as PEM text. */
export interface CertPair {
  readonly certPath: string;
  readonly keyPath: string;
  /** The certificate, PEM. */
  readonly cert: string;
  /** The private key, PEM (unencrypted). */
  readonly key: string;
}

/** Every certificate a TLS test needs. */
export interface TlsFixtures {
  /** The folder holding the files. */
  readonly dir: string;
  /** The CA that signs server, client and wrongHostServer. */
  readonly ca: CertPair;
  /** Server certificate for CN localhost, SAN DNS:localhost and IP:127.0.0.1. */
  readonly server: CertPair;
  /** Client certificate (CN leanredis-test-client) for mutual TLS. */
  readonly client: CertPair;
  /** A CA unrelated to everything else here (for "wrong CA" tests). */
  readonly otherCa: CertPair;
  /** Server certificate signed by `ca` for the wrong name: CN and SAN DNS:wrong.example only. */
  readonly wrongHostServer: CertPair;
  /**
   * `tls.connect` options trusting `ca` (or another CA) and, when `withClientCert`, presenting
   * the client certificate. @default { ca: 'ca', withClientCert: false }
   */
  clientOptions(options?: { ca?: 'ca' | 'otherCa'; withClientCert?: boolean }): tls.ConnectionOptions;
  /** Removes the files (the whole folder if this module created it). */
  cleanup(): void;
  /** Same as cleanup(), for `using`. */
  [Symbol.dispose](): void;
}

function runOpenssl(bin: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { cwd, timeout: 30_000, maxBuffer: 1024 * 1024 }, (err, stdout, stderr) => {
      if (err === null) {
        resolve(stdout);
        return;
      }
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new Error(`openssl not found (looked for "${bin}"). Install it (Debian/Ubuntu: apt-get install openssl) or set OPENSSL to its path.`));
        return;
      }
      reject(new Error(`openssl ${args[0]} failed: ${err.message}\n${stderr}`));
    });
  });
}

const KEY_ARGS = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
const DAYS = '30';

/** Options of {@link generateTlsFixtures}. */
export interface TlsFixtureOptions {
  /** The openssl binary. @default OPENSSL_BIN */
  opensslBin?: string;
}

/**
 * Creates the fixtures with openssl in `dir` (created if needed) or in a new temp folder.
 * Throws a clear error if openssl is missing.
 */
export async function generateTlsFixtures(dir?: string, options: TlsFixtureOptions = {}): Promise<TlsFixtures> {
  const bin = options.opensslBin ?? OPENSSL_BIN;
  const run = (args: string[], cwd: string): Promise<string> => runOpenssl(bin, args, cwd);
  await run(['version'], tmpdir());
  const isOwnDir = dir === undefined;
  const folder = dir ?? mkdtempSync(join(tmpdir(), 'leanredis-tls-'));
  mkdirSync(folder, { recursive: true });
  const written: string[] = [];
  const path = (name: string): string => {
    const file = join(folder, name);
    written.push(file);
    return file;
  };
  const serial = (): string => `0x${randomBytes(8).toString('hex')}`;

  async function makeCa(name: string, cn: string): Promise<void> {
    await run(
      ['req', '-x509', ...KEY_ARGS, '-keyout', path(`${name}.key`), '-out', path(`${name}.crt`), '-days', DAYS, '-subj', `/CN=${cn}`, '-set_serial', serial(),
        '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
      folder,
    );
  }

  /** A key and CSR, then a certificate signed by `ca` with the given extensions. */
  async function makeLeaf(name: string, cn: string, extensions: string[]): Promise<void> {
    const csr = path(`${name}.csr`);
    await run(['req', '-new', ...KEY_ARGS, '-keyout', path(`${name}.key`), '-out', csr, '-subj', `/CN=${cn}`], folder);
    const extfile = path(`${name}.ext`);
    writeFileSync(extfile, `${['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', ...extensions].join('\n')}\n`);
    await run(
      ['x509', '-req', '-in', csr, '-CA', join(folder, 'ca.crt'), '-CAkey', join(folder, 'ca.key'), '-set_serial', serial(), '-days', DAYS, '-sha256', '-extfile', extfile, '-out', path(`${name}.crt`)],
      folder,
    );
  }

  try {
    await Promise.all([makeCa('ca', 'leanredis-test-ca'), makeCa('other-ca', 'leanredis-unrelated-ca')]);
    await Promise.all([
      makeLeaf('server', 'localhost', ['subjectAltName=DNS:localhost,IP:127.0.0.1', 'extendedKeyUsage=serverAuth,clientAuth']),
      makeLeaf('client', 'leanredis-test-client', ['extendedKeyUsage=clientAuth']),
      makeLeaf('wrong-host', 'wrong.example', ['subjectAltName=DNS:wrong.example', 'extendedKeyUsage=serverAuth,clientAuth']),
    ]);
  } catch (err) {
    if (isOwnDir) rmSync(folder, { recursive: true, force: true });
    throw err;
  }

  const pair = (name: string): CertPair => {
    const certPath = join(folder, `${name}.crt`);
    const keyPath = join(folder, `${name}.key`);
    return { certPath, keyPath, cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8') };
  };
  const ca = pair('ca');
  const otherCa = pair('other-ca');
  const client = pair('client');
  const cleanup = (): void => {
    if (isOwnDir) rmSync(folder, { recursive: true, force: true });
    else for (const file of written) rmSync(file, { force: true });
  };
  return {
    dir: folder,
    ca,
    server: pair('server'),
    client,
    otherCa,
    wrongHostServer: pair('wrong-host'),
    clientOptions(choice = {}) {
      return {
        ca: choice.ca === 'otherCa' ? otherCa.cert : ca.cert,
        ...(choice.withClientCert === true ? { cert: client.cert, key: client.key } : {}),
      };
    },
    cleanup,
    [Symbol.dispose]: cleanup,
  };
}

/** Options of {@link startTlsRedisServer}. */
export interface TlsRedisServerOptions {
  /** Fixtures from {@link generateTlsFixtures}. */
  certs: TlsFixtures;
  /** `--tls-auth-clients`: true = 'yes' (mutual TLS), false = 'no', or 'optional'. @default false */
  requireClientCert?: boolean | 'optional';
  /** The certificate the server presents. @default certs.server */
  serverCert?: CertPair;
  /** Keep the plain-text port open too (its number is `plainPort`). @default false: TLS only */
  keepPlainPort?: boolean;
  /** Extra redis-server arguments. */
  args?: string[];
  /** Allow DEBUG SLEEP and friends from loopback. @default false */
  enableDebug?: boolean;
}

/** A running redis-server that speaks TLS on `port`. */
export interface TlsRedisServer {
  /** The address the server listens on. */
  readonly host: '127.0.0.1';
  /** The TLS port. */
  readonly port: number;
  /** rediss://127.0.0.1:port */
  readonly url: string;
  /** The plain-text port, or undefined when closed (the default). */
  readonly plainPort: number | undefined;
  /** The underlying server handle (its `port` is the plain-text port used to start it). */
  readonly server: RedisServer;
  /** Output the server printed, for failure messages. */
  log(): string;
  /** Stops the server and waits for it to exit. */
  stop(): Promise<void>;
  /** Kills the server with SIGKILL and waits for it to exit. */
  kill(): Promise<void>;
  /** Starts it again on the same ports, TLS-only again unless keepPlainPort. */
  restart(): Promise<void>;
  /** Same as stop(), for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Starts redis-server with TLS on a free port: `--tls-port <free> --tls-cert-file ...
 * --tls-key-file ... --tls-ca-cert-file <ca> --tls-auth-clients yes|no|optional`. It is started
 * through startRedisServer (which waits for PING on a plain port), then the plain port is closed
 * with `CONFIG SET port 0` unless `keepPlainPort`, and a PING over TLS must answer before this
 * resolves.
 */
export async function startTlsRedisServer(options: TlsRedisServerOptions): Promise<TlsRedisServer> {
  const { certs } = options;
  const serverCert = options.serverCert ?? certs.server;
  const auth = options.requireClientCert === 'optional' ? 'optional' : options.requireClientCert === true ? 'yes' : 'no';
  const tlsPort = await freePort();
  const startOptions: StartOptions = {
    enableDebug: options.enableDebug ?? false,
    args: [
      '--tls-port', String(tlsPort),
      '--tls-cert-file', serverCert.certPath,
      '--tls-key-file', serverCert.keyPath,
      '--tls-ca-cert-file', certs.ca.certPath,
      '--tls-auth-clients', auth,
      ...(options.args ?? []),
    ],
  };
  let server: RedisServer;
  try {
    server = await startRedisServer(startOptions);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (/tls/i.test(message)) throw new Error(`redis-server could not start with TLS (is it built with TLS support?):\n${message}`);
    throw err;
  }
  const plainPort = server.port;
  const isTlsOnly = options.keepPlainPort !== true;

  async function settle(): Promise<void> {
    if (isTlsOnly) {
      const reply = await rawCommand(plainPort, 'CONFIG SET port 0\r\n');
      if (reply !== '+OK') throw new Error(`CONFIG SET port 0 failed: ${reply}`);
    }
    const reply = await tlsCommand(tlsPort, 'PING\r\n', { ...certs.clientOptions({ withClientCert: true }), servername: 'localhost', checkServerIdentity: () => undefined }, 5000);
    if (reply !== '+PONG') throw new Error(`PING over TLS answered ${JSON.stringify(reply)}:\n${server.log()}`);
  }

  try {
    await settle();
  } catch (err) {
    await server.stop();
    throw err;
  }
  const stop = (): Promise<void> => server.stop();
  return {
    host: '127.0.0.1',
    port: tlsPort,
    url: `rediss://127.0.0.1:${tlsPort}`,
    plainPort: isTlsOnly ? undefined : plainPort,
    server,
    log: () => server.log(),
    stop,
    kill: () => server.kill(),
    async restart() {
      await server.restart();
      await settle();
    },
    [Symbol.asyncDispose]: stop,
  };
}

/**
 * Sends one raw command line over TLS to a loopback port and resolves with the first reply line
 * (e.g. "+PONG"); rejects on a TLS or socket error, on a close before a full line, or after
 * `timeoutMs`. @default timeoutMs 2000
 */
export function tlsCommand(port: number, line: string, options: tls.ConnectionOptions, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ...options });
    let data = '';
    const finish = (err: Error | undefined, reply?: string): void => {
      clearTimeout(timer);
      socket.destroy();
      if (err !== undefined) reject(err);
      else resolve(reply!);
    };
    const timer = setTimeout(() => finish(new Error(`TLS command timed out after ${timeoutMs} ms`)), timeoutMs);
    socket.on('secureConnect', () => socket.write(line));
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString('latin1');
      const end = data.indexOf('\r\n');
      if (end !== -1) finish(undefined, data.slice(0, end));
    });
    socket.on('error', (err) => finish(err));
    socket.on('close', () => finish(new Error(`TLS connection closed before a reply line; received ${JSON.stringify(data)}`)));
  });
}
