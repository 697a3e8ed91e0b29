import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetchJsonAnswer } from '../../../adapters/http';
import { SourceConnections } from '../../../adapters/source-connections';
import { fetchSearchset } from '../../../adapters/fhir/paging';
import type { SourceConfig } from '../../../lib/sources';
import { json, listen, pharmacyAt, protectedFhir, tokenEndpoint, type TestServer } from './support';

/**
 * Credentials of an HTTP source (sources file `auth`), end to end: a real OAuth 2.0 token endpoint
 * and a FHIR-like server that answers only with its tokens, both on 127.0.0.1.
 */
const servers: TestServer[] = [];
/** The credentials the adapters keep, one set per source connected by a test (adapters/source-connections.ts). */
const connectionsOf = new Map<string, SourceConnections>();
let dir: string;
let ids = 0;

beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'source-tokens-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  for (const connections of connectionsOf.values()) connections.retain([]);
  connectionsOf.clear();
  for (const server of servers.splice(0)) await server.close();
  delete process.env.QHR_TEST_SOURCE_TOKEN;
  delete process.env.QHR_TEST_CLIENT_SECRET;
});

const kept = <T extends TestServer>(server: T) => (servers.push(server), server);

/** Connects a source (as the adapters do at start) and gives it back. */
function connect(source: SourceConfig, clock?: { now: number }): SourceConfig {
  const connections = new SourceConnections(clock ? { now: () => clock.now } : {});
  connections.connect([source]);
  connectionsOf.set(source.id, connections);
  return source;
}

const ask = (source: SourceConfig, path = '/MedicationDispense/_search') =>
  fetchJsonAnswer({ url: `${source.url}${path}`, method: 'POST', form: new URLSearchParams({ _count: '100' }), accept: 'application/fhir+json', signal: AbortSignal.timeout(10_000), sourceId: source.id, connections: connectionsOf.get(source.id) });

const failureOf = (promise: Promise<unknown>) => promise.then(() => undefined, (error: Error) => error);

/** A pharmacy with the client credentials grant on `tokenUrl`, its secret in QHR_TEST_CLIENT_SECRET. */
function clientCredentialsPharmacy(fhirUrl: string, tokenUrl: string, secret = 'pharmacy-secret'): SourceConfig {
  process.env.QHR_TEST_CLIENT_SECRET = secret;
  return pharmacyAt(`pharmacy-cc-${++ids}`, fhirUrl, { auth: { type: 'client-credentials', tokenUrl, clientId: 'qhr-gateway', clientSecretEnv: 'QHR_TEST_CLIENT_SECRET', scope: 'system/MedicationDispense.read' } });
}

describe('a fixed bearer token (type bearer)', () => {
  test('the token from the environment is sent on every request to the source', async () => {
    process.env.QHR_TEST_SOURCE_TOKEN = 'pharmacy-token-1';
    const fhir = kept(await protectedFhir(new Set(['pharmacy-token-1'])));
    const source = connect(pharmacyAt(`pharmacy-bearer-${++ids}`, fhir.url, { auth: { type: 'bearer', tokenEnv: 'QHR_TEST_SOURCE_TOKEN' } }));

    await ask(source);
    await ask(source);

    expect(fhir.seen.map((s) => s.authorization)).toEqual(['Bearer pharmacy-token-1', 'Bearer pharmacy-token-1']);
  });

  test('the token may come from a file; its final newline is not part of it', async () => {
    writeFileSync(join(dir, 'pharmacy.token'), 'pharmacy-token-2\n');
    const fhir = kept(await protectedFhir(new Set(['pharmacy-token-2'])));
    const source = connect(pharmacyAt(`pharmacy-bearer-${++ids}`, fhir.url, { auth: { type: 'bearer', tokenFile: join(dir, 'pharmacy.token') } }));

    expect((await ask(source)).body).toMatchObject({ resourceType: 'Bundle' });
  });

  test('a source refusing the token is "unauthorized" at once: asking again with the same token would not help', async () => {
    process.env.QHR_TEST_SOURCE_TOKEN = 'revoked-token';
    const fhir = kept(await protectedFhir(new Set()));
    const source = connect(pharmacyAt(`pharmacy-bearer-${++ids}`, fhir.url, { auth: { type: 'bearer', tokenEnv: 'QHR_TEST_SOURCE_TOKEN' } }));

    const error = await failureOf(ask(source));

    expect(error).toMatchObject({ name: 'SourceError', failure: 'http-status', message: 'http-status: unauthorized' });
    expect(fhir.seen).toHaveLength(1);
  });
});

describe('OAuth 2.0 client credentials (type client-credentials)', () => {
  test('the client id and secret reach the token endpoint with HTTP Basic, each form-encoded, and never in the form', async () => {
    const secret = 'p@ss:word+with space%';
    const auth = kept(await tokenEndpoint());
    const fhir = kept(await protectedFhir(auth.valid));
    const source = connect(clientCredentialsPharmacy(fhir.url, auth.tokenUrl, secret));

    await ask(source);

    const [request] = auth.seen;
    expect(request.form).toEqual({ grant_type: 'client_credentials', scope: 'system/MedicationDispense.read' });
    // RFC 6749 §2.3.1 as an authorization server reads it: base64, split at the first ":", form-decoded.
    const decoded = Buffer.from(request.authorization!.replace(/^Basic /, ''), 'base64').toString('utf8');
    const [id, ...rest] = decoded.split(':');
    const formDecoded = (value: string) => new URLSearchParams(`v=${value}`).get('v');
    expect([formDecoded(id), formDecoded(rest.join(':'))]).toEqual(['qhr-gateway', secret]);
    expect(fhir.seen[0].authorization).toBe('Bearer token-1');
  });

  test('a token is fetched once and used for the requests that follow', async () => {
    const auth = kept(await tokenEndpoint());
    const fhir = kept(await protectedFhir(auth.valid));
    const source = connect(clientCredentialsPharmacy(fhir.url, auth.tokenUrl));

    for (let i = 0; i < 3; i++) await ask(source);

    expect(auth.issued()).toBe(1);
    expect(fhir.seen.map((s) => s.authorization)).toEqual(['Bearer token-1', 'Bearer token-1', 'Bearer token-1']);
  });

  test('requests made together while no token is held wait for one token request', async () => {
    const auth = kept(await tokenEndpoint());
    const fhir = kept(await protectedFhir(auth.valid));
    const source = connect(clientCredentialsPharmacy(fhir.url, auth.tokenUrl));

    await Promise.all(Array.from({ length: 6 }, () => ask(source)));

    expect(auth.issued()).toBe(1);
    expect(new Set(fhir.seen.map((s) => s.authorization))).toEqual(new Set(['Bearer token-1']));
  });

  test('a token is fetched again shortly before it expires, not after', async () => {
    const clock = { now: Date.parse('2026-11-24T12:00:00Z') };
    const auth = kept(await tokenEndpoint({ expiresIn: 300 }));
    const fhir = kept(await protectedFhir(auth.valid));
    const source = connect(clientCredentialsPharmacy(fhir.url, auth.tokenUrl), clock);

    await ask(source);
    clock.now += 240_000; // four minutes of five: still good
    await ask(source);
    clock.now += 35_000; // 25 s before it runs out: inside the safety margin (a tenth of its life)
    await ask(source);

    expect(fhir.seen.map((s) => s.authorization)).toEqual(['Bearer token-1', 'Bearer token-1', 'Bearer token-2']);
  });

  test('a token without expires_in is kept five minutes at most', async () => {
    const clock = { now: Date.parse('2026-11-24T12:00:00Z') };
    const auth = kept(await tokenEndpoint({ expiresIn: null }));
    const fhir = kept(await protectedFhir(auth.valid));
    const source = connect(clientCredentialsPharmacy(fhir.url, auth.tokenUrl), clock);

    await ask(source);
    clock.now += 5 * 60_000;
    await ask(source);

    expect(auth.issued()).toBe(2);
  });

  test('a token the source stopped accepting (401) is replaced once, and the request goes through', async () => {
    const auth = kept(await tokenEndpoint());
    const fhir = kept(await protectedFhir(auth.valid));
    const source = connect(clientCredentialsPharmacy(fhir.url, auth.tokenUrl));
    await ask(source);
    auth.valid.delete('token-1'); // revoked at the server, long before its expires_in

    const answer = await ask(source);

    expect(answer.body).toMatchObject({ resourceType: 'Bundle' });
    expect(fhir.seen.map((s) => s.authorization)).toEqual(['Bearer token-1', 'Bearer token-1', 'Bearer token-2']);
  });

  test('a source that refuses even a new token is "unauthorized", after one new token and no more', async () => {
    const auth = kept(await tokenEndpoint());
    const fhir = kept(await protectedFhir(() => false));
    const source = connect(clientCredentialsPharmacy(fhir.url, auth.tokenUrl));

    const error = await failureOf(ask(source));

    expect(error).toMatchObject({ name: 'SourceError', failure: 'http-status', message: 'http-status: unauthorized' });
    expect(auth.issued()).toBe(2);
    expect(fhir.seen).toHaveLength(2);
  });

  test('requests refused together with the same token share one new token', async () => {
    const auth = kept(await tokenEndpoint());
    const fhir = kept(await protectedFhir(auth.valid));
    const source = connect(clientCredentialsPharmacy(fhir.url, auth.tokenUrl));
    await ask(source);
    auth.valid.delete('token-1');

    await Promise.all(Array.from({ length: 4 }, () => ask(source)));

    expect(auth.issued()).toBe(2);
  });

  test('every page of a search carries the token', async () => {
    const auth = kept(await tokenEndpoint());
    const fhir = kept(await protectedFhir(auth.valid));
    const source = connect(clientCredentialsPharmacy(fhir.url, auth.tokenUrl));

    const { matches } = await fetchSearchset({ url: `${source.url}/MedicationDispense/_search`, resourceType: 'MedicationDispense', form: new URLSearchParams(), signal: AbortSignal.timeout(10_000), sourceId: source.id, connections: connectionsOf.get(source.id) });

    expect(matches.map((m) => m.id)).toEqual(['4501', '4502']);
    expect(fhir.seen.map((s) => [s.method, s.authorization])).toEqual([
      ['POST', 'Bearer token-1'],
      ['GET', 'Bearer token-1'],
    ]);
  });
});

describe('a token endpoint in trouble', () => {
  test('refusing our client is an http-status failure with the RFC 6749 error code only, and the source is not asked', async () => {
    const auth = kept(await tokenEndpoint({ check: () => 'invalid_client' }));
    const fhir = kept(await protectedFhir(auth.valid));
    const source = connect(clientCredentialsPharmacy(fhir.url, auth.tokenUrl, 'the-client-secret'));

    const error = await failureOf(ask(source));

    expect(error).toMatchObject({ name: 'SourceError', failure: 'http-status', message: 'http-status: token endpoint refused (HTTP 401): invalid_client' });
    expect(String(error)).not.toMatch(/TREM|the-client-secret|not known/);
    expect(fhir.seen).toHaveLength(0);
  });

  test('a failed token request is not remembered: the next request asks again', async () => {
    let refuse = true;
    const auth = kept(await tokenEndpoint({ check: () => (refuse ? 'invalid_grant' : undefined) }));
    const fhir = kept(await protectedFhir(auth.valid));
    const source = connect(clientCredentialsPharmacy(fhir.url, auth.tokenUrl));
    await failureOf(ask(source));
    refuse = false;

    expect((await ask(source)).body).toMatchObject({ resourceType: 'Bundle' });
    expect(auth.seen).toHaveLength(2);
  });

  test('an answer that is not a bearer token is "malformed" and is not repeated', async () => {
    const auth = kept(await listen((_req, _seen, res) => json(res, 200, { access_token: 'mac-token-TREM75561212', token_type: 'mac', expires_in: 300 })));
    const fhir = kept(await protectedFhir(() => true));
    const source = connect(clientCredentialsPharmacy(fhir.url, `${auth.url}/token`));

    const error = await failureOf(ask(source));

    expect(error).toMatchObject({ name: 'SourceError', failure: 'malformed', message: 'malformed: token endpoint issued a token that is not of type bearer' });
    expect(String(error)).not.toMatch(/TREM|mac-token/);
  });

  test('an answer that is not JSON is "malformed"', async () => {
    const auth = kept(await listen((_req, _seen, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>Login for TREM75561212</html>')));
    const source = connect(clientCredentialsPharmacy('http://127.0.0.1:9', `${auth.url}/token`));

    expect(await failureOf(ask(source))).toMatchObject({ failure: 'malformed', message: 'malformed: token endpoint answer is not JSON' });
  });

  test('a token endpoint that redirects is not followed: our client credentials go to the configured URL only', async () => {
    const elsewhere = kept(await tokenEndpoint());
    const auth = kept(await listen((_req, _seen, res) => res.writeHead(307, { location: elsewhere.tokenUrl }).end()));
    const source = connect(clientCredentialsPharmacy('http://127.0.0.1:9', `${auth.url}/token`));

    expect(await failureOf(ask(source))).toMatchObject({ failure: 'http-status', message: 'http-status: token endpoint redirected (HTTP 307); not followed' });
    expect(elsewhere.seen).toHaveLength(0);
  });

  test('a token endpoint that cannot be reached is a network failure', async () => {
    const gone = await listen(() => undefined);
    await gone.close();
    const source = connect(clientCredentialsPharmacy('http://127.0.0.1:9', `${gone.url}/token`));

    expect(await failureOf(ask(source))).toMatchObject({ failure: 'network', message: 'network: token endpoint: ECONNREFUSED' });
  });
});
