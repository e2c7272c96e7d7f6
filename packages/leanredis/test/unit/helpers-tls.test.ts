import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { rawCommand } from '../helpers/redis-server.ts';
import { startTcpProxy } from '../helpers/tcp-proxy.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { generateTlsFixtures, startTlsRedisServer, tlsCommand, type TlsFixtures, type TlsRedisServer } from '../helpers/tls-certs.ts';

let certs: TlsFixtures;
before(async () => {
  certs = await generateTlsFixtures();
});
after(() => {
  certs.cleanup();
});

/** Resolves with the TLS/socket error code a PING ends with, or the reply line. */
async function outcome(port: number, options: tls.ConnectionOptions): Promise<string> {
  return tlsCommand(port, 'PING\r\n', options).then(
    (reply) => reply,
    (err: NodeJS.ErrnoException) => err.code ?? err.message,
  );
}

describe('generateTlsFixtures', () => {
  test('makes a CA, server, client, unrelated CA and wrong-host certificates that chain as promised', () => {
    const ca = new X509Certificate(certs.ca.cert);
    const otherCa = new X509Certificate(certs.otherCa.cert);
    const server = new X509Certificate(certs.server.cert);
    const client = new X509Certificate(certs.client.cert);
    const wrongHost = new X509Certificate(certs.wrongHostServer.cert);
    assert.equal(ca.ca, true);
    assert.equal(otherCa.ca, true);
    for (const leaf of [server, client, wrongHost]) {
      assert.equal(leaf.ca, false);
      assert.equal(leaf.checkIssued(ca), true);
      assert.equal(leaf.verify(ca.publicKey), true);
      assert.equal(leaf.checkIssued(otherCa), false);
    }
    assert.equal(server.checkHost('localhost'), 'localhost');
    assert.equal(server.checkIP('127.0.0.1'), '127.0.0.1');
    assert.match(server.subject, /CN=localhost/);
    assert.equal(wrongHost.checkHost('wrong.example'), 'wrong.example');
    assert.equal(wrongHost.checkHost('localhost'), undefined);
    assert.equal(wrongHost.checkIP('127.0.0.1'), undefined);
    assert.match(client.keyUsage?.join(',') ?? '', /1\.3\.6\.1\.5\.5\.7\.3\.2/); // clientAuth
    for (const pair of [certs.ca, certs.otherCa, certs.server, certs.client, certs.wrongHostServer]) {
      assert.equal(new X509Certificate(pair.cert).checkPrivateKey(createPrivateKey(pair.key)), true);
      assert.ok(existsSync(pair.certPath) && existsSync(pair.keyPath));
      assert.match(pair.cert, /^-----BEGIN CERTIFICATE-----/);
    }
  });

  test('writes into a given folder and cleanup removes only its own files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leanredis-tls-given-'));
    try {
      const fixtures = await generateTlsFixtures(join(dir, 'nested'));
      assert.equal(fixtures.dir, join(dir, 'nested'));
      assert.ok(readdirSync(fixtures.dir).includes('server.crt'));
      fixtures.cleanup();
      assert.deepEqual(readdirSync(fixtures.dir), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('says clearly when openssl is missing', async () => {
    await assert.rejects(generateTlsFixtures(undefined, { opensslBin: '/nonexistent/openssl' }), /openssl not found \(looked for "\/nonexistent\/openssl"\)/);
  });
});

describe('startTlsRedisServer', () => {
  let server: TlsRedisServer;
  let mutual: TlsRedisServer;
  before(async () => {
    [server, mutual] = await Promise.all([startTlsRedisServer({ certs }), startTlsRedisServer({ certs, requireClientCert: true })]);
  });
  after(async () => {
    await Promise.all([server.stop(), mutual.stop()]);
  });

  test('answers PING over TLS with the right CA, by IP and by name', async () => {
    assert.equal(server.url, `rediss://127.0.0.1:${server.port}`);
    assert.equal(await outcome(server.port, certs.clientOptions()), '+PONG');
    assert.equal(await outcome(server.port, { ...certs.clientOptions(), servername: 'localhost' }), '+PONG');
  });

  test('fails verification with the wrong CA', async () => {
    const code = await outcome(server.port, certs.clientOptions({ ca: 'otherCa' }));
    assert.ok(['SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'].includes(code), code);
  });

  test('is TLS only: the plain port is closed and plain text on the TLS port gets no reply', async () => {
    assert.equal(server.plainPort, undefined);
    await assert.rejects(rawCommand(server.server.port, 'PING\r\n'), { code: 'ECONNREFUSED' });
    using raw = await RawClient.connect(server.port);
    raw.write('PING\r\n');
    await raw.waitForClose(3000);
    assert.ok(!raw.received.toString('latin1').includes('PONG'));
  });

  test('keepPlainPort leaves the plain port answering', async () => {
    await using both = await startTlsRedisServer({ certs, keepPlainPort: true });
    assert.equal(both.plainPort, both.server.port);
    assert.equal(await rawCommand(both.plainPort!, 'PING\r\n'), '+PONG');
    assert.equal(await outcome(both.port, certs.clientOptions()), '+PONG');
  });

  test('mutual TLS: a client certificate gets PONG, no certificate is refused', async () => {
    assert.equal(await outcome(mutual.port, certs.clientOptions({ withClientCert: true })), '+PONG');
    const code = await outcome(mutual.port, certs.clientOptions());
    assert.ok(['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'ECONNRESET', 'EPIPE'].includes(code), code);
  });

  test('a server certificate for the wrong host name fails hostname verification', async () => {
    await using wrong = await startTlsRedisServer({ certs, serverCert: certs.wrongHostServer });
    assert.equal(await outcome(wrong.port, { ...certs.clientOptions(), servername: 'localhost' }), 'ERR_TLS_CERT_ALTNAME_INVALID');
    assert.equal(await outcome(wrong.port, certs.clientOptions()), 'ERR_TLS_CERT_ALTNAME_INVALID');
    assert.equal(await outcome(wrong.port, { ...certs.clientOptions(), servername: 'wrong.example' }), '+PONG');
  });

  test('works through the TCP proxy, and corrupted TLS records fail the connection', async () => {
    await using proxy = await startTcpProxy({ targetPort: server.port });
    assert.equal(await outcome(proxy.port, { ...certs.clientOptions(), servername: 'localhost' }), '+PONG');
    // Flip one byte of every record the server sends after the first: the handshake or the reply breaks.
    let seen = 0;
    proxy.corrupt((chunk) => {
      if (seen++ === 0) return chunk;
      const copy = Buffer.from(chunk);
      copy[copy.length - 1]! ^= 0xff;
      return copy;
    }, 'down');
    assert.notEqual(await outcome(proxy.port, { ...certs.clientOptions(), servername: 'localhost' }), '+PONG');
  });

  test('restart brings the server back TLS-only on the same port', async () => {
    await using again = await startTlsRedisServer({ certs });
    const port = again.port;
    await again.kill();
    assert.notEqual(await outcome(port, certs.clientOptions()), '+PONG');
    await again.restart();
    assert.equal(again.port, port);
    assert.equal(await outcome(port, certs.clientOptions()), '+PONG');
    await assert.rejects(rawCommand(again.server.port, 'PING\r\n'), { code: 'ECONNREFUSED' });
  });
});
