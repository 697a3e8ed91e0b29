import { context, propagation, trace, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

import type { Config } from '../lib/config';
import { OperationNameGuard } from './operation-name-guard';
import { TRACER_NAME } from './spans';

/** config.tracing: read once from the standard OTEL_* variables (lib/config.ts). */
export type TracingSettings = Config['tracing'];

export interface Tracing {
  tracer: Tracer;
  /** Exports what is buffered, then unregisters, so the process (or a test) may start again. */
  shutdown(): Promise<void>;
}

export { TRACER_NAME } from './spans';

/**
 * Starts OpenTelemetry tracing for one process, or nothing when it is off (issue #10 §3): off, no
 * SDK is loaded into the request path and the API's no-op tracer costs next to nothing.
 *
 * `register()` installs what the API needs process-wide, the library's own registration: the
 * AsyncLocalStorage context manager (a span started in a request is the parent of what that request
 * does next, across awaits) and the propagator. Only W3C Trace Context (`traceparent`,
 * https://www.w3.org/TR/trace-context/) is propagated, not W3C Baggage: baggage a client sent would
 * otherwise travel on, unread, to every subgraph and source.
 *
 * `exporter` replaces OTLP (tests: the SDK's InMemorySpanExporter), exported span by span.
 */
export function startTracing(settings: TracingSettings, service: string, options: { exporter?: SpanExporter } = {}): Tracing | undefined {
  if (settings.exporter === 'none' && !options.exporter) return undefined;
  const processor = options.exporter ? new SimpleSpanProcessor(options.exporter) : new BatchSpanProcessor(new OTLPTraceExporter({ url: settings.endpoint }));
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': settings.serviceName ?? service }),
    // The guard first: it rewrites what the exporter's processor then sees.
    spanProcessors: [new OperationNameGuard(), processor],
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  return {
    tracer: provider.getTracer(TRACER_NAME),
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
