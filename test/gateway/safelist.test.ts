import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSafelist } from '../../gateway/safelist';
import { startLoneGateway, type LoneGateway } from '../support/lone-gateway';

// Issue #10 §5: with SAFELIST_FILE set, only the registered operations run.
const REGISTERED = 'query Typename { __typename }';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('the manifest', () => {
  test('Apollo’s persisted query manifest is read: each operation by its id and by the SHA-256 of its body', () => {
    const safelist = parseSafelist({ format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: 'op-1', name: 'Typename', type: 'query', body: REGISTERED }] });
    expect([safelist.documentOf('op-1'), safelist.documentOf(sha256(REGISTERED)), safelist.allows(REGISTERED)]).toEqual([REGISTERED, REGISTERED, true]);
  });

  test('a plain map of id to document is read too', () => {
    expect(parseSafelist({ Typename: REGISTERED }).documentOf('Typename')).toBe(REGISTERED);
  });

  test('a text that is not exactly a registered document is not allowed', () => {
    expect(parseSafelist({ Typename: REGISTERED }).allows('{ __typename }')).toBe(false);
  });

  test('a malformed manifest is refused, naming the entry', () => {
    expect(() => parseSafelist({ format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: 'x' }] })).toThrow('operations[0] needs a string id and body');
    expect(() => parseSafelist({ Typename: 42 })).toThrow('"Typename" must be a GraphQL document');
  });
});

describe('a gateway in safelist mode', () => {
  let lone: LoneGateway;
  beforeAll(async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'safelist-')), 'operations.json');
    writeFileSync(file, JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: 'typename-v1', name: 'Typename', type: 'query', body: REGISTERED }] }));
    lone = await startLoneGateway({ SAFELIST_FILE: file });
  });
  afterAll(() => lone?.stop());

  async function post(body: unknown) {
    const response = await fetch(lone.gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${await lone.token()}` }, body: JSON.stringify(body) });
    const answer = await response.json();
    return { status: response.status, codes: answer.errors?.map((error: any) => error.extensions.code), data: answer.data };
  }

  test('a registered operation sent by its id runs', async () => {
    expect(await post({ extensions: { persistedQuery: { version: 1, sha256Hash: 'typename-v1' } } })).toEqual({ status: 200, codes: undefined, data: { __typename: 'Query' } });
  });

  test('a registered operation sent by the SHA-256 of its text (Apollo APQ) runs', async () => {
    expect((await post({ extensions: { persistedQuery: { version: 1, sha256Hash: sha256(REGISTERED) } } })).data).toEqual({ __typename: 'Query' });
  });

  test('a registered operation sent as its exact text runs', async () => {
    expect((await post({ query: REGISTERED })).data).toEqual({ __typename: 'Query' });
  });

  test('any other text is refused with OPERATION_NOT_REGISTERED, HTTP 403, and nothing runs', async () => {
    expect(await post({ query: '{ __typename }' })).toEqual({ status: 403, codes: ['OPERATION_NOT_REGISTERED'], data: undefined });
  });

  test('an id that is not registered is refused with OPERATION_NOT_REGISTERED, HTTP 403 (not PersistedQueryNotFound: nothing can be registered)', async () => {
    expect(await post({ extensions: { persistedQuery: { version: 1, sha256Hash: sha256('{ __typename }') } } })).toEqual({ status: 403, codes: ['OPERATION_NOT_REGISTERED'], data: undefined });
  });

  test('an unregistered text sent with its own hash is not registered by sending it', async () => {
    const text = 'query Mine { __typename }';
    expect((await post({ query: text, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(text) } } })).codes).toEqual(['OPERATION_NOT_REGISTERED']);
    expect((await post({ extensions: { persistedQuery: { version: 1, sha256Hash: sha256(text) } } })).codes).toEqual(['OPERATION_NOT_REGISTERED']);
  });

  test('the token is still checked first', async () => {
    const response = await fetch(lone.gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: REGISTERED }) });
    expect(response.status).toBe(401);
  });
});
