import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { GraphQLScalarType } from 'graphql';
import { attachRequestTrace, requestTraceOf, resolversInTrace } from '../../ops/resolvers-in-trace';

/**
 * A subgraph's resolvers run inside the trace of the request they resolve for, found on the
 * GraphQL context, even on the shallow copy of it Apollo Server hands resolvers.
 */

const span = trace.wrapSpanContext({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 });
const requestContext = () => attachRequestTrace({ caller: 'gateway' }, { span, context: trace.setSpan(ROOT_CONTEXT, span) });
const activeSpanId = () => trace.getActiveSpan()?.spanContext().spanId;

test('field resolvers and __resolveReference find the request trace, on the copy of the context Apollo hands them too', () => {
  const seen: (string | undefined)[] = [];
  const resolvers = resolversInTrace({
    Query: { patient: (_parent: unknown, _args: unknown, ctx: unknown) => seen.push(requestTraceOf(ctx)?.span.spanContext().spanId) },
    Patient: { __resolveReference: (_ref: unknown, ctx: unknown) => seen.push(requestTraceOf(ctx)?.span.spanContext().spanId) },
  });
  const copy = Object.assign(Object.create(Object.getPrototypeOf(requestContext())), requestContext());
  resolvers.Query.patient(undefined, {}, copy);
  resolvers.Patient.__resolveReference({}, copy);
  expect(seen).toEqual(['00f067aa0ba902b7', '00f067aa0ba902b7']);
});

test('the wrapped resolver runs inside context.with the request trace', () => {
  const withSpy = jest.spyOn(context, 'with');
  const resolvers = resolversInTrace({ Query: { ok: (_p: unknown, _a: unknown, _c: unknown) => activeSpanId() ?? 'none' } });
  resolvers.Query.ok(undefined, {}, requestContext());
  expect(withSpy).toHaveBeenCalledWith(expect.anything(), expect.any(Function));
  expect(trace.getSpan(withSpy.mock.calls[0][0])?.spanContext().spanId).toBe('00f067aa0ba902b7');
  withSpy.mockRestore();
});

test('scalars, enum maps and resolvers called without a request trace are left as they are', () => {
  const scalar = new GraphQLScalarType({ name: 'NAM' });
  const enumMap = { RED: 'red' };
  const plain = (_p: unknown, _a: unknown, _c: unknown) => 'answered';
  const resolvers = resolversInTrace({ NAM: scalar, Color: enumMap, Query: { plain } });
  expect(resolvers.NAM).toBe(scalar);
  expect(resolvers.Color).toEqual(enumMap);
  expect(resolvers.Query.plain(undefined, {}, { no: 'trace' })).toBe('answered');
});
