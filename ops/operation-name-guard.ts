import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { isSafeOperationName, OTHER } from './labels';

/** The attributes @apollo/gateway's own spans name the client's operation with (gateway.request, …). */
const OPERATION_NAME_ATTRIBUTES = ['graphql.operation.name', 'operationName'] as const;

/**
 * @apollo/gateway reports its own spans (gateway.request, .plan, .fetch) to the tracer we register,
 * naming the operation as the client did; a client could name it after the person it asks about.
 * Before a span is exported (onEnding: it is still writable), a name that is not a plain GraphQL
 * name without digit runs or a NAM's shape (./labels.ts, as for metric labels) becomes "other".
 * Our own spans never carry one.
 */
export class OperationNameGuard implements SpanProcessor {
  onEnding(span: Span): void {
    for (const key of OPERATION_NAME_ATTRIBUTES) {
      const value = span.attributes[key];
      if (value !== undefined && !(typeof value === 'string' && isSafeOperationName(value))) span.setAttribute(key, OTHER);
    }
  }

  onStart(): void {}
  onEnd(_span: ReadableSpan): void {}
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
