import { isUnknownToSources } from '../../demo/people';
import { logRefusesWrites, logTakesWritesAgain } from '../audit/support/log-outage';
import { startTestStack, type TestStack } from '../support/stack';

/**
 * Every request has an id (issue #10 §6): the caller's `x-request-id` when it is one safe token,
 * a fresh UUID otherwise; the answer carries it back, the request's log lines carry it, and so do
 * the access-log entries the request wrote, which the person and privacy officers read back.
 */

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
}, 60_000);
afterAll(() => stack?.stop());

const READ = 'query($nam: NAM!) { patient(nam: $nam) { nam medications { id } } }';
const LOG = 'query($nam: NAM!) { accessLog(nam: $nam) { kind providerId requestId } }';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const people = () => stack.people.filter((p) => p.region === 'Montréal' && !isUnknownToSources(p));

/** POSTs as a physician, with the headers given; the answer's status, x-request-id and body. */
async function post(query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}) {
  const token = await stack.token({ role: 'physician', sub: 'MD-77777' });
  const response = await fetch(stack.platform.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, requestId: response.headers.get('x-request-id'), body: await response.json() };
}

const consultationsBy = async (nam: string) => {
  const { body } = await stack.query(LOG, { nam }, { role: 'privacy_officer', sub: 'PO-1' });
  return body.data.accessLog.filter((e: any) => e.kind === 'RECORD' && e.providerId === 'MD-77777');
};

test('a request without an id gets a fresh UUID, returned in x-request-id and kept with its access-log entry', async () => {
  const person = people()[0];
  const { status, requestId } = await post(READ, { nam: person.nam });
  expect(status).toBe(200);
  expect(requestId).toMatch(UUID);
  expect(await consultationsBy(person.nam)).toEqual([{ kind: 'RECORD', providerId: 'MD-77777', requestId }]);
});

test("a safe x-request-id (a load balancer's) is kept, so one id follows the request through every tier", async () => {
  const person = people()[1];
  const { requestId } = await post(READ, { nam: person.nam }, { 'x-request-id': 'lb-2024.11.24_0001' });
  expect(requestId).toBe('lb-2024.11.24_0001');
  expect(await consultationsBy(person.nam)).toEqual([expect.objectContaining({ requestId: 'lb-2024.11.24_0001' })]);
});

test('an unsafe x-request-id (a forged log line, a NAM) is replaced, never echoed or stored', async () => {
  const person = people()[2];
  for (const sent of ['abc\t{"level":60}', 'GAGN44541911', 'x']) {
    const { requestId, body } = await post(READ, { nam: person.nam }, { 'x-request-id': sent });
    expect(requestId).toMatch(UUID);
    expect(JSON.stringify(body)).not.toContain(sent);
  }
  const stored = (await consultationsBy(person.nam)).map((e: any) => e.requestId);
  expect(stored).toHaveLength(3);
  for (const id of stored) expect(id).toMatch(UUID);
});

test('every answer carries one, refusals included', async () => {
  const response = await fetch(stack.platform.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": "{ __typename }"}' });
  expect(response.status).toBe(401);
  expect(response.headers.get('x-request-id')).toMatch(UUID);
  const notJson = await fetch(stack.platform.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
  expect(notJson.status).toBe(400);
  expect(notJson.headers.get('x-request-id')).toMatch(UUID);
});

test("the request's log lines carry its id (pino JSON), so a failure is found from the id the caller quotes", async () => {
  const person = people()[3];
  await logRefusesWrites(stack);
  try {
    const { status, requestId } = await post(READ, { nam: person.nam }, { 'x-request-id': 'support-ticket-4242' });
    expect(status).toBe(503);
    expect(requestId).toBe('support-ticket-4242');
  } finally {
    await logTakesWritesAgain(stack);
  }
  const lines = stack.logs.map((line) => JSON.parse(line)).filter((line) => line.requestId === 'support-ticket-4242');
  expect(lines).toEqual([expect.objectContaining({ msg: 'access log write failed; response withheld' })]);
  expect(JSON.stringify(lines)).not.toContain(person.nam);
});

test('the log with request ids still verifies, every chain intact', async () => {
  expect(await stack.platform.accessLog.verify()).toMatchObject({ ok: true, problems: [] });
});
