import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { developmentToken } from '../../bin/token';
import { DEFAULT_POLICY_ROLES, parsePolicy } from '../../gateway/consent/policy';
import { startGateway, type RunningGateway } from '../../gateway/server';
import { loadConfig, SUBGRAPH_NAMES, type SubgraphName } from '../../lib/config';
import { DatabaseUnavailable } from '../../lib/db-unavailable';
import { createLogger } from '../../lib/logger';
import { recordingServer, type RecordingServer } from '../support/recording-server';

// The gateway alone, its consent register failing (found by `npm run soak`, issue #8 §8: these
// answers were HTTP 400, which tells a client its request is wrong and must not be sent again).
const SECRET = 'test-secret-consent-unavailable-status';
let subgraphs: RecordingServer;
let gateway: RunningGateway;

beforeAll(async () => {
  subgraphs = await recordingServer((_request, response) => void response.writeHead(500).end());
  gateway = await startGateway({
    config: loadConfig({ ...process.env, PORT: '0', SUBGRAPH_BASE_PORT: '0', AUTH_JWT_SECRET: SECRET, LOG_LEVEL: 'silent' }),
    logger: createLogger('silent'),
    supergraphSdl: readFileSync(join(__dirname, '../../schema/supergraph.graphql'), 'utf8'),
    subgraphs: Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, { url: `${subgraphs.url}/${name}` }])) as Record<SubgraphName, { url: string }>,
    policy: parsePolicy({ roles: DEFAULT_POLICY_ROLES }),
    consent: { decide: async () => Promise.reject(new DatabaseUnavailable('57014')) },
    accessLog: { append: async () => undefined },
  });
});
afterAll(async () => {
  await gateway?.stop();
  await subgraphs?.close();
});

test('a read whose consent cannot be checked is answered HTTP 503 with CONSENT_UNAVAILABLE: the client retries', async () => {
  const token = await developmentToken({ sub: 'MD-1', role: 'physician', facility: 'clinic-mtl-east' }, SECRET, '5m');
  const response = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: '{ patient(nam: "TREM75561212") { nam } }' }),
  });
  const body = await response.json();
  expect({ status: response.status, codes: body.errors.map((e: any) => e.extensions.code), data: body.data }).toEqual({ status: 503, codes: ['CONSENT_UNAVAILABLE'], data: undefined });
});
