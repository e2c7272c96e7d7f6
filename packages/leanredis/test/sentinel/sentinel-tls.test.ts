/**
 * leanredis/sentinel over TLS: sentinels and data servers listen on TLS ports (the only ports
 * the sentinels know), with certificates of a test CA. The client verifies both (the `tls`
 * option, which `sentinelTls` follows unless given), and refuses a sentinel whose certificate it
 * cannot verify.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createSentinel, type SentinelClient, type SentinelOptions } from '../../src/sentinel/index.ts';
import { hasCode } from '../../src/index.ts';
import { startSentinelTopology, type SentinelTopology } from '../helpers/redis-sentinel.ts';
import { generateTlsFixtures, type TlsFixtures } from '../helpers/tls-certs.ts';
import { waitFor } from '../helpers/wait.ts';

let certs: TlsFixtures;
let t: SentinelTopology;
const open: SentinelClient[] = [];

before(async () => {
  certs = await generateTlsFixtures();
  t = await startSentinelTopology({ replicas: 1, tls: certs });
});
after(async () => {
  for (const c of open) c.destroy();
  await t?.stop();
  certs?.cleanup();
});

function sentinel(options: Partial<SentinelOptions> = {}): SentinelClient {
  const c = createSentinel({ sentinels: t.sentinelAddresses, masterName: t.masterName, tls: certs.clientOptions(), sentinelTimeoutMs: 2000, ...options });
  open.push(c);
  return c;
}

test('discovers the master through TLS sentinels and runs commands on it over TLS, replica reads too', async () => {
  const c = sentinel({ readFrom: 'replica' });
  assert.equal(await c.set('tls:k', 'v'), 'OK');
  await waitFor(async () => (await c.get('tls:k')) === 'v', { timeoutMs: 10_000, message: 'the read from the replica' });
  assert.equal(c.master?.port, t.ports[0], 'the TLS port the sentinels know');
  assert.ok(c.stats().sentinel.replica !== undefined);
});

test('a sentinel certificate from another CA is refused: ERR_SENTINEL_UNREACHABLE, never a plain-text fallback', async () => {
  const c = sentinel({ sentinelTls: certs.clientOptions({ ca: 'otherCa' }) });
  const err = await c.connect().then(
    () => assert.fail('connected to sentinels whose certificate is not trusted'),
    (e: unknown) => e,
  );
  assert.ok(hasCode(err, 'ERR_SENTINEL_UNREACHABLE'), String(err));
  assert.equal(c.master, undefined);
});
