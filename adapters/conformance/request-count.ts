import { SpanKind, trace } from '@opentelemetry/api';
import { BasicTracerProvider, type ReadableSpan, type Span, type SpanProcessor } from '@opentelemetry/sdk-trace-base';

/**
 * Counts the requests an adapter sends to each source, whatever the source's URL, credentials or TLS:
 * adapters/http.ts opens one client span per request ("source request", with `qhr.source_id`), so
 * a span processor sees every one without a proxy in front of the source (a live source behind mutual
 * TLS could not have one). Registered as the process's global tracer provider: for the conformance
 * CLI and the conformance specs, which run no other tracing.
 */
export class RequestCounter implements SpanProcessor {
  private readonly counts = new Map<string, number>();
  private registered = false;

  /** Installs the counter; false when another tracer provider was registered first (counts would stay 0). */
  install(): boolean {
    if (this.registered) return true;
    this.registered = trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [this] }));
    return this.registered;
  }

  /** Requests sent to this source since the counter was installed. */
  of(sourceId: string): number {
    return this.counts.get(sourceId) ?? 0;
  }

  /** The requests `run` sends to this source. */
  async during<T>(sourceId: string, run: () => Promise<T>): Promise<{ result: T; requests: number }> {
    const before = this.of(sourceId);
    const result = await run();
    return { result, requests: this.of(sourceId) - before };
  }

  onStart(span: Span): void {
    const sourceId = span.attributes['qhr.source_id'];
    if (span.kind === SpanKind.CLIENT && typeof sourceId === 'string') this.counts.set(sourceId, this.of(sourceId) + 1);
  }
  onEnd(_span: ReadableSpan): void {}
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
