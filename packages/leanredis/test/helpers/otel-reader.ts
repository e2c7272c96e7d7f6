/**
 * The OpenTelemetry tests' metric reader: collects on demand (`reader.collect()`), exports
 * nowhere, so a test reads exactly what the SDK would hand an exporter.
 */
import { MetricReader } from '@opentelemetry/sdk-metrics';

export class TestReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}
