import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { AccessLog } from '../../consent/access-log';
import { ConsentDecisions } from '../../consent/decide';
import { DEFAULT_POLICY_ROLES, parsePolicy } from '../../gateway/consent/policy';
import { startGateway, type RunningGateway } from '../../gateway/server';
import type { SubgraphName } from '../../lib/config';
import { createLogger } from '../../lib/logger';
import { peopleInEveryDomain } from '../support/demo-choices';
import { startTestStack, TEST_JWT_SECRET, type TestStack } from '../support/stack';
import { developmentToken } from '../../bin/token';

/**
 * A subgraph service that is gone (its process killed, restarting): what it holds is
 * SERVICE_UNAVAILABLE, the rest of the record still comes back, and nothing is INTERNAL_SERVER_ERROR.
 * A second gateway runs over the stack's own subgraphs, one of them pointed at a closed port.
 */
let stack: TestStack;
const gateways: RunningGateway[] = [];
let closedPort: number;
beforeAll(async () => {
  stack = await startTestStack({ env: { SOURCE_CACHE: 'off' } });
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closedPort = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
}, 90_000);
afterAll(async () => {
  await Promise.all(gateways.map((gateway) => gateway.stop()));
  await stack?.stop();
});

async function gatewayWithout(name: SubgraphName): Promise<RunningGateway> {
  const subgraphs = Object.fromEntries(Object.entries(stack.platform.subgraphUrls!).map(([n, url]) => [n, { url: n === name ? `http://127.0.0.1:${closedPort}/graphql` : url }])) as Record<SubgraphName, { url: string }>;
  const gateway = await startGateway({
    config: { ...stack.config, port: 0 },
    logger: createLogger('silent'),
    supergraphSdl: readFileSync(join(__dirname, '../../schema/supergraph.graphql'), 'utf8'),
    subgraphs,
    policy: parsePolicy({ roles: DEFAULT_POLICY_ROLES }),
    consent: new ConsentDecisions(stack.platform.db),
    accessLog: new AccessLog(stack.platform.db, stack.config.audit),
  });
  gateways.push(gateway);
  return gateway;
}

async function read(gateway: RunningGateway, nam: string) {
  const token = await developmentToken({ sub: 'MD-DOWN', role: 'physician', facility: 'clinic-mtl-east' }, TEST_JWT_SECRET, '5m');
  const query = 'query($nam: NAM!) { patient(nam: $nam) { nam medications { id } labResults { id } encounters { id } } }';
  const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables: { nam } }) });
  return (await response.json()) as { data: any; errors?: { extensions: { code: string } }[] };
}

describe('a subgraph service that is gone', () => {
  test('the pharmacy subgraph gone: medications are SERVICE_UNAVAILABLE, the lab results and encounters still come back', async () => {
    const gateway = await gatewayWithout('pharmacy');
    const body = await read(gateway, peopleInEveryDomain(stack.people)[0].nam);
    expect(body.data.patient.medications).toBeNull();
    expect(body.data.patient.labResults.length).toBeGreaterThan(0);
    expect(body.data.patient.encounters.length).toBeGreaterThan(0);
    expect(body.errors!.map((e) => e.extensions.code)).toEqual(['SERVICE_UNAVAILABLE']);
  });

  test('the patient index gone: the record is SERVICE_UNAVAILABLE, never an internal error', async () => {
    const gateway = await gatewayWithout('patient-index');
    const body = await read(gateway, peopleInEveryDomain(stack.people)[1].nam);
    expect(body.data?.patient ?? null).toBeNull();
    expect(body.errors!.map((e) => e.extensions.code)).toContain('SERVICE_UNAVAILABLE');
    expect(body.errors!.map((e) => e.extensions.code)).not.toContain('INTERNAL_SERVER_ERROR');
  });
});
