/**
 * A loopback TCP server that speaks (bad) RESP on purpose, to test how a client survives a
 * broken or malicious server.
 *
 * Each connection parses the client's commands (RESP arrays of bulk strings, or inline lines)
 * across chunks with bounded buffers, records them, answers the handshake like Redis 7.0 (or
 * like Redis 5, which has no HELLO), and hands every other command to the test's handler, one
 * at a time per connection: a handler that returns a promise holds the next command back until
 * it settles, so replies stay in order unless a script breaks that on purpose.
 *
 *   await using server = await startHostileServer(scripts.when('GET', scripts.garbageAfterReply()));
 *   // a client connects to server.port; HELLO succeeds; GET gets "$-1\r\n\0garbage\r\n"
 *
 * Timers a handler starts through `connection.sleep()` die with the connection: a script
 * sleeping on a closed connection never wakes, so it stops without touching the socket.
 */
import * as net from 'node:net';
import { resetSocket } from './tcp-proxy.ts';

/** One command as the server parsed it. */
export interface HostileCommand {
  /** Upper-cased command name, e.g. 'GET'. */
  readonly name: string;
  /** Arguments after the name, decoded as UTF-8. */
  readonly args: string[];
  /** Every element of the command as raw bytes, the name first. */
  readonly argv: Buffer[];
  /** The connection that sent it: 1 for the first accepted connection, and so on. */
  readonly connectionId: number;
}

/** The server side of one client connection, as a handler sees it. */
export interface HostileConnection {
  /** 1 for the first accepted connection, and so on. */
  readonly id: number;
  /** The raw socket, for anything the helpers below do not cover. */
  readonly socket: net.Socket;
  /** RESP version of this connection: 2 until a HELLO 3 is answered. */
  protocol: 2 | 3;
  /** True once the socket has closed. */
  readonly isClosed: boolean;
  /** Writes bytes (a string as UTF-8); does nothing once closed. Returns false if the socket buffer is full. */
  write(data: string | Uint8Array): boolean;
  /** Writes bytes in slices, pausing between them. @default bytesPerWrite 1, delayMs 1 */
  writeSlowly(data: string | Uint8Array, options?: { bytesPerWrite?: number; delayMs?: number }): Promise<void>;
  /** Resolves after `ms`; never resolves if the connection closes first. */
  sleep(ms: number): Promise<void>;
  /** Resolves when the socket can take more bytes; never resolves if the connection closes first. */
  drain(): Promise<void>;
  /** Closes with FIN after what was written. */
  end(): void;
  /** Closes at once with RST. */
  reset(): void;
}

/** Handles one command that is not part of the handshake. */
export type HostileHandler = (command: HostileCommand, connection: HostileConnection) => void | Promise<void>;

/** Options of {@link startHostileServer}. */
export interface HostileServerOptions {
  /**
   * How the handshake commands (HELLO, AUTH, CLIENT SETNAME, CLIENT SETINFO, SELECT) are answered:
   * - 'redis7': like Redis 7.0 (HELLO 2 / HELLO 3 / bare HELLO, any credentials accepted);
   * - 'redis5': HELLO fails with Redis 5's unknown-command error, the rest get +OK;
   * - 'none': every command goes to the handler.
   * @default 'redis7'
   */
  handshake?: 'redis7' | 'redis5' | 'none';
  /** Version the HELLO reply announces. @default '7.0.15' */
  version?: string;
  /** When set, HELLO AUTH and AUTH with another password get WRONGPASS. @default any password is accepted */
  password?: string;
  /** Commands recorded at most; later ones are counted in `unrecordedCommands`. @default 10000 */
  maxRecordedCommands?: number;
  /** Largest bulk string a client may send. @default 64 MiB */
  maxBulkBytes?: number;
}

/** A running hostile server. */
export interface HostileServer {
  /** The address the server listens on. */
  readonly host: '127.0.0.1';
  /** The port clients connect to. */
  readonly port: number;
  /** redis://127.0.0.1:port */
  readonly url: string;
  /** Every command received, in arrival order, handshake included. */
  readonly commands: readonly HostileCommand[];
  /** Commands received past `maxRecordedCommands`. */
  readonly unrecordedCommands: number;
  /** Open connections. */
  readonly connections: number;
  /** Connections accepted since start. */
  readonly totalConnections: number;
  /** Errors thrown by the handler, and client protocol errors; a clean run leaves it empty. */
  readonly errors: readonly Error[];
  /** The names of the commands received, in order, e.g. ['HELLO', 'GET']. */
  commandNames(): string[];
  /** The received commands named `name` (any case). */
  received(name: string): HostileCommand[];
  /** Resolves with the first command named `name` received (already or later); rejects after `timeoutMs`. @default 2000 (ms) */
  waitForCommand(name: string, timeoutMs?: number): Promise<HostileCommand>;
  /** Stops listening and destroys every connection and timer. */
  close(): Promise<void>;
  /** Same as close(), for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Replies

/** Encodes a RESP bulk string. */
export function bulk(value: string | Uint8Array): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value) : value;
  return Buffer.concat([Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n')]);
}

/** The bytes Redis 7.0 sends for HELLO: a map under RESP3, a flat 14-element array under RESP2. */
export function helloReply(protocol: 2 | 3, id: number, version = '7.0.15'): Buffer {
  const fields: [string, Buffer][] = [
    ['server', bulk('redis')],
    ['version', bulk(version)],
    ['proto', Buffer.from(`:${protocol}\r\n`)],
    ['id', Buffer.from(`:${id}\r\n`)],
    ['mode', bulk('standalone')],
    ['role', bulk('master')],
    ['modules', Buffer.from('*0\r\n')],
  ];
  const header = protocol === 3 ? `%${fields.length}\r\n` : `*${fields.length * 2}\r\n`;
  return Buffer.concat([Buffer.from(header), ...fields.flatMap(([key, value]) => [bulk(key), value])]);
}

/** Redis 5's reply to a command it does not know (server.c, processCommand). */
export function unknownCommandError(argv: readonly Buffer[]): Buffer {
  let args = '';
  for (let i = 1; i < argv.length && args.length < 128; i++) args += `\`${argv[i]!.toString().slice(0, 128 - args.length)}\`, `;
  // addReplyErrorFormat turns CR and LF into spaces so the error stays one line.
  const message = `unknown command \`${argv[0]!.toString()}\`, with args beginning with: ${args}`.replace(/[\r\n]/g, ' ');
  return Buffer.from(`-ERR ${message}\r\n`);
}

/**
 * A believable reply to a command: PING → +PONG (or its argument), ECHO → its argument,
 * GET/HGET → null, INCR/DECR → :1, DEL/EXISTS/UNLINK → :0, anything else → +OK.
 */
export function plausibleReply(command: HostileCommand, protocol: 2 | 3): Buffer {
  switch (command.name) {
    case 'PING':
      return command.argv.length > 1 ? bulk(command.argv[1]!) : Buffer.from('+PONG\r\n');
    case 'ECHO':
      return bulk(command.argv[1] ?? '');
    case 'GET':
    case 'HGET':
      return Buffer.from(protocol === 3 ? '_\r\n' : '$-1\r\n');
    case 'INCR':
    case 'DECR':
      return Buffer.from(':1\r\n');
    case 'DEL':
    case 'EXISTS':
    case 'UNLINK':
      return Buffer.from(':0\r\n');
    default:
      return Buffer.from('+OK\r\n');
  }
}

/** The RESP3 push that interleavedPushes sends by default: a pub/sub message. */
export const DEFAULT_PUSH = '>3\r\n$7\r\nmessage\r\n$7\r\nchannel\r\n$5\r\nhello\r\n';

/** Which commands a `when` script applies to: a name, names, or a predicate. */
export type CommandMatch = string | readonly string[] | ((command: HostileCommand, connection: HostileConnection) => boolean);

/**
 * Ready-made handlers. Each one documents the exact bytes it sends; `reply` means
 * {@link plausibleReply} for the command unless an option says otherwise.
 */
export const scripts = {
  /** Behaves: sends the plausible reply. */
  answer(): HostileHandler {
    return (command, connection) => {
      connection.write(plausibleReply(command, connection.protocol));
    };
  },

  /** Sends `${byte}oops\r\n`, a line whose type byte no RESP version defines. @default byte '@' */
  invalidTypeByte(options: { byte?: string } = {}): HostileHandler {
    const bytes = Buffer.from(`${options.byte ?? '@'}oops\r\n`, 'latin1');
    return (_command, connection) => {
      connection.write(bytes);
    };
  },

  /** Sends an aggregate header claiming 2^32 elements, then nothing. @default header '*4294967296\r\n' */
  hugeArrayHeader(options: { header?: string } = {}): HostileHandler {
    const bytes = Buffer.from(options.header ?? '*4294967296\r\n');
    return (_command, connection) => {
      connection.write(bytes);
    };
  },

  /**
   * Sends `depth` nested one-element arrays around `:1`, i.e. '*1\r\n' × depth + ':1\r\n',
   * `levelsPerWrite` levels per write, yielding to the event loop (or waiting for drain)
   * between writes; stops if the client closes. @default depth 100000, levelsPerWrite 1000
   */
  deepNesting(options: { depth?: number; levelsPerWrite?: number } = {}): HostileHandler {
    const depth = options.depth ?? 100_000;
    const perWrite = options.levelsPerWrite ?? 1000;
    if (!Number.isSafeInteger(depth) || depth < 0 || !Number.isSafeInteger(perWrite) || perWrite < 1) throw new Error('deepNesting needs depth >= 0 and levelsPerWrite >= 1');
    const slice = Buffer.from('*1\r\n'.repeat(perWrite));
    return async (_command, connection) => {
      for (let sent = 0; sent < depth; sent += perWrite) {
        const levels = Math.min(perWrite, depth - sent);
        const isFull = !connection.write(levels === perWrite ? slice : slice.subarray(0, levels * 4));
        if (isFull) await connection.drain();
        else await connection.sleep(0);
      }
      connection.write(':1\r\n');
    };
  },

  /** Sends a bulk header `$${length}\r\n` and nothing after it. @default length 536870912 (512 MiB, the default limit) */
  hugeBulkThenSilence(options: { length?: number } = {}): HostileHandler {
    const bytes = Buffer.from(`$${options.length ?? 512 * 1024 * 1024}\r\n`);
    return (_command, connection) => {
      connection.write(bytes);
    };
  },

  /** Sends the reply `bytesPerWrite` bytes at a time, `delayMs` apart. @default bytesPerWrite 1, delayMs 2 */
  slowDrip(options: { reply?: string | Uint8Array; bytesPerWrite?: number; delayMs?: number } = {}): HostileHandler {
    return (command, connection) =>
      connection.writeSlowly(options.reply ?? plausibleReply(command, connection.protocol), {
        bytesPerWrite: options.bytesPerWrite ?? 1,
        delayMs: options.delayMs ?? 2,
      });
  },

  /**
   * Sends a reply to a command never sent, in the same write as the real reply: reply + extra
   * ('after': nobody waits for it) or extra + reply ('before': the client pairs it with the
   * wrong command). @default extra ':42\r\n', position 'after'
   */
  extraReply(options: { extra?: string | Uint8Array; position?: 'before' | 'after' } = {}): HostileHandler {
    const extra = Buffer.from(options.extra ?? ':42\r\n');
    return (command, connection) => {
      const reply = plausibleReply(command, connection.protocol);
      connection.write(options.position === 'before' ? Buffer.concat([extra, reply]) : Buffer.concat([reply, extra]));
    };
  },

  /** Sends reply + garbage in one write. @default garbage '\0garbage\r\n' */
  garbageAfterReply(options: { garbage?: string | Uint8Array } = {}): HostileHandler {
    const garbage = Buffer.from(options.garbage ?? '\u0000garbage\r\n');
    return (command, connection) => {
      connection.write(Buffer.concat([plausibleReply(command, connection.protocol), garbage]));
    };
  },

  /** Reads the command and sends nothing, ever. */
  neverAnswer(): HostileHandler {
    return () => {};
  },

  /**
   * Sends the start of a reply, then closes: at once with FIN ('end'), or with RST ('reset')
   * `resetDelayMs` later. The pause matters: when bytes and the RST reach a Node client in the
   * same poll, libuv reports a clean EOF instead of ECONNRESET.
   * @default partial '$11\r\nhello', mode 'end', resetDelayMs 20
   */
  closeMidReply(options: { partial?: string | Uint8Array; mode?: 'end' | 'reset'; resetDelayMs?: number } = {}): HostileHandler {
    const partial = Buffer.from(options.partial ?? '$11\r\nhello');
    return async (_command, connection) => {
      connection.write(partial);
      if (options.mode !== 'reset') {
        connection.end();
        return;
      }
      await connection.sleep(options.resetDelayMs ?? 20);
      connection.reset();
    };
  },

  /**
   * Sends push × before + reply + push × after, in one write, on RESP3 connections. On RESP2
   * connections only the reply is sent, as Redis would, unless `evenInResp2`.
   * @default push DEFAULT_PUSH, before 1, after 1, evenInResp2 false
   */
  interleavedPushes(options: { push?: string | Uint8Array; before?: number; after?: number; evenInResp2?: boolean } = {}): HostileHandler {
    const push = Buffer.from(options.push ?? DEFAULT_PUSH);
    const before = options.before ?? 1;
    const after = options.after ?? 1;
    return (command, connection) => {
      const reply = plausibleReply(command, connection.protocol);
      if (connection.protocol === 2 && options.evenInResp2 !== true) {
        connection.write(reply);
        return;
      }
      connection.write(Buffer.concat([...Array<Buffer>(before).fill(push), reply, ...Array<Buffer>(after).fill(push)]));
    };
  },

  /**
   * Runs `then` for commands that match (by name, any case, or predicate) and `otherwise` for the
   * rest; with `times`, only the first `times` matches (over all connections) run `then`.
   * @default otherwise scripts.answer(), times Infinity
   */
  when(match: CommandMatch, then: HostileHandler, otherwise: HostileHandler = scripts.answer(), options: { times?: number } = {}): HostileHandler {
    let isMatch: (command: HostileCommand, connection: HostileConnection) => boolean;
    if (typeof match === 'function') isMatch = match;
    else {
      const names = new Set((typeof match === 'string' ? [match] : match).map((name) => name.toUpperCase()));
      isMatch = (command) => names.has(command.name);
    }
    let left = options.times ?? Infinity;
    return (command, connection) => {
      if (left > 0 && isMatch(command, connection)) {
        left--;
        return then(command, connection);
      }
      return otherwise(command, connection);
    };
  },
};

// ---------------------------------------------------------------------------------------------
// Command parser

const ARRAY = 42; // '*'
const BULK = 36; // '$'
const LF = 10; // '\n'
const MAX_LINE_BYTES = 64 * 1024; // Redis: PROTO_INLINE_MAX_SIZE
const MAX_ARGS = 1024 * 1024;
const MAX_COMMAND_BYTES = 256 * 1024 * 1024;

/** A client broke the request protocol; the message is what Redis would say after "Protocol error: ". */
class ClientProtocolError extends Error {}

type ParserState = 'start' | 'count' | 'bulkHeader' | 'bulk' | 'inline';

/** Parses client requests (RESP arrays of bulk strings, or inline lines) fed chunk by chunk. */
export class CommandParser {
  #state: ParserState = 'start';
  #lineParts: Buffer[] = [];
  #lineLength = 0;
  #argsLeft = 0;
  #argv: Buffer[] = [];
  #bulkLeft = 0;
  #bulkParts: Buffer[] = [];
  #commandBytes = 0;
  readonly #maxBulkBytes: number;

  /** @param maxBulkBytes largest bulk string accepted. @default 64 MiB */
  constructor(maxBulkBytes = 64 * 1024 * 1024) {
    this.#maxBulkBytes = maxBulkBytes;
  }

  /** Parses a chunk; returns the commands it completed. Throws on a protocol error (the stream is then unusable). */
  feed(chunk: Buffer): Buffer[][] {
    const commands: Buffer[][] = [];
    let i = 0;
    while (i < chunk.length) {
      switch (this.#state) {
        case 'start':
          if (chunk[i] === ARRAY) {
            i++;
            this.#state = 'count';
          } else this.#state = 'inline';
          break;
        case 'count': {
          const [line, next] = this.#readLine(chunk, i, 'too big mbulk count string');
          i = next;
          if (line === undefined) break;
          const n = parseInteger(line);
          if (n === undefined || n > MAX_ARGS) throw new ClientProtocolError('invalid multibulk length');
          if (n <= 0) {
            this.#state = 'start';
            break;
          }
          this.#argsLeft = n;
          this.#argv = [];
          this.#commandBytes = 0;
          this.#state = 'bulkHeader';
          break;
        }
        case 'bulkHeader': {
          if (this.#lineLength === 0 && chunk[i] !== BULK) throw new ClientProtocolError(`expected '$', got '${String.fromCharCode(chunk[i]!)}'`);
          const [line, next] = this.#readLine(chunk, i, 'too big bulk count string');
          i = next;
          if (line === undefined) break;
          const n = parseInteger(line.subarray(1));
          if (n === undefined || n < 0 || n > this.#maxBulkBytes) throw new ClientProtocolError('invalid bulk length');
          this.#commandBytes += n;
          if (this.#commandBytes > MAX_COMMAND_BYTES) throw new ClientProtocolError('command larger than 256 MiB');
          this.#bulkLeft = n + 2; // the payload and its CRLF
          this.#bulkParts = [];
          this.#state = 'bulk';
          break;
        }
        case 'bulk': {
          const n = Math.min(this.#bulkLeft, chunk.length - i);
          this.#bulkParts.push(chunk.subarray(i, i + n));
          this.#bulkLeft -= n;
          i += n;
          if (this.#bulkLeft > 0) break;
          const whole = Buffer.concat(this.#bulkParts);
          this.#bulkParts = [];
          this.#argv.push(whole.subarray(0, whole.length - 2));
          if (--this.#argsLeft > 0) {
            this.#state = 'bulkHeader';
            break;
          }
          commands.push(this.#argv);
          this.#argv = [];
          this.#state = 'start';
          break;
        }
        case 'inline': {
          const [line, next] = this.#readLine(chunk, i, 'too big inline request');
          i = next;
          if (line === undefined) break;
          const words = line.toString('latin1').split(/[ \t]+/).filter((word) => word !== '');
          if (words.length > 0) commands.push(words.map((word) => Buffer.from(word, 'latin1')));
          this.#state = 'start';
          break;
        }
      }
    }
    return commands;
  }

  /** Collects a line up to LF (without CR LF); undefined until the LF arrives. */
  #readLine(chunk: Buffer, start: number, tooBig: string): [Buffer | undefined, number] {
    const lf = chunk.indexOf(LF, start);
    const stop = lf === -1 ? chunk.length : lf;
    this.#lineLength += stop - start;
    if (this.#lineLength > MAX_LINE_BYTES) throw new ClientProtocolError(tooBig);
    this.#lineParts.push(chunk.subarray(start, stop));
    if (lf === -1) return [undefined, chunk.length];
    let line = this.#lineParts.length === 1 ? this.#lineParts[0]! : Buffer.concat(this.#lineParts);
    if (line.at(-1) === 13) line = line.subarray(0, -1); // '\r'
    this.#lineParts = [];
    this.#lineLength = 0;
    return [Buffer.from(line), lf + 1];
  }
}

function parseInteger(bytes: Buffer): number | undefined {
  const text = bytes.toString('latin1');
  if (!/^-?\d{1,18}$/.test(text)) return undefined;
  return Number(text);
}

// ---------------------------------------------------------------------------------------------
// Server

interface ConnectionState extends HostileConnection {
  protocol: 2 | 3;
}

const HANDSHAKE_COMMANDS = new Set(['HELLO', 'AUTH', 'SELECT']);
const WRONGPASS = '-WRONGPASS invalid username-password pair or user is disabled.\r\n';

/** Starts a hostile RESP server on a free loopback port; `handler` answers every non-handshake command. */
export async function startHostileServer(handler: HostileHandler, options: HostileServerOptions = {}): Promise<HostileServer> {
  const handshake = options.handshake ?? 'redis7';
  const version = options.version ?? '7.0.15';
  const maxRecorded = options.maxRecordedCommands ?? 10_000;
  const commands: HostileCommand[] = [];
  const errors: Error[] = [];
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const waiters = new Set<() => void>();
  let unrecorded = 0;
  let totalConnections = 0;
  let isClosed = false;

  const notify = (): void => {
    for (const waiter of [...waiters]) waiter();
  };
  const isPasswordOk = (password: string | undefined): boolean => options.password === undefined || password === options.password;

  /** Answers a handshake command; false if it is not one (the handler gets it). */
  function answerHandshake(command: HostileCommand, connection: ConnectionState): boolean {
    if (handshake === 'none') return false;
    const sub = command.args[0]?.toUpperCase();
    if (command.name === 'CLIENT' && sub === 'SETNAME') {
      connection.write('+OK\r\n');
      return true;
    }
    if (command.name === 'CLIENT' && sub === 'SETINFO') {
      // CLIENT SETINFO arrived in Redis 7.2; both emulated versions reject it.
      connection.write("-ERR unknown subcommand 'SETINFO'. Try CLIENT HELP.\r\n");
      return true;
    }
    if (!HANDSHAKE_COMMANDS.has(command.name)) return false;
    if (command.name === 'AUTH') connection.write(isPasswordOk(command.args.at(-1)) ? '+OK\r\n' : WRONGPASS);
    else if (command.name === 'SELECT') connection.write('+OK\r\n');
    else if (handshake === 'redis5') connection.write(unknownCommandError(command.argv));
    else answerHello(command, connection);
    return true;
  }

  /** HELLO [protover [AUTH username password] [SETNAME clientname]], as Redis 7.0 answers it. */
  function answerHello(command: HostileCommand, connection: ConnectionState): void {
    const args = command.args;
    let protocol = connection.protocol;
    if (args.length > 0) {
      const requested = /^-?\d+$/.test(args[0]!) ? Number(args[0]) : NaN;
      if (!Number.isSafeInteger(requested)) {
        connection.write('-ERR Protocol version is not an integer or out of range\r\n');
        return;
      }
      if (requested !== 2 && requested !== 3) {
        connection.write('-NOPROTO unsupported protocol version\r\n');
        return;
      }
      for (let i = 1; i < args.length; i++) {
        const option = args[i]!.toUpperCase();
        if (option === 'AUTH' && i + 2 < args.length) {
          if (!isPasswordOk(args[i + 2])) {
            connection.write(WRONGPASS);
            return;
          }
          i += 2;
        }
        else if (option === 'SETNAME' && i + 1 < args.length) i += 1;
        else {
          connection.write(`-ERR Syntax error in HELLO option '${args[i]}'\r\n`);
          return;
        }
      }
      protocol = requested;
    }
    connection.protocol = protocol;
    connection.write(helloReply(protocol, connection.id, version));
  }

  const server = net.createServer((socket) => {
    if (isClosed) {
      socket.destroy();
      return;
    }
    totalConnections++;
    sockets.add(socket);
    const connectionTimers = new Set<NodeJS.Timeout>();
    const parser = new CommandParser(options.maxBulkBytes);
    let chain: Promise<void> = Promise.resolve();
    let isConnectionClosed = false;
    let isParserBroken = false;
    const connection: ConnectionState = {
      id: totalConnections,
      socket,
      protocol: 2,
      get isClosed() {
        return isConnectionClosed;
      },
      write(data) {
        if (isConnectionClosed || socket.destroyed || socket.writableEnded) return false;
        return socket.write(data);
      },
      async writeSlowly(data, slowOptions = {}) {
        const bytes = typeof data === 'string' ? Buffer.from(data) : data;
        const step = slowOptions.bytesPerWrite ?? 1;
        if (!Number.isSafeInteger(step) || step < 1) throw new Error('bytesPerWrite must be >= 1');
        for (let offset = 0; offset < bytes.length; offset += step) {
          if (offset > 0) await connection.sleep(slowOptions.delayMs ?? 1);
          connection.write(bytes.subarray(offset, offset + step));
        }
      },
      sleep(ms) {
        return new Promise((resolve) => {
          if (isConnectionClosed) return;
          const timer = setTimeout(() => {
            connectionTimers.delete(timer);
            timers.delete(timer);
            resolve();
          }, ms);
          connectionTimers.add(timer);
          timers.add(timer);
        });
      },
      drain() {
        return new Promise((resolve) => {
          if (isConnectionClosed) return;
          if (!socket.writableNeedDrain) resolve();
          else socket.once('drain', () => resolve());
        });
      },
      end() {
        if (!socket.destroyed) socket.end();
      },
      reset() {
        resetSocket(socket);
      },
    };

    const dispatch = async (command: HostileCommand): Promise<void> => {
      if (isConnectionClosed) return;
      if (answerHandshake(command, connection)) return;
      await handler(command, connection);
    };

    socket.on('data', (chunk: Buffer) => {
      if (isParserBroken) return;
      let parsed: Buffer[][];
      try {
        parsed = parser.feed(chunk);
      } catch (err) {
        if (!(err instanceof ClientProtocolError)) throw err;
        isParserBroken = true;
        errors.push(new Error(`client protocol error on connection ${connection.id}: ${err.message}`));
        connection.write(`-ERR Protocol error: ${err.message}\r\n`);
        socket.end();
        socket.pause();
        return;
      }
      for (const argv of parsed) {
        const command: HostileCommand = {
          name: argv[0]!.toString().toUpperCase(),
          args: argv.slice(1).map((arg) => arg.toString()),
          argv,
          connectionId: connection.id,
        };
        if (commands.length < maxRecorded) commands.push(command);
        else unrecorded++;
        chain = chain
          .then(() => dispatch(command))
          .catch((err: unknown) => {
            errors.push(err instanceof Error ? err : new Error(String(err)));
            connection.reset();
          });
      }
      if (parsed.length > 0) notify();
    });
    socket.on('error', () => {
      // Clients under test reset connections all the time; the close handler cleans up.
    });
    socket.on('close', () => {
      isConnectionClosed = true;
      sockets.delete(socket);
      for (const timer of connectionTimers) {
        clearTimeout(timer);
        timers.delete(timer);
      }
      connectionTimers.clear();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;

  async function close(): Promise<void> {
    if (isClosed) return;
    isClosed = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    await closed;
    notify();
  }

  return {
    host: '127.0.0.1',
    port,
    url: `redis://127.0.0.1:${port}`,
    get commands() {
      return commands;
    },
    get unrecordedCommands() {
      return unrecorded;
    },
    get connections() {
      return sockets.size;
    },
    get totalConnections() {
      return totalConnections;
    },
    get errors() {
      return errors;
    },
    commandNames() {
      return commands.map((command) => command.name);
    },
    received(name) {
      const upper = name.toUpperCase();
      return commands.filter((command) => command.name === upper);
    },
    waitForCommand(name, timeoutMs = 2000) {
      const upper = name.toUpperCase();
      return new Promise<HostileCommand>((resolve, reject) => {
        const check = (): void => {
          const found = commands.find((command) => command.name === upper);
          if (found === undefined && !isClosed) return;
          done();
          if (found !== undefined) resolve(found);
          else reject(new Error(`hostile server closed before ${upper} arrived`));
        };
        const done = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no ${upper} within ${timeoutMs} ms; received ${JSON.stringify(commands.map((c) => c.name))}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
