/**
 * ESM loader hooks for instrumented probe runs (registered by import-probe.ts with
 * module.register; they run on the loader thread). They change nothing: each resolution is
 * posted as { url, parentURL } and each load as { url, format }, so the probe learns every
 * file the import loads and which file imported it.
 */
import type { MessagePort } from 'node:worker_threads';

let port: MessagePort | undefined;

/** Receives the port the probe listens on. */
export function initialize(data: { port: MessagePort }): void {
  port = data.port;
}

type Next<A extends unknown[], R> = (...args: A) => Promise<R> | R;

/** Passes resolution through, reporting who imported what. */
export async function resolve(specifier: string, context: { parentURL?: string }, next: Next<[string, unknown], { url: string }>): Promise<{ url: string }> {
  const result = await next(specifier, context);
  port?.postMessage({ url: result.url, parentURL: context.parentURL });
  return result;
}

/** Passes loading through, reporting each file's format. */
export async function load(url: string, context: unknown, next: Next<[string, unknown], { format?: string | null }>): Promise<{ format?: string | null }> {
  const result = await next(url, context);
  port?.postMessage({ url, format: result.format ?? 'unknown' });
  return result;
}
