// @layer L7 otel
/**
 * L7 otel: the stable database semantic conventions (core stable since semconv 1.33) as
 * leanredis applies them to Redis: attribute names, the operation name of a command or a batch,
 * and what an error becomes. Attributes are built from the channel contexts only; never a key
 * or a value (db.query.text is the client's sanitized arguments, and only when opted in).
 */
import type { BatchContext, CommandContext, ConnectContext, Destination } from '../internal/channels.js';
import type { OtelAttributes } from './otel-types.js';

export const DB_SYSTEM_NAME = 'db.system.name';
export const DB_OPERATION_NAME = 'db.operation.name';
export const DB_NAMESPACE = 'db.namespace';
export const DB_QUERY_TEXT = 'db.query.text';
export const DB_RESPONSE_STATUS_CODE = 'db.response.status_code';
export const DB_OPERATION_BATCH_SIZE = 'db.operation.batch.size';
export const SERVER_ADDRESS = 'server.address';
export const SERVER_PORT = 'server.port';
export const ERROR_TYPE = 'error.type';
export const CONNECTION_STATE = 'db.client.connection.state';
export const CONNECTION_POOL_NAME = 'db.client.connection.pool.name';
/** Ours (no convention has one): 0 for a connection's first dial, then 1, 2... per reconnect attempt. */
export const CONNECT_ATTEMPT = 'leanredis.connect.attempt';

/** Database indexes as strings, made once ("0".."15" cover nearly every client). */
const NAMESPACES = Array.from({ length: 16 }, (_, i) => String(i));

function namespaceOf(database: number): string {
  return NAMESPACES[database] ?? String(database);
}

/** The attributes every span and duration point of a destination carries. */
export function destinationAttributes(d: Destination, operation: string): OtelAttributes {
  return {
    [DB_SYSTEM_NAME]: 'redis',
    [DB_OPERATION_NAME]: operation,
    [DB_NAMESPACE]: namespaceOf(d.database),
    [SERVER_ADDRESS]: d.serverAddress,
    [SERVER_PORT]: d.serverPort,
  };
}

/** The attributes of a `connect` span: the destination's, without an operation, and the attempt. */
export function connectAttributes(c: ConnectContext): OtelAttributes {
  return {
    [DB_SYSTEM_NAME]: 'redis',
    [DB_NAMESPACE]: namespaceOf(c.database),
    [SERVER_ADDRESS]: c.serverAddress,
    [SERVER_PORT]: c.serverPort,
    [CONNECT_ATTEMPT]: c.attempt,
  };
}

/**
 * A batch's operation name: `PIPELINE` or `MULTI`, or `PIPELINE GET` / `MULTI SET` when every
 * command of it is the same (the conventions' rule for homogeneous batches).
 */
export function batchOperation(batch: BatchContext): string {
  const commands = batch.commands;
  if (commands.length === 0) return batch.batchMode;
  const first = commands[0];
  for (let i = 1; i < commands.length; i++) if (commands[i] !== first) return batch.batchMode;
  return `${batch.batchMode} ${first}`;
}

/** `GET ? ?` from a command and its sanitized arguments, or undefined without them. */
export function commandQueryText(c: CommandContext): string | undefined {
  return c.args === undefined ? undefined : c.args.length === 0 ? c.command : `${c.command} ${c.args.join(' ')}`;
}

/** The commands of a batch joined with `; ` (the conventions' form for a batch), or undefined without arguments. */
export function batchQueryText(b: BatchContext): string | undefined {
  const args = b.args;
  if (args === undefined) return undefined;
  return b.commands.map((name, i) => (args[i] === undefined || args[i].length === 0 ? name : `${name} ${args[i].join(' ')}`)).join('; ');
}

/**
 * What an error becomes: `errorType` is its stable code (a server prefix such as `WRONGTYPE`,
 * or ours such as `ERR_COMMAND_TIMEOUT`), else its class name; `statusCode` is the server's
 * prefix when the server answered with an error (a ReplyError), else undefined.
 */
export function describeError(error: unknown): { errorType: string; statusCode: string | undefined } {
  const e = error as { code?: unknown; name?: unknown } | null;
  const code = typeof e?.code === 'string' && e.code !== '' ? e.code : undefined;
  const errorType = code ?? (typeof e?.name === 'string' && e.name !== '' ? e.name : '_OTHER');
  return { errorType, statusCode: e?.name === 'ReplyError' ? code : undefined };
}
