import { context as otelContext, SpanKind, SpanStatusCode, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';

export { SpanKind };

/** The name our spans are reported under (instrumentation scope). */
export const TRACER_NAME = 'qhr';

/**
 * Runs `run` inside a span named `name`, the span active for everything `run` starts (children,
 * injected `traceparent` headers), ended when `run` settles. Without a tracer (tracing off), `run`
 * alone: nothing is allocated.
 *
 * Names and attributes are fixed words, system identifiers (source id, subgraph, status, counts)
 * and the request id: never a NAM, a name, a variable or a URL query (issue #10 §3). A failure sets
 * the span's status and `error.type` to the error's class name only; its message is not recorded
 * (exceptions are not recorded either): a message may quote a value.
 */
export async function inSpan<T>(
  tracer: Tracer | undefined,
  name: string,
  attributes: Attributes,
  run: (span?: Span) => Promise<T>,
  options: { kind?: SpanKind; parent?: Context } = {},
): Promise<T> {
  if (!tracer) return run();
  return tracer.startActiveSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes }, options.parent ?? otelContext.active(), async (span) => {
    try {
      return await run(span);
    } catch (error) {
      markFailed(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** A span's failure: its status, and the error's class (or code) as `error.type` (OpenTelemetry semantic conventions, "error.type"). */
export function markFailed(span: Span, error: unknown): void {
  const type = typeof (error as { failure?: unknown })?.failure === 'string' ? (error as { failure: string }).failure : ((error as Error)?.name ?? 'Error');
  span.setAttribute('error.type', type);
  span.setStatus({ code: SpanStatusCode.ERROR });
}
