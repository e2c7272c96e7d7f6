// @layer L2 commands
/**
 * How one interface of command methods serves every executor. A family declares its methods
 * once, with their documentation, as `get(key: Key): Out<K, string | null>`; the executor
 * supplies the kind `K`, which says what a method returns for a reply type `R`: a promise of
 * it (client, lease), the pipeline with `R` appended to its tuple, or the definition itself
 * (the check that the table matches the interface).
 *
 * Explicit interfaces rather than a mapped type over the table: the editor then shows each
 * method's documentation on hover and finds its declaration, and the compiler resolves a
 * method only when it is used (a mapped type over ~400 commands is instantiated whole).
 */
import type { CommandDefinition } from './define.js';

/** What a method returns, as a function of its reply type `reply` (set by `Out`). */
export interface Kind {
  readonly reply: unknown;
  readonly out: unknown;
}

/** The return type of a method whose reply is `R`, for executors of kind `K`. */
export type Out<K extends Kind, R> = (K & { readonly reply: R })['out'];

/** Replaces `string` by `Buffer` in a reply type (returnBuffers); literal types like "OK" and ServerText stay. */
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

/** The reply type of a command for a client whose bulk strings are `S` (string, or Buffer for returnBuffers). */
export type Reply<R, S> = S extends string ? R : ToBuffers<R>;

/** Methods that return a promise of the reply: the client, its `with()` views, leases. */
export interface PromiseKind<S> extends Kind {
  readonly out: Promise<Reply<this['reply'], S>>;
}

declare const REPLY: unique symbol;
/** A reply type carried by DefinitionKind. */
export interface Replying<R> {
  readonly [REPLY]: R;
}

/** The kind used to check a family's definitions against its interface (see Definitions). */
export interface DefinitionKind extends Kind {
  readonly out: Replying<this['reply']>;
}

/**
 * The definitions a family must provide for its interface `I` (instantiated with
 * DefinitionKind): one per method, taking the method's parameters and resolving its reply type.
 * A family's builder is annotated with it, so a wrong parameter list, reply type, a missing or
 * an extra definition fail to compile.
 */
export type Definitions<I> = {
  readonly [M in keyof I]: I[M] extends (...args: infer A) => Replying<infer R> ? CommandDefinition<A, R> : never;
};
