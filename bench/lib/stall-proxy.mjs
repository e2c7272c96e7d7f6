#!/usr/bin/env node
/**
 * A loopback TCP proxy, run as its own process so its buffers never count in the measured
 * client's heap or RSS. Usage: node stall-proxy.mjs <targetPort>; it prints `port <n>` once
 * listening, then obeys lines on stdin:
 *
 *   stall    stop reading from the clients (and stop forwarding): the client's kernel send
 *            buffer fills, then its writes back up, as with a peer that stopped reading
 *   resume   read and forward again
 *
 * Only 127.0.0.1 is ever dialled. It exits when stdin closes.
 */
import { createServer, connect } from 'node:net';
import { createInterface } from 'node:readline';

const targetPort = Number(process.argv[2]);
if (!Number.isInteger(targetPort) || targetPort <= 0) throw new Error('usage: stall-proxy.mjs <targetPort>');

const clients = new Set();
let isStalled = false;

const server = createServer((client) => {
  const upstream = connect({ host: '127.0.0.1', port: targetPort });
  clients.add(client);
  if (isStalled) client.pause();
  // Plain forwarding rather than pipe(): pipe() would resume a source it did not pause.
  client.on('data', (chunk) => upstream.write(chunk));
  upstream.on('data', (chunk) => client.write(chunk));
  const end = () => {
    clients.delete(client);
    client.destroy();
    upstream.destroy();
  };
  client.on('error', end);
  upstream.on('error', end);
  client.on('close', end);
  upstream.on('close', end);
});

server.listen(0, '127.0.0.1', () => process.stdout.write(`port ${/** @type {import('node:net').AddressInfo} */ (server.address()).port}\n`));

createInterface({ input: process.stdin }).on('line', (line) => {
  const command = line.trim();
  if (command === 'stall') {
    isStalled = true;
    for (const c of clients) c.pause();
  } else if (command === 'resume') {
    isStalled = false;
    for (const c of clients) c.resume();
  }
  process.stdout.write(`ok ${command}\n`);
});
process.stdin.on('end', () => process.exit(0));
