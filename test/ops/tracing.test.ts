import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { isUnknownToSources } from '../../demo/people';
import { startTracing, type Tracing } from '../../ops/tracing';
import { startTestStack, type TestStack } from '../support/stack';

/**
 * OpenTelemetry traces (issue #10 §3), exported to the SDK's in-memory exporter from a real stack:
 * one patient view is one trace, from the gateway's request span through the subgraph (over HTTP,
 * continued from the W3C `traceparent` the gateway sent; or in process, as a child span) down to
 * each HTTP call to a source, which receives the `traceparent` of its span. No span carries a NAM.
 */

const NAM_PATTERN = /[A-Z]{4}\d{8}/;
const exporter = new InMemorySpanExporter();
let tracing: Tracing;
beforeAll(() => {
  tracing = startTracing({ exporter: 'none', endpoint: 'http://unused.invalid/v1/traces' }, 'qhr-test', { exporter })!;
});
afterAll(() => tracing?.shutdown());

/** In front of the demo FHIR server: records the headers of every request it forwards (a real HTTP source as the adapters see it). */
interface HeaderRecorder {
  url: string;
  seen: http.IncomingHttpHeaders[];
  close(): Promise<void>;
}
async function headerRecorder(target: string): Promise<HeaderRecorder> {
  const seen: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers);
    // Host is kept, so the server builds its next links through the recorder too.
    const upstream = http.request(new URL(req.url ?? '/', target), { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

/** Every span of the trace whose gateway request span carries this request id. */
function traceOfRequest(requestId: string): ReadableSpan[] {
  const spans = exporter.getFinishedSpans();
  const root = spans.find((span) => span.name === 'graphql request' && span.attributes['qhr.request_id'] === requestId);
  if (!root) throw new Error(`no request span for ${requestId}`);
  return spans.filter((span) => span.spanContext().traceId === root.spanContext().traceId);
}

/** The names of a span's ancestors in its trace, nearest first. */
function ancestry(span: ReadableSpan, trace: ReadableSpan[]): string[] {
  const byId = new Map(trace.map((s) => [s.spanContext().spanId, s]));
  const names: string[] = [];
  for (let parent = byId.get(span.parentSpanContext?.spanId ?? ''); parent; parent = byId.get(parent.parentSpanContext?.spanId ?? '')) names.push(parent.name);
  return names;
}

function expectNoNam(spans: ReadableSpan[]) {
  expect(spans.length).toBeGreaterThan(0);
  for (const span of spans) {
    expect(span.name).not.toMatch(NAM_PATTERN);
    for (const [key, value] of Object.entries(span.attributes)) {
      expect(`${key}=${JSON.stringify(value)}`).not.toMatch(NAM_PATTERN);
    }
    for (const event of span.events) expect(JSON.stringify(event)).not.toMatch(NAM_PATTERN);
  }
}

describe.each([
  ['subgraphs as services (HTTP, traceparent between gateway and subgraph)', 'remote'],
  ['subgraphs in the gateway process (child spans directly)', 'in-process'],
])('a patient view is one trace: %s', (_title, subgraphs) => {
  let stack: TestStack;
  let recorder: HeaderRecorder;
  beforeAll(async () => {
    stack = await startTestStack({
      env: { GATEWAY_SUBGRAPHS: subgraphs },
      tracer: tracing.tracer,
      sources: async (sources, systems) => {
        recorder = await headerRecorder(systems.fhirUrl);
        return sources.map((s) => (s.protocol === 'fhir-r4' ? { ...s, url: `${recorder.url}${new URL(s.url!).pathname}` } : s));
      },
    });
  }, 90_000);
  afterAll(async () => {
    await stack?.stop();
    await recorder?.close();
  });

  /** A view of a person (every source asked, so the FHIR sources are called whatever the locator knows); its request id. */
  async function view(offset: number): Promise<{ nam: string; requestId: string }> {
    const person = stack.people.filter((p) => p.region === 'Montréal' && !isUnknownToSources(p))[offset];
    const token = await stack.token({ role: 'physician', sub: 'MD-31337' });
    const response = await fetch(stack.platform.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: 'query($nam: NAM!) { patient(nam: $nam, allSources: true) { givenName medications { id } encounters { id } } }', variables: { nam: person.nam } }),
    });
    const body = await response.json();
    expect(body.errors).toBeUndefined();
    return { nam: person.nam, requestId: response.headers.get('x-request-id')! };
  }

  test('one trace spans gateway -> subgraph -> source call, with consent, plan and access-log spans under the request', async () => {
    const { requestId } = await view(subgraphs === 'remote' ? 0 : 1);
    const trace = traceOfRequest(requestId);
    const root = trace.find((s) => s.name === 'graphql request')!;
    expect(root.kind).toBe(SpanKind.SERVER);
    expect(root.attributes).toMatchObject({ 'qhr.request_id': requestId, 'http.response.status_code': 200 });
    for (const name of ['consent decision', 'query plan', 'access-log write']) {
      expect(ancestry(trace.find((s) => s.name === name)!, trace)).toContain('graphql request');
    }
    const pharmacy = trace.find((s) => s.name === 'subgraph pharmacy')!;
    expect(pharmacy).toBeDefined();
    if (subgraphs === 'remote') expect(pharmacy.kind).toBe(SpanKind.SERVER);
    expect(ancestry(pharmacy, trace)).toContain('graphql request');

    const sourceCalls = trace.filter((s) => s.name === 'source request');
    // The searches (a pharmacy's CapabilityStatement, read once per source, is a GET of its own: traced too, checked below).
    const fromPharmacy = sourceCalls.filter((s) => String(s.attributes['qhr.source_id']).startsWith('pharmacy-'));
    const fromPharmacies = fromPharmacy.filter((s) => !String(s.attributes['url.path']).endsWith('/metadata'));
    for (const statement of fromPharmacy.filter((s) => String(s.attributes['url.path']).endsWith('/metadata'))) {
      expect(statement.attributes).toMatchObject({ 'http.request.method': 'GET', 'http.response.status_code': 200 });
      expect(ancestry(statement, trace)).toContain('graphql request');
    }
    expect(fromPharmacies.length).toBeGreaterThan(0);
    for (const call of fromPharmacies) {
      expect(call.kind).toBe(SpanKind.CLIENT);
      expect(call.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.response.status_code': 200, 'server.address': '127.0.0.1' });
      expect(call.attributes['url.path']).toMatch(/\/MedicationDispense\/_search$/);
      expect(ancestry(call, trace)).toEqual(expect.arrayContaining(['subgraph pharmacy', 'query plan', 'graphql request']));
    }
    expect(sourceCalls.some((s) => s.attributes['qhr.source_id'] === 'clinic-mtl-east')).toBe(true);
  });

  test('the source receives the traceparent of its call span (W3C Trace Context)', async () => {
    const { requestId } = await view(subgraphs === 'remote' ? 2 : 3);
    const trace = traceOfRequest(requestId);
    const traceId = trace[0].spanContext().traceId;
    const sent = recorder.seen.map((headers) => headers.traceparent).filter((value): value is string => typeof value === 'string' && value.includes(traceId));
    const callSpans = new Set(trace.filter((s) => s.name === 'source request').map((s) => s.spanContext().spanId));
    expect(sent.length).toBeGreaterThan(0);
    for (const traceparent of sent) {
      const [version, id, parentId, flags] = traceparent.split('-');
      expect([version, id, flags]).toEqual(['00', traceId, '01']);
      expect(callSpans.has(parentId)).toBe(true);
    }
    // Only traceparent travels (tracestate and baggage are not ours to carry to sources).
    for (const headers of recorder.seen) expect(headers.baggage).toBeUndefined();
  });

  test('no span carries a NAM: not in a name, an attribute or an event, whatever was viewed or refused', async () => {
    const { nam } = await view(subgraphs === 'remote' ? 4 : 5);
    // A refused view and a malformed NAM too.
    await stack.query('mutation($nam: NAM!) { recordRefusal(nam: $nam, channel: PHONE) { recordStatus } }', { nam }, { role: 'consent_clerk', sub: 'CLERK-1' });
    await stack.query('query($nam: NAM!) { patient(nam: $nam) { medications { id } } }', { nam });
    await stack.query('{ patient(nam: "TREM7556121") { nam } }');
    // An operation named after the person: @apollo/gateway's spans name operations, the guard renames this one.
    await stack.query(`query ${nam}($nam: NAM!) { patient(nam: $nam) { nam } }`, { nam });
    expectNoNam(exporter.getFinishedSpans());
    expect(exporter.getFinishedSpans().some((s) => s.name === 'gateway.request' && s.attributes['graphql.operation.name'] === 'other')).toBe(true);
  });
});

test("a trace continues the caller's traceparent when it sent one (a proxy or client already tracing)", async () => {
  const stack = await startTestStack({ tracer: tracing.tracer, env: { GATEWAY_SUBGRAPHS: 'in-process' } });
  try {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const token = await stack.token();
    const response = await fetch(stack.platform.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    const root = traceOfRequest(response.headers.get('x-request-id')!).find((s) => s.name === 'graphql request')!;
    expect(root.spanContext().traceId).toBe(traceId);
    expect(root.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
  } finally {
    await stack.stop();
  }
}, 90_000);
