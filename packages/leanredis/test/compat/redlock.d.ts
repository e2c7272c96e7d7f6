/**
 * The part of redlock 5's API the compat test uses. redlock ships types (dist/index.d.ts) that
 * its package.json "exports" does not expose, so TypeScript under NodeNext cannot find them.
 */
declare module 'redlock' {
  export class ExecutionError extends Error {}
  export class ResourceLockedError extends Error {}
  export class Lock {
    readonly value: string;
    release(): Promise<unknown>;
    extend(duration: number): Promise<Lock>;
  }
  export interface Settings {
    retryCount?: number;
    retryDelay?: number;
    retryJitter?: number;
    driftFactor?: number;
  }
  /** Clients shaped like ioredis (evalsha, eval). */
  export type Client = { evalsha(...args: unknown[]): Promise<unknown>; eval(...args: unknown[]): Promise<unknown> };
  export default class Redlock {
    constructor(clients: Iterable<Client>, settings?: Settings);
    on(event: 'error', listener: (error: Error) => void): this;
    acquire(resources: string[], duration: number): Promise<Lock>;
    using<T>(resources: string[], duration: number, routine: () => Promise<T>): Promise<T>;
  }
}
