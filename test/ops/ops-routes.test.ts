import { Metrics } from '../../ops/metrics';
import { opsRoutes } from '../../ops/ops-routes';
import { startOpsServer, type OpsServer } from '../../ops/ops-server';
import type { ReadinessCheck } from '../../ops/health';

let server: OpsServer;
let databaseUp = true;
const checks: ReadinessCheck[] = [{ name: 'database', check: async () => (databaseUp ? undefined : Promise.reject(new Error('down'))) }];
beforeAll(async () => {
  const metrics = new Metrics({ service: 'test' });
  metrics.hl7Answered('lab-1', 'AA');
  server = await startOpsServer({ host: '127.0.0.1', port: 0, routes: opsRoutes({ metrics, checks }) });
});
afterAll(() => server.stop());

const get = (path: string, init?: RequestInit) => fetch(`${server.url}${path}`, init);

describe('the ops routes answer probes and scrapers without a token', () => {
  test('/health answers 200 {"status":"ok"} in JSON', async () => {
    const response = await get('/health');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  test("Apollo's health path answers like /health", async () => {
    const response = await get('/.well-known/apollo/server-health');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  test('/ready answers 200 with each check while the dependencies answer, 503 when one does not', async () => {
    const ready = await get('/ready');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ok', checks: { database: 'ok' } });
    databaseUp = false;
    try {
      const down = await get('/ready');
      expect(down.status).toBe(503);
      expect(await down.json()).toEqual({ status: 'unavailable', checks: { database: 'fail' } });
    } finally {
      databaseUp = true;
    }
  });

  test('/metrics answers the Prometheus text format', async () => {
    const response = await get('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await response.text()).toContain('qhr_hl7_messages_total{source="lab-1",ack="AA",service="test"} 1');
  });

  test('a query string does not change the path', async () => {
    expect((await get('/health?probe=1')).status).toBe(200);
  });

  test('a method other than GET or HEAD is 405', async () => {
    const response = await get('/health', { method: 'POST' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
  });

  test('HEAD answers the status without a body', async () => {
    const response = await get('/ready', { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });

  test('the ops listener of a service without HTTP answers 404 to any other path', async () => {
    expect((await get('/graphql')).status).toBe(404);
  });
});
