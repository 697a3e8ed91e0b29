import { startTestStack, type TestStack } from '../support/stack';
import { valueOf } from './support/scrape';

/** GATEWAY_SUBGRAPHS=in-process: the subgraphs run inside the gateway, and so do their checks and metrics. */
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ env: { GATEWAY_SUBGRAPHS: 'in-process' } });
  await stack.query('query Meds($nam: NAM!) { patient(nam: $nam) { medications { din } } }', { nam: stack.people[0].nam });
}, 60_000);
afterAll(() => stack?.stop());

const at = (path: string) => fetch(new URL(path, stack.platform.gatewayUrl));

describe('a gateway running its subgraphs in process', () => {
  test('/ready names each subgraph "ok" without asking any other service', async () => {
    const response = await at('/ready');
    expect(response.status).toBe(200);
    const { checks } = (await response.json()) as { checks: Record<string, string> };
    expect(checks).toMatchObject({ database: 'ok', 'subgraph:patient-index': 'ok', 'subgraph:pharmacy': 'ok', 'subgraph:clinic': 'ok' });
  });

  test("its /metrics shows the in-process subgraphs' source calls", async () => {
    const text = await (await at('/metrics')).text();
    expect(valueOf(text, 'qhr_source_request_duration_seconds_count', { kind: 'medications' })).toBeGreaterThan(0);
    expect(valueOf(text, 'qhr_graphql_requests_total', { operation: 'Meds', outcome: 'ok' })).toBe(1);
  });
});
