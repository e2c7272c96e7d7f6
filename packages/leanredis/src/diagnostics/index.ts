// @layer L7 diagnostics
/**
 * L7 `leanredis/diagnostics`: the subpath that tells where a service's memory goes and whether
 * its Redis client is healthy. Importing `leanredis` loads none of this; importing this subpath
 * starts no timer, loads no inspector and opens no handle (each function loads what it needs
 * when called). It uses only the client's public API and `stats()` snapshots.
 *
 * Each export lives in its own file named after it; add new ones here, one line each.
 */
export { healthCheck, type HealthCheckOptions, type HealthReport, type HealthPool, type HealthCheckTarget } from './health-check.js';
export { captureHeapProfile, type CaptureHeapProfileOptions } from './capture-heap-profile.js';
export { HeapProfile, type HeapSampleType, type HeapProfileWindows, type TopOptions, type TopRow, type TopGrouping } from './heap-profile.js';
export type { ProfileFrame, ProfileSample } from './pprof.js';
export { watchMemory, MemoryWatch, type WatchMemoryOptions } from './watch-memory.js';
export type { MemorySample, ClientSample, EventLoopDelay, MemorySeries } from './memory-sample.js';
export type { MemoryAlarm, MemoryAlarmKind, MemoryAlarmOptions, GrowthAlarmOptions, DoublingAlarmOptions, SaturationAlarmOptions, LeaseLeakAlarmOptions } from './memory-alarms.js';
export type { CallSite } from './call-sites.js';
export type { WatchableClient } from './client-registry.js';
export { writeHeapSnapshot, estimateHeapSnapshot, type WriteHeapSnapshotOptions, type HeapSnapshotEstimate, type HeapSnapshotResult, type HeapSnapshotRefusedError, type HeapSnapshotShortage } from './write-heap-snapshot.js';
export { memoryReport, type MemoryReport, type MemoryReportOptions, type MemoryReportTarget, type KeySize, type KeyPattern, type ClientBuffers } from './memory-report.js';
export { prometheusText, prometheusContentType, type PrometheusTextOptions, type MetricsClient } from './prometheus-text.js';
export { createCommandMetrics, CommandMetrics, type CommandMetricsOptions, type CommandFigures } from './command-metrics.js';
export type { BatchFigures } from './batch-metrics.js';
