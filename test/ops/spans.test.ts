import { SpanStatusCode } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { inSpan } from '../../ops/spans';
import { OperationNameGuard } from '../../ops/operation-name-guard';

/** Our spans: named, ended when the work settles, and a failure recorded by kind, never by message. */

const exporter = new InMemorySpanExporter();
const tracer = new BasicTracerProvider({ spanProcessors: [new OperationNameGuard(), new SimpleSpanProcessor(exporter)] }).getTracer('test');
afterEach(() => exporter.reset());

test('without a tracer (tracing off) the work runs alone, no span', async () => {
  await expect(inSpan(undefined, 'source request', {}, async (span) => (span === undefined ? 'ran' : 'span'))).resolves.toBe('ran');
});

test('a span covers the work and ends when it settles', async () => {
  await inSpan(tracer, 'consent decision', { 'qhr.people': 2 }, async () => 'done');
  expect(exporter.getFinishedSpans().map((s) => [s.name, s.attributes])).toEqual([['consent decision', { 'qhr.people': 2 }]]);
});

test("a failure marks the span with the error's kind only: its message (which may quote a value) is not recorded", async () => {
  const failure = Object.assign(new Error('patient TREM75561212 not found'), { failure: 'http-status' });
  await expect(inSpan(tracer, 'source request', {}, async () => Promise.reject(failure))).rejects.toBe(failure);
  const [span] = exporter.getFinishedSpans();
  expect(span.status).toEqual({ code: SpanStatusCode.ERROR });
  expect(span.attributes).toEqual({ 'error.type': 'http-status' });
  expect(span.events).toEqual([]);
});

test('an operation name a client made of a NAM (or digits) is renamed "other" before export; a plain one is kept', () => {
  for (const name of ['TREM75561212', 'view_514123456', 'PatientView']) {
    tracer.startSpan('gateway.request', { attributes: { 'graphql.operation.name': name, operationName: name } }).end();
  }
  expect(exporter.getFinishedSpans().map((s) => [s.attributes['graphql.operation.name'], s.attributes.operationName])).toEqual([
    ['other', 'other'],
    ['other', 'other'],
    ['PatientView', 'PatientView'],
  ]);
});
