import { startTestStack, type TestStack } from '../support/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
}, 60_000);
afterAll(() => stack?.stop());

// A NAM is personal information: every bad request below carries one, and no answer may repeat it.
const NAM = 'TREM75561212';
const READ = `query Read($nam: NAM!) { patient(nam: $nam) { nam } }`;

/** Sends a raw HTTP request to the gateway as a physician would (a valid token), whatever the body. */
async function send(init: { method?: string; body?: string; headers?: Record<string, string>; search?: string }) {
  const url = `${stack.platform.gatewayUrl}${init.search ?? ''}`;
  const response = await fetch(url, {
    method: init.method ?? 'POST',
    headers: { authorization: `Bearer ${await stack.token()}`, ...(init.method === 'GET' ? {} : { 'content-type': 'application/json' }), ...init.headers },
    body: init.body,
  });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) };
}
const post = (payload: unknown) => send({ body: JSON.stringify(payload) });

describe('every malformed request is a 4xx with a registered code, and never repeats what was sent', () => {
  test.each([
    ['an operationName the document does not have', () => post({ query: READ, operationName: NAM, variables: { nam: NAM } }), 'BAD_REQUEST'],
    ['several operations and no operationName', () => post({ query: `${READ} query Other { patient(nam: "${NAM}") { nam } }`, variables: { nam: NAM } }), 'BAD_REQUEST'],
    ['one NAM sent as a string where the query declares a list', () => post({ query: 'query($nams: [NAM!]!) { patients(nams: $nams) { nam } }', variables: { nams: NAM } }), 'BAD_USER_INPUT'],
    ['an object sent for a NAM', () => post({ query: READ, variables: { nam: { nam: NAM } } }), 'BAD_USER_INPUT'],
    ['null sent for a required NAM', () => post({ query: `query($nam: NAM!, $other: NAM!) { a: patient(nam: $nam) { nam } b: patient(nam: $other) { nam } }`, variables: { nam: NAM, other: null } }), 'BAD_USER_INPUT'],
    ['a body that is not JSON', () => send({ body: `{"query": "{ patient(nam: \\"${NAM}\\") { nam } }", ${NAM}` }), 'BAD_REQUEST'],
    ['a JSON body without a query', () => post({ variables: { nam: NAM } }), 'BAD_REQUEST'],
    ['a query that does not parse', () => post({ query: `{ patient(nam: "${NAM}") { "${NAM}" } }` }), 'GRAPHQL_PARSE_FAILED'],
    ['a query naming a field the graph does not have', () => post({ query: `{ patient(nam: "${NAM}") { ${NAM} } }` }), 'GRAPHQL_VALIDATION_FAILED'],
    ['a GET without the CSRF-prevention header', () => send({ method: 'GET', search: `?query=${encodeURIComponent(`{ patient(nam: "${NAM}") { nam } }`)}` }), 'BAD_REQUEST'],
    ['variables sent as a string', () => post({ query: READ, variables: JSON.stringify({ nam: NAM }) }), 'BAD_REQUEST'],
    ['variables sent as a list', () => post({ query: READ, variables: [NAM] }), 'BAD_REQUEST'],
  ])('%s', async (_what, request, code) => {
    const { status, text, body } = await request();
    expect({ status, codes: body.errors?.map((e: any) => e.extensions?.code) }).toEqual({ status: 400, codes: [code] });
    expect(body.data).toBeUndefined();
    expect(text).not.toContain(NAM);
  });

  test('a body larger than a megabyte is refused (HTTP 413) with BAD_REQUEST', async () => {
    const { status, text, body } = await post({ query: READ, variables: { nam: NAM, padding: NAM.repeat(100_000) } });
    expect({ status, codes: body.errors?.map((e: any) => e.extensions?.code) }).toEqual({ status: 413, codes: ['BAD_REQUEST'] });
    expect(body.data).toBeUndefined();
    expect(text).not.toContain(NAM);
  });

  test('a request without a token is UNAUTHENTICATED (HTTP 401) whatever its body says', async () => {
    const response = await fetch(stack.platform.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: READ, operationName: NAM }) });
    const text = await response.text();
    expect(response.status).toBe(401);
    expect(JSON.parse(text).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(text).not.toContain(NAM);
  });
});

describe('well-formed requests still get through the same front', () => {
  test('a browser-based EMR on another origin passes the CORS preflight and may read the answer', async () => {
    const preflight = await fetch(stack.platform.gatewayUrl, { method: 'OPTIONS', headers: { origin: 'https://emr.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('authorization,content-type');
    const nam = stack.people[0].nam;
    const response = await fetch(stack.platform.gatewayUrl, {
      method: 'POST',
      headers: { origin: 'https://emr.example', authorization: `Bearer ${await stack.token()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: READ, variables: { nam } }),
    });
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(await response.json()).toEqual({ data: { patient: { nam } } });
  });

  test('a GET with the CSRF-prevention header is answered', async () => {
    const nam = stack.people[0].nam;
    const { status, body } = await send({ method: 'GET', search: `?query=${encodeURIComponent(`{ patient(nam: "${nam}") { nam } }`)}`, headers: { 'apollo-require-preflight': 'true' } });
    expect(status).toBe(200);
    expect(body).toEqual({ data: { patient: { nam } } });
  });

  test('the right operation of a document is run when operationName names it', async () => {
    const nam = stack.people[0].nam;
    const { status, body } = await post({ query: `query Other { __typename } ${READ}`, operationName: 'Read', variables: { nam } });
    expect(status).toBe(200);
    expect(body).toEqual({ data: { patient: { nam } } });
  });
});
