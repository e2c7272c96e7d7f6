// @layer L7 diagnostics
/**
 * L7 diagnostics: what one `watchMemory` sample holds. Plain data, safe to log or serialize;
 * byte figures in bytes, times in ms.
 */
import type { ClientStats } from '../index.js';

/** Event-loop delay since the previous sample (perf_hooks.monitorEventLoopDelay), beyond the expected tick. (ms) */
export interface EventLoopDelay {
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** One watched client in a sample. */
export interface ClientSample {
  /** The watch's number for this client (stable while it is watched). */
  id: number;
  /** `host:port` or the socket path. */
  address: string;
  /** Where the client was created (`createClient` caller) when the watch saw it created, else null. */
  createdAt: string | null;
  stats: ClientStats;
}

/** One sample of the process and its clients. */
export interface MemorySample {
  /** When it was taken. (ms since the epoch) */
  at: number;
  /** V8 heap in use, and reserved. (bytes) */
  heapUsed: number;
  heapTotal: number;
  /** Memory of C++ objects bound to JS objects (Buffers included), and of ArrayBuffers alone. (bytes) */
  external: number;
  arrayBuffers: number;
  /** Resident set size of the process. (bytes) */
  rss: number;
  /**
   * rss - (heapTotal + external): what heap-only tools miss: allocator fragmentation, native
   * libraries, thread stacks, code. Negative when pages of the heap are not resident. (bytes)
   */
  gap: number;
  /** Active handles, requests and ref'd timers by type (`process.getActiveResourcesInfo()`), e.g. TCPSocketWrap, Timeout. */
  resources: Record<string, number>;
  eventLoopDelay: EventLoopDelay;
  /** Process CPU (user + system) since the previous sample, in % of one core. */
  cpuPercent: number;
  clients: ClientSample[];
}

/** The byte series a growth alarm can watch. */
export type MemorySeries = 'heapUsed' | 'heapTotal' | 'external' | 'arrayBuffers' | 'rss' | 'gap';
