import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRecordSources, createRosterSources } from '../../../adapters';
import { fetchJsonAnswer } from '../../../adapters/http';
import { SourceConnections } from '../../../adapters/source-connections';
import { parseSources, SourcesFileError, type SourceConfig } from '../../../lib/sources';
import { makeSourcePki, pharmacyAt, protectedFhir, type TestServer } from './support';

/**
 * Secrets are read when the adapters start: a variable that is not set, or a file that cannot be
 * read or is not what it should be, stops the start with the source and the variable or file
 * named, and never what it holds.
 */
let dir: string;
let pki: ReturnType<typeof makeSourcePki>;
const servers: TestServer[] = [];
/** The credentials the adapters keep, one set per source connected by a test (adapters/source-connections.ts). */
const connectionsOf = new Map<string, SourceConnections>();

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'source-secrets-'));
  pki = makeSourcePki(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  for (const connections of connectionsOf.values()) connections.retain([]);
  connectionsOf.clear();
  for (const server of servers.splice(0)) await server.close();
  delete process.env.QHR_TEST_SOURCE_TOKEN;
  delete process.env.QHR_TEST_CLIENT_SECRET;
});

const SMART = { type: 'smart-backend', tokenUrl: 'https://auth.pharmacie-plateau.example/token', clientId: 'qhr', kid: 'k1', scope: 'system/*.rs' } as const;
const pharmacy = (extra: Partial<SourceConfig>) => pharmacyAt('pharmacy-mtl-centre', 'https://fhir.pharmacie-plateau.example', extra);
const startError = (sources: SourceConfig[]) => {
  try {
    const connections = new SourceConnections();
    connections.connect(sources);
    sources.forEach((s) => connectionsOf.set(s.id, connections));
  } catch (error) {
    return error as Error;
  }
  throw new Error('the start did not stop');
};

test('a bearer token variable that is not set stops the start, naming the source and the variable', () => {
  const error = startError([pharmacy({ auth: { type: 'bearer', tokenEnv: 'QHR_TEST_SOURCE_TOKEN' } })]);
  expect(error).toBeInstanceOf(SourcesFileError);
  expect(error.message).toBe('source pharmacy-mtl-centre: auth.tokenEnv: environment variable QHR_TEST_SOURCE_TOKEN is not set');
});

test('a variable set but empty is not set', () => {
  process.env.QHR_TEST_CLIENT_SECRET = '  ';
  const error = startError([pharmacy({ auth: { type: 'client-credentials', tokenUrl: SMART.tokenUrl, clientId: 'qhr', clientSecretEnv: 'QHR_TEST_CLIENT_SECRET' } })]);
  expect(error.message).toBe('source pharmacy-mtl-centre: auth.clientSecretEnv: environment variable QHR_TEST_CLIENT_SECRET is not set');
});

test('a token with a line break or a space is refused at start, without being repeated', () => {
  process.env.QHR_TEST_SOURCE_TOKEN = 'abc\r\nX-Injected: TREM75561212';
  const error = startError([pharmacy({ auth: { type: 'bearer', tokenEnv: 'QHR_TEST_SOURCE_TOKEN' } })]);
  expect(error.message).toMatch(/^source pharmacy-mtl-centre: auth\.tokenEnv: the token holds spaces or characters a bearer token cannot/);
  expect(error.message).not.toMatch(/abc|TREM|Injected/);
});

test('a secret file that cannot be read stops the start, naming the file', () => {
  const file = join(dir, 'missing.secret');
  const error = startError([pharmacy({ auth: { type: 'client-credentials', tokenUrl: SMART.tokenUrl, clientId: 'qhr', clientSecretFile: file } })]);
  expect(error.message).toBe(`source pharmacy-mtl-centre: auth.clientSecretFile (${file}) cannot be read: ENOENT`);
});

describe('the SMART private key', () => {
  const keyFile = (name: string, content: string) => {
    writeFileSync(join(dir, name), content);
    return join(dir, name);
  };

  test('a key file that is not a key is refused without quoting it', () => {
    const file = keyFile('not-a-key.pem', '-----BEGIN PRIVATE KEY-----\nTREM75561212\n-----END PRIVATE KEY-----\n');
    const error = startError([pharmacy({ auth: { ...SMART, privateKeyFile: file } })]);
    expect(error.message).toBe(`source pharmacy-mtl-centre: auth.privateKeyFile (${file}) is not an unencrypted private key (PEM or JWK)`);
  });

  test('an EC key on P-256 is refused: SMART signs ES384, on P-384', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const file = keyFile('p256.pem', privateKey.export({ format: 'pem', type: 'pkcs8' }) as string);
    expect(startError([pharmacy({ auth: { ...SMART, privateKeyFile: file } })]).message).toMatch(/must be an RSA key \(RS384\) or an EC key on P-384 \(ES384\)/);
  });

  test('an RSA key shorter than 2048 bits is refused', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const file = keyFile('rsa1024.pem', privateKey.export({ format: 'pem', type: 'pkcs1' }) as string);
    expect(startError([pharmacy({ auth: { ...SMART, privateKeyFile: file } })]).message).toMatch(/is an RSA key shorter than 2048 bits/);
  });
});

describe('client TLS files', () => {
  test('a certificate that cannot be read is named', () => {
    const error = startError([pharmacy({ clientTls: { certFile: join(dir, 'nope.crt'), keyFile: pki.file('gateway-client.key') } })]);
    expect(error.message).toBe(`source pharmacy-mtl-centre: tls.certFile (${join(dir, 'nope.crt')}) cannot be read: ENOENT`);
  });

  test("a key that is not the certificate's is refused", () => {
    const error = startError([pharmacy({ clientTls: { certFile: pki.file('gateway-client.crt'), keyFile: pki.file('stranger.key') } })]);
    expect(error.message).toBe(`source pharmacy-mtl-centre: tls.keyFile (${pki.file('stranger.key')}) is not the key of tls.certFile`);
  });
});

test('the adapters read the credentials when they are made: a missing secret stops the start there', () => {
  const sources = parseSources({ sources: [{ id: 'pharmacy-mtl-centre', name: 'Pharmacie du Plateau', domain: 'MEDICATIONS', protocol: 'fhir-r4', url: 'https://fhir.pharmacie-plateau.example/fhir', auth: { type: 'bearer', tokenEnv: 'QHR_TEST_SOURCE_TOKEN' } }] }, { timeZone: 'America/Montreal' });
  expect(() => createRosterSources(sources)).toThrow('source pharmacy-mtl-centre: auth.tokenEnv: environment variable QHR_TEST_SOURCE_TOKEN is not set');
});

test('a bad source in a new list leaves the sources connected as they were', async () => {
  process.env.QHR_TEST_SOURCE_TOKEN = 'token-before';
  const fhir = await protectedFhir(new Set(['token-before']));
  servers.push(fhir);
  const source = pharmacyAt('pharmacy-kept', fhir.url, { auth: { type: 'bearer', tokenEnv: 'QHR_TEST_SOURCE_TOKEN' } });
  const connections = new SourceConnections();
  connections.connect([source]);
  connectionsOf.set(source.id, connections);

  writeFileSync(join(dir, 'token-after'), 'token-after');
  const changed = { ...source, auth: { type: 'bearer' as const, tokenFile: join(dir, 'token-after') } };
  expect(() => connections.connect([changed, pharmacy({ auth: { type: 'bearer', tokenEnv: 'QHR_TEST_UNSET' } })])).toThrow(/QHR_TEST_UNSET is not set/);

  await fetchJsonAnswer({ url: `${source.url}/MedicationDispense`, accept: 'application/fhir+json', signal: AbortSignal.timeout(10_000), sourceId: source.id, connections });
  expect(fhir.seen.map((s) => s.authorization)).toEqual(['Bearer token-before']);
});

test("the adapters as a service makes them send the source's token with every request: its CapabilityStatement read and its roster read", async () => {
  process.env.QHR_TEST_SOURCE_TOKEN = 'service-token';
  const fhir = await protectedFhir(new Set(['service-token']));
  servers.push(fhir);
  const source = pharmacyAt('pharmacy-through-adapters', fhir.url, { auth: { type: 'bearer', tokenEnv: 'QHR_TEST_SOURCE_TOKEN' } });
  const connections = new SourceConnections();
  connectionsOf.set(source.id, connections);

  const [dispenses] = createRecordSources([source], { connections });
  await dispenses.prepare!(AbortSignal.timeout(10_000));
  const [roster] = createRosterSources([source], { connections });
  await roster.read({ signal: AbortSignal.timeout(10_000), requestTimeoutMs: 10_000, onPage: async () => undefined });

  const paths = fhir.seen.map((s) => new URL(s.path, 'http://x').pathname);
  expect(paths).toContain('/fhir/metadata');
  expect(paths.some((path) => path.startsWith('/fhir/Patient'))).toBe(true);
  expect(new Set(fhir.seen.map((s) => s.authorization))).toEqual(new Set(['Bearer service-token']));
});
