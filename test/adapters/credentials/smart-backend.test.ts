import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, exportPKCS8, generateKeyPair, jwtVerify, type KeyLike } from 'jose';
import { fetchJsonAnswer } from '../../../adapters/http';
import { SourceConnections } from '../../../adapters/source-connections';
import type { SourceConfig } from '../../../lib/sources';
import { pharmacyAt, protectedFhir, tokenEndpoint, type Seen, type TestServer } from './support';

/**
 * SMART Backend Services (https://hl7.org/fhir/smart-app-launch/backend-services.html) against a
 * real token endpoint that checks each client assertion as an authorization server does: the
 * signature with the public key registered for our client, the claims, and that no jti is used twice.
 */
const CLIENT_ID = 'qhr-gateway-backend';
const KID = 'qhr-2026-11';
const SCOPE = 'system/MedicationDispense.rs';

const servers: TestServer[] = [];
/** The credentials the adapters keep, one set per source connected by a test (adapters/source-connections.ts). */
const connectionsOf = new Map<string, SourceConnections>();
let dir: string;
let ids = 0;

beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'smart-backend-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  for (const connections of connectionsOf.values()) connections.retain([]);
  connectionsOf.clear();
  for (const server of servers.splice(0)) await server.close();
});

/** What the authorization server checks of a token request (backend-services.html, "Response"): an error code when refused. */
function assertionChecker(publicKey: KeyLike, alg: string, jtis: Set<string>, tokenUrl: () => string) {
  return async (seen: Seen): Promise<string | undefined> => {
    const { form } = seen;
    if (form.grant_type !== 'client_credentials' || form.scope !== SCOPE) return 'invalid_request';
    if (form.client_assertion_type !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') return 'invalid_request';
    if (seen.authorization) return 'invalid_request'; // one client authentication method only (RFC 6749 §2.3)
    try {
      const { payload, protectedHeader } = await jwtVerify(form.client_assertion, publicKey, { algorithms: [alg], issuer: CLIENT_ID, subject: CLIENT_ID, audience: tokenUrl(), typ: 'JWT' });
      const now = Math.floor(Date.now() / 1000);
      if (protectedHeader.kid !== KID || typeof payload.jti !== 'string' || jtis.has(payload.jti)) return 'invalid_client';
      // "exp: … no more than five minutes in the future".
      if (payload.exp! > now + 300) return 'invalid_client';
      jtis.add(payload.jti);
      return undefined;
    } catch {
      return 'invalid_client';
    }
  };
}

async function smartPharmacy(alg: 'RS384' | 'ES384', keyFormat: 'pem' | 'jwk' = 'pem', clock?: { now: number }, registered?: KeyLike) {
  const { publicKey: ours, privateKey } = await generateKeyPair(alg, { extractable: true });
  // The public key the authorization server has on file for our client (normally ours).
  const publicKey = registered ?? ours;
  const keyFile = join(dir, `client-${++ids}.${keyFormat === 'pem' ? 'key' : 'jwk'}`);
  writeFileSync(keyFile, keyFormat === 'pem' ? await exportPKCS8(privateKey) : JSON.stringify(await exportJWK(privateKey)));
  const jtis = new Set<string>();
  let tokenUrl = '';
  const auth = await tokenEndpoint({ check: assertionChecker(publicKey, alg, jtis, () => tokenUrl) });
  tokenUrl = auth.tokenUrl;
  const fhir = await protectedFhir(auth.valid);
  servers.push(auth, fhir);
  const source: SourceConfig = pharmacyAt(`pharmacy-smart-${ids}`, fhir.url, { auth: { type: 'smart-backend', tokenUrl, clientId: CLIENT_ID, privateKeyFile: keyFile, kid: KID, scope: SCOPE } });
  const connections = new SourceConnections(clock ? { now: () => clock.now } : {});
  connections.connect([source]);
  connectionsOf.set(source.id, connections);
  return { source, auth, fhir, jtis };
}

const ask = (source: SourceConfig) => fetchJsonAnswer({ url: `${source.url}/MedicationDispense?_count=10`, accept: 'application/fhir+json', signal: AbortSignal.timeout(10_000), sourceId: source.id, connections: connectionsOf.get(source.id) });

test.each([
  ['RS384', 'an RSA key'],
  ['ES384', 'an EC P-384 key'],
] as const)('a %s assertion signed with %s is accepted by the authorization server, and its token opens the source', async (alg, _key) => {
  const { source, auth, fhir } = await smartPharmacy(alg);

  const answer = await ask(source);

  expect(answer.body).toMatchObject({ resourceType: 'Bundle' });
  expect(auth.issued()).toBe(1);
  expect(fhir.seen[0].authorization).toBe('Bearer token-1');
});

test('the private key may be given as a JWK', async () => {
  const { source, auth } = await smartPharmacy('ES384', 'jwk');

  await ask(source);

  expect(auth.issued()).toBe(1);
});

test('each token request carries a new assertion: a jti is never used twice', async () => {
  const clock = { now: Date.now() };
  const { source, auth, jtis } = await smartPharmacy('RS384', 'pem', clock);

  await ask(source);
  clock.now += 10 * 60_000; // the first token has expired by our clock
  await ask(source);

  expect(auth.issued()).toBe(2);
  expect(jtis.size).toBe(2);
});

test('the assertion lives less than five minutes, and the client secret form fields are absent', async () => {
  const { source, auth } = await smartPharmacy('ES384');

  await ask(source);

  const { form } = auth.seen[0];
  const [, payload] = form.client_assertion.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  expect(claims.exp - claims.iat).toBeLessThanOrEqual(300);
  expect(Object.keys(form).sort()).toEqual(['client_assertion', 'client_assertion_type', 'grant_type', 'scope']);
});

test('an assertion signed with a key the authorization server does not hold for us is refused (invalid_client)', async () => {
  const { publicKey: someoneElses } = await generateKeyPair('ES384');
  const { source, fhir } = await smartPharmacy('ES384', 'pem', undefined, someoneElses);

  await expect(ask(source)).rejects.toMatchObject({ name: 'SourceError', message: 'http-status: token endpoint refused (HTTP 401): invalid_client' });
  expect(fhir.seen).toHaveLength(0);
});
