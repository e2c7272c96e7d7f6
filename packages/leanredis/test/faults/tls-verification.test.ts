/**
 * S1 (issue 4): TLS against real TLS-only redis-servers with certificates made by openssl at
 * test time (test/helpers/tls-certs.ts): the right CA works (by IP literal, by host name, with
 * `rediss://` and `tls` options), a wrong CA and a host name mismatch are rejected, a server
 * that requires client certificates accepts ours (mutual TLS) and refuses a client without one,
 * SNI comes from the host name and never from an IP literal, and a TLS connection comes back
 * after the server is killed and restarted.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tls from 'node:tls';
import { ConnectionError, createClient, type ClientOptions } from '../../src/index.ts';
import { generateTlsFixtures, startTlsRedisServer, type TlsFixtures, type TlsRedisServer } from '../helpers/tls-certs.ts';
import { CANARY, SecretWatch } from '../soak/soak-kit.ts';

let certs: TlsFixtures;
let server: TlsRedisServer; // CA-signed certificate for localhost and 127.0.0.1; requires CANARY
let wrongHost: TlsRedisServer; // CA-signed certificate for wrong.example only
let mutual: TlsRedisServer; // requires a client certificate
const watch = new SecretWatch();

before(async () => {
  certs = await generateTlsFixtures();
  [server, wrongHost, mutual] = await Promise.all([
    startTlsRedisServer({ certs }),
    startTlsRedisServer({ certs, serverCert: certs.wrongHostServer }),
    startTlsRedisServer({ certs, requireClientCert: true }),
  ]);
  // The helper checks readiness with a password-less PING, so the password is set afterwards.
  await using setup = createClient({ host: '127.0.0.1', port: server.port, tls: { ca: certs.ca.cert } });
  await setup.call('CONFIG', 'SET', 'requirepass', CANARY);
});

after(async () => {
  watch.close();
  await Promise.all([server?.stop(), wrongHost?.stop(), mutual?.stop()]);
  certs?.cleanup();
});

/** The connection error of a client that cannot connect, with its cause's code. */
async function connectError(options: ClientOptions): Promise<{ err: unknown; causeCode: string | undefined }> {
  await using client = watch.watchClient(createClient({ connectTimeoutMs: 3000, ...options }));
  client.on('error', () => {});
  const err = await client.connect().then(
    () => assert.fail('connected'),
    (e: unknown) => e,
  );
  watch.check('connect error', err, 'error');
  return { err, causeCode: ((err as Error).cause as { code?: string } | undefined)?.code };
}

test('the right CA: PING by IP literal and by host name, RESP2 and RESP3', async () => {
  for (const protocol of [2, 3] as const) {
    for (const host of ['127.0.0.1', 'localhost']) {
      await using client = watch.watchClient(createClient({ host, port: server.port, tls: { ca: certs.ca.cert }, password: CANARY, protocol }));
      assert.equal(await client.ping(), 'PONG', `${host} RESP${protocol}`);
    }
  }
});

test('rediss:// URLs work with tls options for the CA (password from the URL or the options)', async () => {
  await using fromUrl = watch.watchClient(createClient({ url: `rediss://:${CANARY}@localhost:${server.port}/2`, tls: { ca: certs.ca.cert } }));
  assert.equal(await fromUrl.ping(), 'PONG');
  assert.match(String(await fromUrl.call('CLIENT', 'INFO')), /\bdb=2\b/);
  await using fromOptions = watch.watchClient(createClient({ url: `rediss://127.0.0.1:${server.port}`, tls: { ca: certs.ca.cert }, password: CANARY }));
  assert.equal(await fromOptions.ping(), 'PONG');
  // Leases dial their own connections with the same TLS settings.
  await using lease = await fromOptions.acquire();
  assert.equal(await lease.ping(), 'PONG');
});

test('a wrong CA is rejected: connect() fails with the verification error, and queued commands fail at once with it', async () => {
  const { err, causeCode } = await connectError({ host: 'localhost', port: server.port, tls: { ca: certs.otherCa.cert }, password: CANARY });
  assert.ok(err instanceof ConnectionError && err.code === 'ERR_CONNECTION_FAILED', String(err));
  assert.ok(['SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'].includes(causeCode ?? ''), `cause ${causeCode}`);
  // The default trust store does not know the test CA either.
  const plain = await connectError({ host: 'localhost', port: server.port, tls: true, password: CANARY });
  assert.ok(plain.err instanceof ConnectionError, String(plain.err));

  await using client = watch.watchClient(createClient({ host: 'localhost', port: server.port, tls: { ca: certs.otherCa.cert }, password: CANARY, commandTimeoutMs: 10_000 }));
  const events: Error[] = [];
  client.on('error', (e) => events.push(e));
  const t0 = performance.now();
  const cmdErr = await client.ping().then(
    () => assert.fail('answered'),
    (e: unknown) => e,
  );
  const ms = performance.now() - t0;
  // Retrying cannot fix a certificate: the command fails with the verification error itself,
  // well before its deadline, instead of waiting out reconnect attempts.
  assert.ok(cmdErr instanceof ConnectionError && cmdErr.code === 'ERR_CONNECTION_FAILED', `never written: ${String(cmdErr)}`);
  // Not ERR_COMMAND_TIMEOUT: it did not wait for its 10 s deadline (the bound is that wide only
  // because a busy machine is slow to dial and verify).
  assert.ok(ms < 5000, `settled after ${ms} ms`);
  assert.ok(events.some((e) => ['SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'].includes(((e as Error).cause as { code?: string })?.code ?? '')), events.map(String).join(', '));
});

test('a host name mismatch is rejected (certificate for wrong.example), by name and by IP; the chain itself is trusted', async () => {
  for (const host of ['localhost', '127.0.0.1']) {
    const { err, causeCode } = await connectError({ host, port: wrongHost.port, tls: { ca: certs.ca.cert } });
    assert.ok(err instanceof ConnectionError, String(err));
    assert.equal(causeCode, 'ERR_TLS_CERT_ALTNAME_INVALID', `${host}: ${String(err)}`);
  }
  // Control: asked for by the name on the certificate, the same server is accepted.
  await using client = watch.watchClient(createClient({ host: '127.0.0.1', port: wrongHost.port, tls: { ca: certs.ca.cert, servername: 'wrong.example' } }));
  assert.equal(await client.ping(), 'PONG');
});

test('mutual TLS: a server that requires client certificates accepts ours and refuses a client without one', async () => {
  await using client = watch.watchClient(createClient({ host: 'localhost', port: mutual.port, tls: { ca: certs.ca.cert, cert: certs.client.cert, key: certs.client.key } }));
  assert.equal(await client.ping(), 'PONG');
  await using lease = await client.acquire();
  assert.equal(await lease.ping(), 'PONG');
  const { err } = await connectError({ host: 'localhost', port: mutual.port, tls: { ca: certs.ca.cert } });
  assert.ok(err instanceof ConnectionError, String(err));
});

test('SNI is the host name dialled, never an IP literal; an explicit servername wins', async () => {
  const seen: (string | false)[] = [];
  const sniServer = tls.createServer({ key: certs.server.key, cert: certs.server.cert }, (socket) => {
    seen.push((socket as tls.TLSSocket & { servername?: string | false }).servername ?? false);
    socket.destroy();
  });
  sniServer.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => sniServer.listen(0, '127.0.0.1', resolve));
  const port = (sniServer.address() as { port: number }).port;
  try {
    for (const [host, servername] of [['localhost', undefined], ['127.0.0.1', undefined], ['127.0.0.1', 'explicit.example']] as const) {
      await connectError({ host, port, tls: { ca: certs.ca.cert, ...(servername ? { servername, checkServerIdentity: () => undefined } : {}) }, connectTimeoutMs: 1000 });
    }
  } finally {
    await new Promise<void>((resolve) => sniServer.close(() => resolve()));
  }
  assert.deepEqual(seen.slice(0, 3), ['localhost', false, 'explicit.example']);
});

test('a TLS connection comes back after the server is killed (SIGKILL) and restarted', async () => {
  await using client = watch.watchClient(createClient({ host: 'localhost', port: mutual.port, tls: { ca: certs.ca.cert, cert: certs.client.cert, key: certs.client.key } }));
  client.on('error', () => {});
  await client.set('tls-key', 'before');
  await mutual.kill();
  await mutual.restart();
  const deadline = performance.now() + 5000;
  let pong: unknown;
  while (pong !== 'PONG' && performance.now() < deadline) pong = await client.ping().catch(() => undefined);
  assert.equal(pong, 'PONG');
  assert.equal(await client.get('tls-key'), null, 'a fresh server: nothing persisted');
});

test('no canary in any TLS error or event', () => {
  assert.deepEqual(watch.leaks, []);
});
