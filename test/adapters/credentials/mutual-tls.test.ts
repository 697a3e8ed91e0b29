import { mkdtempSync, rmSync } from 'node:fs';
import type https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetchJsonAnswer } from '../../../adapters/http';
import { SourceConnections } from '../../../adapters/source-connections';
import type { SourceConfig } from '../../../lib/sources';
import { makeSourcePki, pharmacyAt, protectedFhir, tokenEndpoint, type TestServer } from './support';

/**
 * Mutual TLS to an HTTP source (sources file `tls`: certFile, keyFile, caFile), against real HTTPS
 * servers that require a client certificate from the source's CA. Certificates are made with openssl.
 */
let dir: string;
let pki: ReturnType<typeof makeSourcePki>;
const servers: TestServer[] = [];
/** The credentials the adapters keep, one set per source connected by a test (adapters/source-connections.ts). */
const connectionsOf = new Map<string, SourceConnections>();
let ids = 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'source-mtls-'));
  pki = makeSourcePki(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  for (const connections of connectionsOf.values()) connections.retain([]);
  connectionsOf.clear();
  for (const server of servers.splice(0)) await server.close();
  delete process.env.QHR_TEST_CLIENT_SECRET;
});

/** A server of the source's PKI that lets in only clients with a certificate its CA issued. */
const requiringClientCert = (server = 'source-server'): https.ServerOptions => ({ cert: pki.pem(`${server}.crt`), key: pki.pem(`${server}.key`), ca: pki.pem('source-ca.crt'), requestCert: true, rejectUnauthorized: true });

/** Our client certificate, and the source's CA to check its server with. */
const ourTls = () => ({ certFile: pki.file('gateway-client.crt'), keyFile: pki.file('gateway-client.key'), caFile: pki.file('source-ca.crt') });

async function connect(source: SourceConfig): Promise<SourceConfig> {
  const connections = new SourceConnections();
  connections.connect([source]);
  connectionsOf.set(source.id, connections);
  return source;
}

const ask = (source: SourceConfig) => fetchJsonAnswer({ url: `${source.url}/MedicationDispense?_count=10`, accept: 'application/fhir+json', signal: AbortSignal.timeout(10_000), sourceId: source.id, connections: connectionsOf.get(source.id) });

test('with our client certificate from its CA, a source requiring mutual TLS answers', async () => {
  const fhir = await protectedFhir(() => true, { tls: requiringClientCert() });
  servers.push(fhir);
  const source = await connect(pharmacyAt(`pharmacy-mtls-${++ids}`, fhir.url, { clientTls: ourTls() }));

  expect((await ask(source)).body).toMatchObject({ resourceType: 'Bundle' });
});

test('without a client certificate, the source closes the handshake: a network failure', async () => {
  const fhir = await protectedFhir(() => true, { tls: requiringClientCert() });
  servers.push(fhir);
  const source = await connect(pharmacyAt(`pharmacy-mtls-${++ids}`, fhir.url, { clientTls: { caFile: pki.file('source-ca.crt') } }));

  await expect(ask(source)).rejects.toMatchObject({ name: 'SourceError', failure: 'network' });
  expect(fhir.seen).toHaveLength(0);
});

test('a server whose certificate another CA issued is not the source: refused before anything is sent', async () => {
  const impostor = await protectedFhir(() => true, { tls: requiringClientCert('impostor-server') });
  servers.push(impostor);
  const source = await connect(pharmacyAt(`pharmacy-mtls-${++ids}`, impostor.url, { clientTls: ourTls() }));

  await expect(ask(source)).rejects.toMatchObject({ name: 'SourceError', failure: 'network' });
  expect(impostor.seen).toHaveLength(0);
});

test('mutual TLS and OAuth together: the token endpoint of the same PKI is reached with the same certificate, and the token opens the source', async () => {
  const auth = await tokenEndpoint({ tls: requiringClientCert() });
  const fhir = await protectedFhir(auth.valid, { tls: requiringClientCert() });
  servers.push(auth, fhir);
  process.env.QHR_TEST_CLIENT_SECRET = 'pharmacy-secret';
  const source = await connect(
    pharmacyAt(`pharmacy-mtls-${++ids}`, fhir.url, {
      clientTls: ourTls(),
      auth: { type: 'client-credentials', tokenUrl: auth.tokenUrl, clientId: 'qhr-gateway', clientSecretEnv: 'QHR_TEST_CLIENT_SECRET' },
    }),
  );

  await ask(source);

  expect(auth.issued()).toBe(1);
  expect(fhir.seen.map((s) => s.authorization)).toEqual(['Bearer token-1']);
});
