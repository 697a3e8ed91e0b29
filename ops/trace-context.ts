import { context as otelContext, propagation, type Context } from '@opentelemetry/api';

/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) across our HTTP hops: the gateway's
 * calls to subgraphs, the subgraphs' and roster reader's calls to sources. Through the API's
 * propagator, which is a no-op until ops/tracing.ts registers the SDK: tracing off, nothing is
 * added to any request.
 */

/** The `traceparent` (and `tracestate`) headers of the active span, to send on an outgoing request; none without one. */
export function traceHeaders(from: Context = otelContext.active()): Record<string, string> {
  const headers: Record<string, string> = {};
  propagation.inject(from, headers);
  return headers;
}

/**
 * The trace an incoming request continues: its `traceparent` only (§3.2). `tracestate` (§3.3) is
 * vendor data a caller may fill with anything; it is not carried on to sources.
 */
export function contextFromHeaders(headers: Record<string, string | string[] | undefined>, base: Context = otelContext.active()): Context {
  const value = headers.traceparent;
  const traceparent = Array.isArray(value) ? value[0] : value;
  return traceparent ? propagation.extract(base, { traceparent }) : base;
}
