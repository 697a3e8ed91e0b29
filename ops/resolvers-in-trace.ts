import { context as otelContext, type Context, type Span } from '@opentelemetry/api';

type Resolver = (...args: unknown[]) => unknown;

/**
 * Where a request's trace rides on its GraphQL context: a symbol-keyed property, because Apollo
 * Server hands resolvers a shallow copy of the context it was given (Object.assign copies symbol
 * keys too), so nothing keyed by the context object itself would be found again.
 */
const REQUEST_TRACE = Symbol('qhr.requestTrace');

interface RequestTrace {
  span: Span;
  context: Context;
}

/** Puts a request's server span, and the context it is active in, on its GraphQL context. */
export function attachRequestTrace<C extends object>(graphqlContext: C, trace: RequestTrace): C {
  return Object.assign(graphqlContext, { [REQUEST_TRACE]: trace });
}

/** The request trace on a GraphQL context (or copy of it); undefined for anything else. */
export function requestTraceOf(candidate: unknown): RequestTrace | undefined {
  return typeof candidate === 'object' && candidate !== null ? (candidate as { [REQUEST_TRACE]?: RequestTrace })[REQUEST_TRACE] : undefined;
}

/**
 * A resolver map whose resolvers run inside the trace of the request they resolve for (issue #10
 * §3: a subgraph continues the gateway's trace). The HTTP server hands Apollo the request and gets
 * the answer back; nothing of ours wraps the execution in between, so without this, what a resolver
 * starts (a source call, a database read) would have no parent span. Each resolver looks its
 * request's trace up from its context argument (`traceOf`, by default what attachRequestTrace put
 * there; undefined for anything else) and runs
 * inside it; everything it awaits inherits it (AsyncLocalStorage).
 *
 * Only plain objects' functions are wrapped: scalar types (GraphQLScalarType instances) and enum
 * value maps are kept as they are.
 */
export function resolversInTrace<M>(resolvers: M, traceOf: (candidate: unknown) => Context | undefined = (candidate) => requestTraceOf(candidate)?.context): M {
  const wrap = (resolve: Resolver): Resolver =>
    function (this: unknown, ...args: unknown[]) {
      // Field resolvers get (parent, args, context, info); __resolveReference gets (representation, context, info).
      const trace = traceOf(args[2]) ?? traceOf(args[1]);
      return trace ? otelContext.with(trace, () => resolve.apply(this, args)) : resolve.apply(this, args);
    };
  const out: Record<string, unknown> = {};
  for (const [typeName, fields] of Object.entries(resolvers as Record<string, unknown>)) {
    if (!isPlainObject(fields)) {
      out[typeName] = fields;
      continue;
    }
    out[typeName] = Object.fromEntries(
      Object.entries(fields).map(([field, value]) => {
        if (typeof value === 'function') return [field, wrap(value as Resolver)];
        if (isPlainObject(value) && typeof value.resolve === 'function') return [field, { ...value, resolve: wrap(value.resolve as Resolver) }];
        return [field, value];
      }),
    );
  }
  return out as M;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
