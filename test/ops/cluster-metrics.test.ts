import http from 'node:http';
import { freePorts } from '../../bench/system';
import { VIEW } from '../../bench/requests';
import { developmentToken } from '../../bin/token';
import { onPostgres, startApart, type Apart } from '../shutdown/support/apart';

// Issue #10 §2 with GATEWAY_INSTANCES=2: a scrape of the shared port reaches one worker, so the
// cluster primary answers /metrics on OPS_PORT with the workers' counts summed (ops/cluster-metrics.ts).
const describeApart = onPostgres ? describe : describe.skip;
const VIEWS = 6;

/** One view on a connection of its own, so the primary hands the views to both workers in turn. */
function viewOnNewConnection(url: string, token: string, nam: string): Promise<number> {
  const body = JSON.stringify({ query: VIEW, variables: { nam } });
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'content-length': Buffer.byteLength(body) } }, (response) => {
      response.resume().once('end', () => resolve(response.statusCode ?? 0));
    });
    request.once('error', reject).end(body);
  });
}

/** A scrape as Prometheus takes it: a failed one (a worker slow to answer the primary) is taken again. */
async function scrapeOf(url: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(url);
    if (response.ok || attempt === 3) return response.text();
  }
}

const sumOf = (scrape: string, metric: string, labels: RegExp) =>
  scrape
    .split('\n')
    .filter((line) => line.startsWith(`${metric}{`) && labels.test(line))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);

describeApart('the metrics of a gateway run as two processes on one address', () => {
  let apart: Apart;
  let opsPort: number;
  let scrape: string;
  let ready: { status: number; body: unknown };

  beforeAll(async () => {
    opsPort = await freePorts(1);
    apart = await startApart('cluster_metrics', {}, 2, { OPS_PORT: String(opsPort) });
    const token = await developmentToken({ sub: 'MD-METRICS', role: 'physician', facility: 'metrics' }, apart.system.jwtSecret, '10m');
    const statuses = await Promise.all(apart.people.slice(0, VIEWS).map((person) => viewOnNewConnection(apart.system.gatewayUrl, token, person.nam)));
    expect(statuses).toEqual(Array(VIEWS).fill(200));
    scrape = await scrapeOf(`http://127.0.0.1:${opsPort}/metrics`);
    const response = await fetch(`http://127.0.0.1:${opsPort}/ready`);
    ready = { status: response.status, body: await response.json() };
  }, 240_000);
  afterAll(() => apart?.stop(), 60_000);

  // The primary hands new connections to the workers in turn: one worker alone would count half.
  // Every outcome counts: on a loaded machine a source may time out and a view end partial.
  test("the primary's /metrics counts every view, whichever worker answered it", () => {
    expect(sumOf(scrape, 'qhr_graphql_requests_total', /operation="View"/)).toBe(VIEWS);
  });

  test('its /ready says the workers run', () => {
    expect(ready).toEqual({ status: 200, body: { status: 'ok', checks: { workers: 'ok' } } });
  });

  test('nothing NAM-shaped in the summed scrape', () => {
    expect(scrape).not.toMatch(/[A-Z]{4}\d{8}/);
  });
});

if (!onPostgres) test.skip('cluster metrics run our services apart: set DATABASE_URL', () => undefined);
