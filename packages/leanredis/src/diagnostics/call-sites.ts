// @layer L7 diagnostics
/**
 * L7 diagnostics: where things come from. Stack texts are parsed into frames, and the first
 * frame outside leanredis and Node's internals is the *call site*: the line of the caller's
 * code that created a leaked client, lease, socket or timer. `ResourceAttribution` records,
 * for a short window, the call site of every new async resource of chosen types (through
 * async_hooks) and reports those still alive at its end.
 */
import type * as AsyncHooks from 'node:async_hooks';
import type * as Url from 'node:url';

/** A place in the caller's code, and how much of something comes from it. */
export interface CallSite {
  /** `functionName (file:line:column)`, as a stack trace prints it. */
  site: string;
  functionName: string;
  /** Path of the file ("" when unknown). */
  file: string;
  /** 1-based; 0 when unknown. */
  line: number;
  column: number;
  /** How many of the things the alarm is about (leases, sockets, timers, objects) come from here. */
  count: number;
  /** Bytes, for heap growth: estimated live bytes allocated here during the attribution window. */
  bytes?: number;
  /** The caller's frames (leanredis and Node internals removed), one `at ...` line each, at most 8. */
  stack: string;
}

interface Frame {
  functionName: string;
  file: string;
  line: number;
  column: number;
  text: string;
}

// "    at fn (file:1:2)", "    at file:1:2", "    at async fn (file:1:2)", "    at new C (file:1:2)"
const FRAME = /^\s*at (?:(.+?) \()?(.+?):(\d+):(\d+)\)?$/;

const url = (): typeof Url => process.getBuiltinModule('node:url') as typeof Url;

/** The folders whose frames are leanredis's own: the package's dist/ and src/. */
const LIBRARY_ROOTS: readonly string[] = (() => {
  const here = url().fileURLToPath(new URL('.', import.meta.url));
  // dist/diagnostics.js (built) or src/diagnostics/*.ts (sources): find the package root.
  const root = /[\\/]diagnostics[\\/]$/.test(here) ? new URL('../../', import.meta.url) : new URL('../', import.meta.url);
  const rootPath = url().fileURLToPath(root);
  return [`${rootPath}dist`, `${rootPath}src`];
})();

function toPath(file: string): string {
  if (!file.startsWith('file:')) return file;
  try {
    return url().fileURLToPath(file);
  } catch {
    return file;
  }
}

/** Frames of a V8 stack text; lines that are not frames (the message) are skipped. */
export function parseStack(stack: string): Frame[] {
  const frames: Frame[] = [];
  for (const line of stack.split('\n')) {
    const m = FRAME.exec(line);
    if (m === null) continue;
    const name = (m[1] ?? '(anonymous)').replace(/^async /, '');
    frames.push({ functionName: name, file: toPath(m[2]), line: Number(m[3]), column: Number(m[4]), text: line.trim() });
  }
  return frames;
}

/** Whether a frame is the caller's code: not Node's internals, not leanredis, not native. */
export function isCallerFrame(file: string): boolean {
  if (file === '' || file === 'native' || file.startsWith('node:') || file.startsWith('internal/')) return false;
  const normal = file.replaceAll('\\', '/');
  return !LIBRARY_ROOTS.some((root) => file.startsWith(root) || normal.startsWith(root.replaceAll('\\', '/')));
}

/** The call site of a stack text, or undefined when no frame is the caller's. */
export function callSiteOf(stack: string, count = 1): CallSite | undefined {
  const frames = parseStack(stack).filter((f) => isCallerFrame(f.file));
  if (frames.length === 0) return undefined;
  const top = frames[0];
  return {
    site: `${top.functionName} (${top.file}:${top.line}:${top.column})`,
    functionName: top.functionName,
    file: top.file,
    line: top.line,
    column: top.column,
    count,
    stack: frames
      .slice(0, 8)
      .map((f) => f.text)
      .join('\n'),
  };
}

/** The current stack, deep enough to reach the caller under a few layers of library code. */
export function captureStack(): string {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 40;
  const stack = new Error('call site').stack ?? '';
  Error.stackTraceLimit = limit;
  return stack;
}

/** Sums call sites with the same `site`, biggest first (by bytes, then count), at most `n`. */
export function mergeCallSites(sites: readonly CallSite[], n = 10): CallSite[] {
  const bySite = new Map<string, CallSite>();
  for (const s of sites) {
    const seen = bySite.get(s.site);
    if (seen === undefined) bySite.set(s.site, { ...s });
    else {
      seen.count += s.count;
      if (s.bytes !== undefined) seen.bytes = (seen.bytes ?? 0) + s.bytes;
    }
  }
  return [...bySite.values()].sort((a, b) => (b.bytes ?? 0) - (a.bytes ?? 0) || b.count - a.count).slice(0, n);
}

/**
 * The async_hooks type of a `process.getActiveResourcesInfo()` type name: mostly the same
 * name upper-cased (`FSReqCallback` -> `FSREQCALLBACK`), timers unchanged, TCP sockets
 * `TCPWRAP`.
 */
export function hookTypeOf(resourceType: string): string {
  if (resourceType === 'Timeout' || resourceType === 'Immediate') return resourceType;
  if (resourceType === 'TCPSocketWrap') return 'TCPWRAP';
  return resourceType.toUpperCase();
}

/**
 * For a window: the call site of each new async resource of the given types, kept while the
 * resource lives (destroy removes it). At most `maxTracked` resources are tracked (each holds a
 * stack string), so a flood costs bounded memory. Enabling async_hooks slows promise-heavy
 * code while the window lasts: the watch opens one only after an alarm's condition holds.
 */
export class ResourceAttribution {
  readonly #live = new Map<number, { type: string; stack: string }>();
  readonly #hook: AsyncHooks.AsyncHook;
  #dropped = 0;

  constructor(types: ReadonlySet<string>, maxTracked = 10_000) {
    const asyncHooks = process.getBuiltinModule('node:async_hooks') as typeof AsyncHooks;
    const live = this.#live;
    this.#hook = asyncHooks.createHook({
      init: (asyncId, type) => {
        if (!types.has(type)) return;
        if (live.size >= maxTracked) {
          this.#dropped++;
          return;
        }
        live.set(asyncId, { type, stack: captureStack() });
      },
      destroy: (asyncId) => {
        live.delete(asyncId);
      },
    });
  }

  start(): this {
    this.#hook.enable();
    return this;
  }

  /** Stops recording; returns the call sites of the resources still alive, biggest first, per type. */
  stop(): Map<string, CallSite[]> {
    this.#hook.disable();
    const byType = new Map<string, CallSite[]>();
    for (const { type, stack } of this.#live.values()) {
      const site = callSiteOf(stack);
      if (site === undefined) continue;
      let list = byType.get(type);
      if (list === undefined) byType.set(type, (list = []));
      list.push(site);
    }
    this.#live.clear();
    for (const [type, list] of byType) byType.set(type, mergeCallSites(list, 5));
    return byType;
  }

  /** Resources not tracked because `maxTracked` was reached. */
  get dropped(): number {
    return this.#dropped;
  }
}
