import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { developmentToken } from '../../bin/token';
import { DEFAULT_POLICY_ROLES, parsePolicy } from '../../gateway/consent/policy';
import { startGateway, type RunningGateway } from '../../gateway/server';
import { loadConfig, SUBGRAPH_NAMES, type SubgraphName } from '../../lib/config';
import { DatabaseUnavailable } from '../../lib/db-unavailable';
import { createLogger } from '../../lib/logger';
import { recordingServer, type RecordingServer } from '../support/recording-server';

// The gateway alone, its consent register failing, every subgraph a server that records what it is asked.
const SECRET = 'test-secret-consent-unavailable';
let subgraphs: RecordingServer;
let gateway: RunningGateway;
const appended: unknown[] = [];

beforeAll(async () => {
  subgraphs = await recordingServer((_request, response) => {
    response.writeHead(500);
    response.end();
  });
  const config = loadConfig({ ...process.env, PORT: '0', SUBGRAPH_BASE_PORT: '0', AUTH_JWT_SECRET: SECRET, LOG_LEVEL: 'silent' });
  gateway = await startGateway({
    config,
    logger: createLogger('silent'),
    supergraphSdl: readFileSync(join(__dirname, '../../schema/supergraph.graphql'), 'utf8'),
    subgraphs: Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, { url: `${subgraphs.url}/${name}` }])) as Record<SubgraphName, { url: string }>,
    policy: parsePolicy({ roles: DEFAULT_POLICY_ROLES }),
    consent: { decide: async () => Promise.reject(new DatabaseUnavailable('57014')) },
    accessLog: { append: async (entries) => void appended.push(...entries) },
  });
});
afterAll(async () => {
  await gateway?.stop();
  await subgraphs?.close();
});

async function read(query: string) {
  const token = await developmentToken({ sub: 'MD-1', role: 'physician', facility: 'clinic-mtl-east' }, SECRET, '5m');
  const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query }) });
  return response.json();
}

describe('when consent cannot be checked, the gateway answers CONSENT_UNAVAILABLE and asks nothing (issue #8 §1)', () => {
  test('a record read answers CONSENT_UNAVAILABLE, with no data', async () => {
    const body = await read('{ patient(nam: "TREM75561212") { familyName medications { id } } }');
    expect(body.errors.map((error: { extensions: { code: string } }) => error.extensions.code)).toEqual(['CONSENT_UNAVAILABLE']);
    expect(body.data ?? null).toBeNull();
  });

  test('no subgraph is asked, so no source is', async () => {
    subgraphs.requests.length = 0;
    await read('{ patients(nams: ["TREM75561212", "GAGN44541911"]) { familyName labResults { id } } }');
    expect(subgraphs.requests).toEqual([]);
  });

  test('the reason stays in the gateway: the answer names neither the database nor the person', async () => {
    const body = await read('{ patient(nam: "TREM75561212") { familyName } }');
    expect(JSON.stringify(body)).not.toMatch(/TREM|57014|database|sql/i);
  });
});
