import { fetchJsonAnswer } from '../../../adapters/http';
import { SourceConnections } from '../../../adapters/source-connections';
import type { SourceConfig } from '../../../lib/sources';
import { json, listen, pharmacyAt, protectedFhir, searchset, type TestServer } from './support';

/**
 * Redirects and links stay on the source's origin (scheme, host and port, RFC 6454 §4): the
 * source's token, and the people a request is about, never reach a host the sources file does
 * not name. Real servers on 127.0.0.1; "another origin" is another port of the same host.
 */
const servers: TestServer[] = [];
/** The credentials the adapters keep, one set per source connected by a test (adapters/source-connections.ts). */
const connectionsOf = new Map<string, SourceConnections>();
let ids = 0;

afterEach(async () => {
  for (const connections of connectionsOf.values()) connections.retain([]);
  connectionsOf.clear();
  for (const server of servers.splice(0)) await server.close();
  delete process.env.QHR_TEST_SOURCE_TOKEN;
});

/** Another host: answers anything, and records who came. */
async function elsewhere(): Promise<TestServer> {
  const server = await listen((_req, _seen, res) => json(res, 200, searchset('stolen')));
  servers.push(server);
  return server;
}

/** A pharmacy with a bearer token, whose server redirects `/fhir/old-search` to `location()`. */
async function redirectingPharmacy(location: () => string, status = 307): Promise<{ source: SourceConfig; fhir: TestServer }> {
  process.env.QHR_TEST_SOURCE_TOKEN = 'pharmacy-token';
  const fhir = await protectedFhir(new Set(['pharmacy-token']), { routes: { '/fhir/old-search': (_req, _seen, res) => res.writeHead(status, { location: location() }).end() } });
  servers.push(fhir);
  const source = pharmacyAt(`pharmacy-redirects-${++ids}`, fhir.url, { auth: { type: 'bearer', tokenEnv: 'QHR_TEST_SOURCE_TOKEN' } });
  const connections = new SourceConnections();
  connections.connect([source]);
  connectionsOf.set(source.id, connections);
  return { source, fhir };
}

const ask = (url: string, sourceId?: string) =>
  fetchJsonAnswer({ url, method: 'POST', form: new URLSearchParams({ _count: '10' }), accept: 'application/fhir+json', signal: AbortSignal.timeout(10_000), sourceId, connections: sourceId === undefined ? undefined : connectionsOf.get(sourceId) });

test('a redirect within the source is followed, with its token', async () => {
  let base = '';
  const { source, fhir } = await redirectingPharmacy(() => `${base}/fhir/MedicationDispense/_search`);
  base = fhir.url;

  const answer = await ask(`${source.url}/old-search`, source.id);

  expect(answer.body).toMatchObject({ resourceType: 'Bundle' });
  expect(fhir.seen.map((s) => [s.path, s.authorization])).toEqual([
    ['/fhir/old-search', 'Bearer pharmacy-token'],
    ['/fhir/MedicationDispense/_search', 'Bearer pharmacy-token'],
  ]);
});

test('a redirect to another origin is refused, saying only that; the other host never hears from us', async () => {
  const other = await elsewhere();
  const { source } = await redirectingPharmacy(() => `${other.url}/fhir/MedicationDispense/_search`);

  const error = await ask(`${source.url}/old-search`, source.id).catch((e: Error) => e);

  expect(error).toMatchObject({ name: 'SourceError', failure: 'http-status', message: 'http-status: redirect to another origin refused' });
  expect(String(error)).not.toContain(other.url);
  expect(other.seen).toHaveLength(0);
});

test('a source without credentials is held to its origin too', async () => {
  const other = await elsewhere();
  const plain = await listen((_req, _seen, res) => res.writeHead(308, { location: `${other.url}/fhir/Patient/_search` }).end());
  servers.push(plain);

  await expect(ask(`${plain.url}/fhir/Patient/_search`, 'pharmacy-without-credentials')).rejects.toMatchObject({ message: 'http-status: redirect to another origin refused' });
  expect(other.seen).toHaveLength(0);
});

test('the same host by another scheme is another origin', async () => {
  let port = '';
  const { source, fhir } = await redirectingPharmacy(() => `https://127.0.0.1:${port}/fhir/MedicationDispense/_search`, 301);
  port = new URL(fhir.url).port;

  await expect(ask(`${source.url}/old-search`, source.id)).rejects.toMatchObject({ message: 'http-status: redirect to another origin refused' });
});

test('a redirect whose Location is not a URL is refused', async () => {
  const { source } = await redirectingPharmacy(() => 'http://[not-a-host/fhir');

  await expect(ask(`${source.url}/old-search`, source.id)).rejects.toMatchObject({ failure: 'http-status' });
});

test('a link on another origin (a paging link a server handed out) is not asked with a source that has credentials', async () => {
  const other = await elsewhere();
  const { source } = await redirectingPharmacy(() => '/');

  const error = await fetchJsonAnswer({ url: `${other.url}/fhir?page=2`, accept: 'application/fhir+json', signal: AbortSignal.timeout(10_000), sourceId: source.id, connections: connectionsOf.get(source.id) }).catch((e: Error) => e);

  expect(error).toMatchObject({ name: 'SourceError', failure: 'malformed', message: "malformed: a link to another origin than the source's was not followed" });
  expect(other.seen).toHaveLength(0);
});
