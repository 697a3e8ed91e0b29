import { SignJWT, base64url } from 'jose';
import { developmentToken } from '../../bin/token';
import { INTERNAL_HEADER, signInternalToken } from '../../lib/internal-token';
import { startTestStack, TEST_JWT_SECRET, type TestStack } from '../support/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
}, 60_000);
afterAll(() => stack?.stop());

const READ = '{ patient(nam: "TREM75561212") { nam } }';
const codeOf = (body: { errors?: { extensions?: { code?: string } }[] }) => body.errors?.[0]?.extensions?.code;

describe('providers authenticate with a bearer JWT', () => {
  test('a request without a token is UNAUTHENTICATED (HTTP 401)', async () => {
    const { status, body } = await stack.query(READ, {}, { token: null });
    expect(status).toBe(401);
    expect(codeOf(body)).toBe('UNAUTHENTICATED');
    expect(body.data).toBeUndefined();
  });

  test('a token signed with another secret is UNAUTHENTICATED', async () => {
    const forged = await new SignJWT({ role: 'physician' }).setProtectedHeader({ alg: 'HS256' }).setSubject('MD-1').setExpirationTime('5m').sign(new TextEncoder().encode('not-the-secret'));
    expect(codeOf((await stack.query(READ, {}, { token: forged })).body)).toBe('UNAUTHENTICATED');
  });

  test('an expired token is UNAUTHENTICATED', async () => {
    const expired = await new SignJWT({ role: 'physician' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('MD-1')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 3600)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    expect(codeOf((await stack.query(READ, {}, { token: expired })).body)).toBe('UNAUTHENTICATED');
  });

  test('an unsigned token (alg: none) is UNAUTHENTICATED', async () => {
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }));
    const payload = base64url.encode(JSON.stringify({ sub: 'MD-1', role: 'physician', exp: Math.floor(Date.now() / 1000) + 300 }));
    expect(codeOf((await stack.query(READ, {}, { token: `${header}.${payload}.` })).body)).toBe('UNAUTHENTICATED');
  });

  test('a token without a role is UNAUTHENTICATED', async () => {
    const noRole = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('MD-1').setExpirationTime('5m').sign(new TextEncoder().encode(TEST_JWT_SECRET));
    expect(codeOf((await stack.query(READ, {}, { token: noRole })).body)).toBe('UNAUTHENTICATED');
  });

  test('a token expiring in the year 9999 is UNAUTHENTICATED (HTTP 401)', async () => {
    const forever = await new SignJWT({ role: 'physician' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('MD-1')
      .setIssuedAt()
      .setExpirationTime(Date.UTC(9999, 11, 31) / 1000)
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    const { status, body } = await stack.query(READ, {}, { token: forever });
    expect(status).toBe(401);
    expect(codeOf(body)).toBe('UNAUTHENTICATED');
  });

  test('a token without an issue time (iat) is UNAUTHENTICATED', async () => {
    const undated = await new SignJWT({ role: 'physician' }).setProtectedHeader({ alg: 'HS256' }).setSubject('MD-1').setExpirationTime('5m').sign(new TextEncoder().encode(TEST_JWT_SECRET));
    expect(codeOf((await stack.query(READ, {}, { token: undated })).body)).toBe('UNAUTHENTICATED');
  });

  test('the 8-hour development token `npm run token` prints is accepted', async () => {
    const token = await developmentToken({ sub: 'MD-100001', role: 'physician', facility: 'clinic-mtl-east' }, TEST_JWT_SECRET);
    const { status, body } = await stack.query(READ, {}, { token });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
  });

  test('a valid development token is accepted', async () => {
    const { status, body } = await stack.query(READ);
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
  });
});

describe('subgraphs answer the gateway only', () => {
  const entitiesQuery = { query: 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Patient { medications { name } } } }', variables: { r: [{ __typename: 'Patient', nam: 'TREM75561212', sourceIds: [] }] } };
  const callSubgraph = (url: string, headers: Record<string, string> = {}) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(entitiesQuery) }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));

  test('a direct call to a subgraph without the gateway signature is refused', async () => {
    const { status, body } = await callSubgraph(stack.platform.subgraphUrls!.pharmacy);
    expect(status).toBe(401);
    expect(codeOf(body)).toBe('UNAUTHENTICATED');
    expect(JSON.stringify(body)).not.toContain('medications');
  });

  test("a provider's own bearer token does not open a subgraph", async () => {
    const { status } = await callSubgraph(stack.platform.subgraphUrls!.pharmacy, { authorization: `Bearer ${await stack.token()}`, [INTERNAL_HEADER]: await stack.token() });
    expect(status).toBe(401);
  });

  test('a gateway signature made for one subgraph is refused by another', async () => {
    const caller = { providerId: 'MD-1', role: 'physician', domains: ['MEDICATIONS'], grants: { TREM75561212: null } };
    const forLab = await signInternalToken(caller, 'lab', stack.config.internalSecret);
    expect((await callSubgraph(stack.platform.subgraphUrls!.pharmacy, { [INTERNAL_HEADER]: forLab })).status).toBe(401);
    const forPharmacy = await signInternalToken(caller, 'pharmacy', stack.config.internalSecret);
    expect((await callSubgraph(stack.platform.subgraphUrls!.pharmacy, { [INTERNAL_HEADER]: forPharmacy })).status).toBe(200);
  });
});
