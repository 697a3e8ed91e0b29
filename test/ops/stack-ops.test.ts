import net from 'node:net';
import { createLogger } from '../../lib/logger';
import { startGatewayService } from '../../services/gateway';
import { startTestStack, type TestStack } from '../support/stack';
import { samples, valueOf } from './support/scrape';

/**
 * The ops routes of the one-process stack, as an orchestrator and a Prometheus server use them:
 * no token, JSON for the probes, and after real requests a scrape with every metric the issue
 * asks for and no NAM anywhere in it.
 */
let stack: TestStack;
let scrape: string;
const NAM = /[A-Z]{4}\d{8}/;
const READ = 'query PatientSummary($nam: NAM!) { patient(nam: $nam) { nam medications { din } labResults { code } encounters { class } } }';

beforeAll(async () => {
  stack = await startTestStack();
  const [seen, refused, other] = stack.people;
  const clerk = { role: 'consent_clerk', sub: 'CLERK-0001' };
  await stack.query(READ, { nam: seen.nam });
  await stack.query(READ, { nam: seen.nam });
  await stack.query('mutation Refuse($nam: NAM!) { recordRefusal(nam: $nam, channel: PHONE) { recordStatus } }', { nam: refused.nam }, clerk);
  await stack.query(READ, { nam: refused.nam });
  // A client naming its operation after the person it asks about: the name must not reach a label.
  await stack.query(`query ${other.nam} { patient(nam: "${other.nam}") { nam } }`);
  await stack.query(READ, { nam: seen.nam }, { token: null });
  scrape = await (await fetch(opsUrl('/metrics'))).text();
}, 90_000);
afterAll(() => stack?.stop());

const opsUrl = (path: string, base = stack.platform.gatewayUrl) => new URL(path, base).toString();

describe('the gateway answers probes without a token', () => {
  test('/health is 200 {"status":"ok"}', async () => {
    const response = await fetch(opsUrl('/health'));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  test("Apollo's /.well-known/apollo/server-health is 200 too, not a GraphQL 400", async () => {
    const response = await fetch(opsUrl('/.well-known/apollo/server-health'));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  test('/ready is 200 and names the database, every subgraph and every lab listener "ok"', async () => {
    const response = await fetch(opsUrl('/ready'));
    expect(response.status).toBe(200);
    const body = (await response.json()) as { status: string; checks: Record<string, string> };
    expect(body.status).toBe('ok');
    const labs = [...stack.platform.labPorts.keys()].map((id) => `mllp:${id}`);
    expect(Object.keys(body.checks)).toEqual(expect.arrayContaining(['database', 'subgraph:patient-index', 'subgraph:pharmacy', 'subgraph:lab', 'subgraph:imaging', 'subgraph:clinic', ...labs]));
    expect(Object.values(body.checks).every((state) => state === 'ok')).toBe(true);
  });

  test('/metrics is the Prometheus text format, not GraphQL', async () => {
    const response = await fetch(opsUrl('/metrics'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  });

  test('GraphQL still needs a token', async () => {
    expect((await stack.query('{ __typename }', {}, { token: null })).status).toBe(401);
  });
});

describe('each subgraph answers probes without the gateway token', () => {
  test('/health and /ready of a subgraph are 200 in JSON', async () => {
    const pharmacy = stack.platform.subgraphUrls!.pharmacy;
    const health = await fetch(opsUrl('/health', pharmacy));
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(opsUrl('/ready', pharmacy));
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { checks: Record<string, string> }).checks.database).toBe('ok');
  });
});

describe('a gateway whose subgraph is gone', () => {
  test('is not ready: /ready is 503 and names that subgraph "fail", the others "ok"', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as net.AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const subgraphUrls = { ...stack.platform.subgraphUrls!, lab: `http://127.0.0.1:${closedPort}/graphql` };
    const gateway = await startGatewayService({ config: { ...stack.config, port: 0 }, logger: createLogger('silent'), db: stack.platform.db, subgraphUrls });
    try {
      const response = await fetch(new URL('/ready', gateway.url));
      expect(response.status).toBe(503);
      const body = (await response.json()) as { status: string; checks: Record<string, string> };
      expect(body.status).toBe('unavailable');
      expect(body.checks).toMatchObject({ database: 'ok', 'subgraph:lab': 'fail', 'subgraph:pharmacy': 'ok' });
      expect((await fetch(new URL('/health', gateway.url))).status).toBe(200);
    } finally {
      await gateway.stop();
    }
  });
});

describe('a scrape after real requests', () => {
  test('counts GraphQL requests by operation name and outcome', () => {
    expect(valueOf(scrape, 'qhr_graphql_requests_total', { operation: 'PatientSummary', outcome: 'ok' })).toBeGreaterThanOrEqual(2);
    expect(valueOf(scrape, 'qhr_graphql_requests_total', { outcome: 'UNAUTHENTICATED' })).toBeGreaterThanOrEqual(1);
    expect(valueOf(scrape, 'qhr_graphql_request_duration_seconds_count', { operation: 'PatientSummary' })).toBeGreaterThanOrEqual(2);
  });

  test('labels an operation named with a NAM "other"', () => {
    expect(valueOf(scrape, 'qhr_graphql_requests_total', { operation: 'other' })).toBeGreaterThanOrEqual(1);
  });

  test('times each source and counts its answers by state', () => {
    expect(valueOf(scrape, 'qhr_source_request_duration_seconds_count', { state: 'OK' })).toBeGreaterThan(0);
    expect(samples(scrape, 'qhr_source_answers_total').every((s) => ['OK', 'UNAVAILABLE'].includes(s.labels.state))).toBe(true);
  });

  test('counts consent outcomes: records granted and records refused', () => {
    expect(valueOf(scrape, 'qhr_consent_outcomes_total', { outcome: 'granted' })).toBeGreaterThanOrEqual(2);
    expect(valueOf(scrape, 'qhr_consent_outcomes_total', { outcome: 'refused' })).toBeGreaterThanOrEqual(1);
  });

  test('times access-log writes', () => {
    expect(valueOf(scrape, 'qhr_access_log_write_duration_seconds_count', { outcome: 'ok' })).toBeGreaterThanOrEqual(3);
  });

  test('counts answer-cache hits and misses (the second view of a person is served from the cache)', () => {
    expect(valueOf(scrape, 'qhr_answer_cache_lookups_total', { result: 'miss' })).toBeGreaterThan(0);
    expect(valueOf(scrape, 'qhr_answer_cache_lookups_total', { result: 'hit' })).toBeGreaterThan(0);
  });

  test('counts the HL7 messages the demo laboratory sent, by ACK code', () => {
    expect(valueOf(scrape, 'qhr_hl7_messages_total', { ack: 'AA' })).toBeGreaterThan(0);
  });

  test('says how old the locator’s last roster read of each pull source is', () => {
    const ages = samples(scrape, 'qhr_locator_roster_age_seconds');
    expect(ages.length).toBeGreaterThan(0);
    expect(ages.every((s) => s.value >= 0 && s.value < 600)).toBe(true);
    expect(valueOf(scrape, 'qhr_roster_reads_total', { outcome: 'ok' })).toBeGreaterThan(0);
  });

  test('holds no NAM anywhere', () => {
    expect(scrape).not.toMatch(NAM);
  });
});
