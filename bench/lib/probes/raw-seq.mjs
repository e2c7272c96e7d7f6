/**
 * The Node floor under the sequential scenario: a bare net.Socket alternating pre-encoded
 * SET k v (100 bytes) and GET k, one at a time, with no client library at all (no parser beyond
 * counting the reply's known length). What no Node client can beat on this machine.
 * Usage: node bench/lib/probes/raw-seq.mjs <host> <port> <durationMs> <warmupOps>; prints JSON.
 */
import net from 'node:net';

const [host, port, durationMs, warmupOps] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5])];
const key = 'bench:seq';
const value = 'v'.repeat(100);
const SET = Buffer.from(`*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$100\r\n${value}\r\n`);
const GET = Buffer.from(`*2\r\n$3\r\nGET\r\n$${key.length}\r\n${key}\r\n`);
const SET_REPLY = 5; // +OK\r\n
const GET_REPLY = 6 + 100 + 2; // $100\r\n + value + \r\n

const socket = net.connect(port, host);
socket.setNoDelay(true);
await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));

let ops = 0;
let pending = 0;
let start = 0;
let done;
const finished = new Promise((resolve) => (done = resolve));
const send = () => {
  const isGet = (ops & 1) === 1;
  pending = isGet ? GET_REPLY : SET_REPLY;
  socket.write(isGet ? GET : SET);
};
socket.on('data', (chunk) => {
  pending -= chunk.length;
  if (pending > 0) return;
  ops++;
  if (ops === warmupOps) start = performance.now();
  if (ops > warmupOps && performance.now() - start >= durationMs) {
    done();
    return;
  }
  send();
});
send();
await finished;
const elapsed = performance.now() - start;
socket.destroy();
console.log(JSON.stringify({ opsPerSec: ((ops - warmupOps) / elapsed) * 1000, ops: ops - warmupOps }));
