import { Metrics } from '../../ops/metrics';
import { SourceGuards } from '../../subgraphs/source-guard';
import type { SourceConfig } from '../../lib/sources';
import { valueOf } from './support/scrape';

const scrape = async (metrics: Metrics) => (await metrics.scrape()).body;

describe('each service counts into a registry of its own', () => {
  test("two services' metrics do not count into each other", async () => {
    const a = new Metrics({ service: 'a' });
    const b = new Metrics({ service: 'b' });
    a.hl7Answered('lab-1', 'AA');
    expect(await scrape(a)).toContain('qhr_hl7_messages_total{source="lab-1",ack="AA",service="a"} 1');
    expect(await scrape(b)).not.toContain('ack="AA"');
  });

  test('a GraphQL request is counted by operation and outcome and timed', async () => {
    const metrics = new Metrics({ service: 'gateway' });
    metrics.graphqlRequest('PatientSummary', undefined, 0.02);
    metrics.graphqlRequest('PatientSummary', 'RECORD_REFUSED', 0.01);
    const text = await scrape(metrics);
    expect(text).toContain('qhr_graphql_requests_total{operation="PatientSummary",outcome="ok",service="gateway"} 1');
    expect(text).toContain('qhr_graphql_requests_total{operation="PatientSummary",outcome="RECORD_REFUSED",service="gateway"} 1');
    expect(valueOf(text, 'qhr_graphql_request_duration_seconds_count', { operation: 'PatientSummary', service: 'gateway' })).toBe(2);
  });

  test('an error code or failure from outside the known sets is counted as "other"', async () => {
    const metrics = new Metrics({ service: 'x' });
    metrics.graphqlRequest('Q', 'TREM75561212');
    metrics.sourceAnswered('pharm-1', 'medications', 'Patient TREM75561212 not found', 0.1);
    metrics.hl7Answered('lab-1', 'TREM75561212');
    const text = await scrape(metrics);
    expect(text).not.toMatch(/[A-Z]{4}\d{8}/);
    expect(text).toContain('outcome="other"');
    expect(text).toContain('failure="other"');
    expect(text).toContain('ack="other"');
  });

  test('a source call is timed per source and state, and counted with why it failed', async () => {
    const metrics = new Metrics({ service: 'pharmacy' });
    metrics.sourceAnswered('pharm-1', 'medications', undefined, 0.05);
    metrics.sourceAnswered('pharm-1', 'medications', 'circuit-open', 0);
    const text = await scrape(metrics);
    expect(valueOf(text, 'qhr_source_request_duration_seconds_count', { source: 'pharm-1', kind: 'medications', state: 'OK' })).toBe(1);
    expect(text).toContain('qhr_source_answers_total{source="pharm-1",kind="medications",state="UNAVAILABLE",failure="circuit-open",service="pharmacy"} 1');
  });

  test('roster age is computed at each scrape from the freshest read any view knows of', async () => {
    const metrics = new Metrics({ service: 'roster-reader' });
    const [older, newer] = [new Date(Date.now() - 120_000), new Date(Date.now() - 30_000)];
    metrics.watchRosterFreshness(() => [['pharm-1', older]]);
    metrics.watchRosterFreshness(() => [['pharm-1', newer], ['pacs-1', undefined]]);
    const age = valueOf(await scrape(metrics), 'qhr_locator_roster_age_seconds', { source: 'pharm-1' });
    expect(age).toBeGreaterThanOrEqual(30);
    expect(age).toBeLessThan(60);
  });
});

describe("a source's circuit breaker is watched", () => {
  const source = { id: 'pharm-1', timeoutMs: 1000 } as SourceConfig;

  test('the circuit opening and closing again is told, with the source id', async () => {
    const changes: [string, boolean][] = [];
    const guards = new SourceGuards({ timeoutMs: 1000, failuresBeforeOpen: 2, halfOpenAfterMs: 20, onCircuit: (id, open) => changes.push([id, open]) });
    const policy = guards.policyFor(source);
    for (let i = 0; i < 2; i++) await policy.execute(() => Promise.reject(new Error('down'))).catch(() => undefined);
    expect(changes).toEqual([['pharm-1', true]]);
    await new Promise((resolve) => setTimeout(resolve, 30));
    await policy.execute(async () => 'ok');
    expect(changes).toEqual([['pharm-1', true], ['pharm-1', false]]);
  });

  test('an open circuit shows as 1 on its gauge, a closed one as 0', async () => {
    const metrics = new Metrics({ service: 'pharmacy' });
    metrics.circuitChanged('pharm-1', true);
    metrics.circuitChanged('pharm-2', false);
    const text = await scrape(metrics);
    expect(text).toContain('qhr_source_circuit_open{source="pharm-1",service="pharmacy"} 1');
    expect(text).toContain('qhr_source_circuit_open{source="pharm-2",service="pharmacy"} 0');
  });
});
