/**
 * The command table and the types every executor derives from it. Adding a command means
 * adding one entry to a family file; client, lease, pipeline and transaction pick it up.
 */
import type { CommandDefinition } from './define.js';
import type { buildTable } from './table.js';
import { loadTable } from './table-loader.js';

export type CommandTable = ReturnType<typeof buildTable>;
export type CommandName = keyof CommandTable;

/** The method parameters of a command definition. */
export type ArgsOf<D> = D extends CommandDefinition<infer A, infer _R> ? A : never;
/** The resolved value of a command definition. */
export type ReplyOf<D> = D extends CommandDefinition<infer _A, infer R> ? R : never;

/** Replaces `string` by `Buffer` in a reply type (returnBuffers); literal types like "OK" stay. */
export type ToBuffers<T> = T extends string
  ? string extends T
    ? Buffer
    : T
  : T extends readonly unknown[]
    ? { [K in keyof T]: ToBuffers<T[K]> }
    : T extends Buffer | number | bigint | boolean | null | undefined | Error
      ? T
      : T extends object
        ? { [K in keyof T]: ToBuffers<T[K]> }
        : T;

/** The reply type of a command for a client whose bulk strings are `S`. */
export type Reply<R, S> = S extends string ? R : ToBuffers<R>;

/** Typed command methods for an executor whose methods return promises. */
export type Commands<S = string> = {
  [K in CommandName]: (...args: ArgsOf<CommandTable[K]>) => Promise<Reply<ReplyOf<CommandTable[K]>, S>>;
};

/** The funnel every executor implements: send one command definition with its method arguments. */
export const SEND: unique symbol = Symbol('leanredis.send');

export interface Executor {
  [SEND](definition: CommandDefinition, args: unknown[]): unknown;
}

const targets: object[] = [];
let table: CommandTable | undefined;

/** The command table, built on first call. */
export function commandTable(): CommandTable {
  return (table ??= loadTable() as CommandTable);
}

/**
 * Registers a prototype to receive every command as a method calling `this[SEND]`. The
 * methods are created once, shared by every registered prototype, and installed by
 * `ensureCommands()` (called by the executors' constructors), not at import.
 */
export function installCommands(target: { prototype: object }): void {
  targets.push(target.prototype);
  if (table !== undefined) install([target.prototype]);
}

/** Installs the command methods on every registered prototype, once. */
export function ensureCommands(): void {
  if (table === undefined) install(targets);
}

function install(prototypes: object[]): void {
  const commands = commandTable();
  for (const name of Object.keys(commands) as CommandName[]) {
    const definition = commands[name] as CommandDefinition;
    const method = function (this: Executor, ...args: unknown[]) {
      return this[SEND](definition, args);
    };
    Object.defineProperty(method, 'name', { value: name });
    for (const prototype of prototypes) Object.defineProperty(prototype, name, { value: method, writable: true, configurable: true });
  }
}
