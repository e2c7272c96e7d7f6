// @layer L3 connection
/**
 * The connection handshake: HELLO (with AUTH and SETNAME) first and alone, falling back to
 * AUTH / CLIENT SETNAME on servers without HELLO (Redis < 6), then SELECT. Never pipelined
 * behind other commands: a failed AUTH pipelined behind commands loses its error reply
 * (redis/redis#15640).
 */
import { ReplyError } from '../errors.js';

/** Username and password for AUTH. The password never appears in errors, logs or inspect output. */
export interface Credentials {
  username?: string;
  password?: string;
}

/** What the handshake learned about the server (from HELLO, when the server has it). */
export interface ServerInfo {
  /** RESP version in use on this connection. */
  protocol: 2 | 3;
  /** Server version, e.g. "7.0.15"; empty when the server has no HELLO. */
  version: string;
  /** The server's connection id (CLIENT ID), or -1 when unknown. */
  id: number;
  /** "standalone", "cluster" or "sentinel"; empty when unknown. */
  mode: string;
  /** "master" or "replica"; empty when unknown. */
  role: string;
}

/** Sends one internal command and resolves with its raw reply (rejects with ReplyError). */
export type SendInternal = (name: string, args: (string | number)[]) => Promise<unknown>;

export interface HandshakeSettings {
  protocol: 2 | 3;
  database: number;
  clientName: string | undefined;
  credentials: Credentials | undefined;
  /** READONLY after the rest (a cluster replica serving reads). */
  readOnly?: boolean;
}

export async function handshake(send: SendInternal, settings: HandshakeSettings): Promise<ServerInfo> {
  const { credentials, clientName } = settings;
  const helloArgs: (string | number)[] = [settings.protocol];
  if (credentials?.password !== undefined) helloArgs.push('AUTH', credentials.username ?? 'default', credentials.password);
  if (clientName !== undefined) helloArgs.push('SETNAME', clientName);
  let info: ServerInfo;
  try {
    info = parseHello(await send('HELLO', helloArgs), settings.protocol);
  } catch (err) {
    if (!(err instanceof ReplyError) || !isUnknownCommand(err)) throw err;
    // Redis before 6 has no HELLO: it speaks RESP2 only and authenticates with AUTH.
    if (credentials?.password !== undefined) {
      const authArgs = credentials.username !== undefined && credentials.username !== 'default' ? [credentials.username, credentials.password] : [credentials.password];
      await send('AUTH', authArgs);
    }
    if (clientName !== undefined) await send('CLIENT', ['SETNAME', clientName]);
    info = { protocol: 2, version: '', id: -1, mode: '', role: '' };
  }
  if (settings.database !== 0) await send('SELECT', [settings.database]);
  if (settings.readOnly === true) await send('READONLY', []);
  return info;
}

function isUnknownCommand(err: ReplyError): boolean {
  return err.code === 'ERR' && /unknown command/i.test(err.message);
}

function parseHello(reply: unknown, protocol: 2 | 3): ServerInfo {
  const get = (key: string): unknown => {
    if (reply instanceof Map) return reply.get(key);
    if (Array.isArray(reply)) {
      for (let i = 0; i + 1 < reply.length; i += 2) if (String(reply[i]) === key) return reply[i + 1];
    }
    return undefined;
  };
  const proto = Number(get('proto'));
  return {
    protocol: proto === 2 || proto === 3 ? proto : protocol,
    version: intern(String(get('version') ?? '')),
    id: Number(get('id') ?? -1),
    mode: intern(String(get('mode') ?? '')),
    role: intern(String(get('role') ?? '')),
  };
}

// Every connection's HELLO says the same few words ("7.0.15", "standalone", "master"): keep one
// copy of each rather than three fresh strings per connection. Bounded: a server cannot grow it.
const interned = new Map<string, string>();
function intern(text: string): string {
  const known = interned.get(text);
  if (known !== undefined) return known;
  if (interned.size < 64) interned.set(text, text);
  return text;
}
