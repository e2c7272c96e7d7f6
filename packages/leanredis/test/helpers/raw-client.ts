/**
 * A test's hand on a raw socket (plain or TLS), for talking to servers and proxies byte by byte.
 */
import * as net from 'node:net';
import { assertLoopback } from './tcp-proxy.ts';
import { splitFrames } from './resp-frame-scanner.ts';
import { letRealTimePass } from './wait.ts';

/** How a socket ended, as seen by a {@link RawClient}. */
export interface RawClose {
  /** The socket error, e.g. code 'ECONNRESET'; undefined for a clean close. */
  error: NodeJS.ErrnoException | undefined;
  /** True if the peer sent FIN before the socket closed. */
  hadEnd: boolean;
}

/**
 * A test's hand on a raw socket (plain or TLS): records every byte received (up to
 * `maxBytes`), and waits for bytes, replies or the close, each with a timeout.
 */
export class RawClient {
  /** The socket; write to it or destroy it freely. */
  readonly socket: net.Socket;
  readonly #maxBytes: number;
  readonly #chunks: Buffer[] = [];
  #length = 0;
  #hadEnd = false;
  #error: NodeJS.ErrnoException | undefined;
  #close: RawClose | undefined;
  readonly #waiters = new Set<() => void>();

  /**
   * Wraps a socket (connected or connecting).
   * @param maxBytes bytes kept at most; more destroys the socket. @default 16 MiB
   */
  constructor(socket: net.Socket, maxBytes = 16 * 1024 * 1024) {
    this.socket = socket;
    this.#maxBytes = maxBytes;
    socket.on('data', (chunk: Buffer) => {
      this.#length += chunk.length;
      if (this.#length > this.#maxBytes) {
        socket.destroy(new Error(`RawClient received more than ${this.#maxBytes} bytes`));
        return;
      }
      this.#chunks.push(chunk);
      this.#notify();
    });
    socket.on('end', () => {
      this.#hadEnd = true;
      this.#notify();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => (this.#error = err));
    socket.on('close', () => {
      this.#close = { error: this.#error, hadEnd: this.#hadEnd };
      this.#notify();
    });
  }

  /** Connects to a loopback port and resolves once connected. */
  static async connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    assertLoopback(host);
    const socket = net.connect({ host, port });
    const client = new RawClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve();
      });
      socket.once('error', reject);
    });
    return client;
  }

  /** Every byte received so far. */
  get received(): Buffer {
    if (this.#chunks.length > 1) this.#chunks.splice(0, this.#chunks.length, Buffer.concat(this.#chunks));
    return this.#chunks[0] ?? Buffer.alloc(0);
  }

  /** How the socket ended, or undefined while it is open. */
  get closed(): RawClose | undefined {
    return this.#close;
  }

  /** Writes bytes (a string is sent as latin1, byte for byte). */
  write(data: string | Uint8Array): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Resolves with everything received once `predicate` holds; rejects on timeout or close. */
  waitFor(predicate: (received: Buffer) => boolean, timeoutMs = 2000, what = 'condition'): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const received = this.received;
        if (predicate(received)) {
          done();
          resolve(received);
        } else if (this.#close !== undefined) {
          done();
          reject(new Error(`socket closed (${this.#close.error?.code ?? 'clean'}) before ${what}; received ${JSON.stringify(received.toString('latin1').slice(0, 200))}`));
        }
      };
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; received ${JSON.stringify(this.received.toString('latin1').slice(0, 200))}`));
      }, timeoutMs);
      this.#waiters.add(check);
      check();
    });
  }

  /** Resolves once at least `n` bytes have arrived. */
  waitForBytes(n: number, timeoutMs = 2000): Promise<Buffer> {
    return this.waitFor((received) => received.length >= n, timeoutMs, `${n} bytes`);
  }

  /** Resolves with the first `count` complete RESP frames received, each as its raw bytes. */
  async waitForReplies(count: number, timeoutMs = 2000): Promise<Buffer[]> {
    let frames: Buffer[] = [];
    await this.waitFor(
      (received) => {
        frames = splitFrames(received, count);
        return frames.length >= count;
      },
      timeoutMs,
      `${count} RESP replies`,
    );
    return frames;
  }

  /** Resolves when the socket has closed, with how it closed. */
  waitForClose(timeoutMs = 2000): Promise<RawClose> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (this.#close === undefined) return;
        done();
        resolve(this.#close);
      };
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`socket still open after ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.add(check);
      check();
    });
  }

  /** Waits `ms` and resolves with the bytes that arrived meanwhile (for "nothing arrives" checks). */
  async receivedWithin(ms: number): Promise<Buffer> {
    const before = this.#length;
    await letRealTimePass(ms, 'a window in which bytes may or may not arrive');
    return this.received.subarray(before);
  }

  /** Destroys the socket. */
  close(): void {
    this.socket.destroy();
  }

  /** Same as close(), for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  #notify(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}
