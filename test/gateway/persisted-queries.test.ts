import { createHash } from 'node:crypto';
import { startLoneGateway, type LoneGateway } from '../support/lone-gateway';

// Issue #10 §5: automatic persisted queries (Apollo APQ) errors answer with codes of their own
// (docs/errors.md), not INTERNAL_SERVER_ERROR.
const QUERY = '{ __typename }';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
let lone: LoneGateway;

beforeAll(async () => {
  lone = await startLoneGateway();
});
afterAll(() => lone?.stop());

async function post(body: unknown) {
  const response = await fetch(lone.gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${await lone.token()}` }, body: JSON.stringify(body) });
  const answer = await response.json();
  return { status: response.status, codes: answer.errors?.map((error: any) => error.extensions.code), messages: answer.errors?.map((error: any) => error.message), data: answer.data };
}

test('a hash that is not the SHA-256 of the query sent with it is PERSISTED_QUERY_HASH_MISMATCH, HTTP 400', async () => {
  const answer = await post({ query: QUERY, extensions: { persistedQuery: { version: 1, sha256Hash: sha256('{ other }') } } });
  expect({ status: answer.status, codes: answer.codes }).toEqual({ status: 400, codes: ['PERSISTED_QUERY_HASH_MISMATCH'] });
});

test('an unknown hash sent alone is PERSISTED_QUERY_NOT_FOUND with the message Apollo clients look for', async () => {
  const answer = await post({ extensions: { persistedQuery: { version: 1, sha256Hash: sha256('{ __typename __typename }') } } });
  expect({ codes: answer.codes, messages: answer.messages }).toEqual({ codes: ['PERSISTED_QUERY_NOT_FOUND'], messages: ['PersistedQueryNotFound'] });
});

test('a persisted-query version other than 1 is PERSISTED_QUERY_NOT_SUPPORTED', async () => {
  const answer = await post({ query: QUERY, extensions: { persistedQuery: { version: 2, sha256Hash: sha256(QUERY) } } });
  expect({ codes: answer.codes, messages: answer.messages }).toEqual({ codes: ['PERSISTED_QUERY_NOT_SUPPORTED'], messages: ['PersistedQueryNotSupported'] });
});

test('the APQ exchange still works: the query registered with its hash is then found by the hash alone', async () => {
  const hash = sha256(QUERY);
  expect((await post({ query: QUERY, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } })).data).toEqual({ __typename: 'Query' });
  expect((await post({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } })).data).toEqual({ __typename: 'Query' });
});
