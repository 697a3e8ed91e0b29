import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpHealthCheck, listeningCheck } from '../../ops/checks';
import { readiness, readinessStatus, type ReadinessCheck } from '../../ops/health';

const ok = (name: string): ReadinessCheck => ({ name, check: async () => undefined });
const failing = (name: string, optional = false): ReadinessCheck => ({ name, optional, check: async () => Promise.reject(new Error('connection refused by 10.0.0.7')) });

describe('readiness sums up the dependencies a service needs', () => {
  test('every dependency answering is ready (HTTP 200), each named "ok"', async () => {
    const ready = await readiness([ok('database'), ok('subgraph:pharmacy')]);
    expect(ready).toEqual({ status: 'ok', checks: { database: 'ok', 'subgraph:pharmacy': 'ok' } });
    expect(readinessStatus(ready)).toBe(200);
  });

  test('a required dependency failing is not ready (HTTP 503), and the answer says which, never why', async () => {
    const ready = await readiness([failing('database'), ok('redis')]);
    expect(ready).toEqual({ status: 'unavailable', checks: { database: 'fail', redis: 'ok' } });
    expect(readinessStatus(ready)).toBe(503);
    expect(JSON.stringify(ready)).not.toContain('10.0.0.7');
  });

  test('an optional dependency failing (Redis: the cache only misses) is degraded but still ready', async () => {
    const ready = await readiness([ok('database'), failing('redis', true)]);
    expect(ready.status).toBe('degraded');
    expect(readinessStatus(ready)).toBe(200);
  });

  test('a dependency that does not answer in time fails, and the probe still answers', async () => {
    const started = Date.now();
    const ready = await readiness([{ name: 'database', check: () => new Promise(() => undefined) }], 50);
    expect(ready.checks.database).toBe('fail');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  test('a listener that stopped listening fails', async () => {
    let listening = true;
    const check = listeningCheck('lab:lab-1', () => listening);
    expect((await readiness([check])).status).toBe('ok');
    listening = false;
    expect((await readiness([check])).status).toBe('unavailable');
  });

  test('another service is checked on its /health, and failing when it answers an error or nothing', async () => {
    const server = http.createServer((req, res) => res.writeHead(req.url === '/health' ? 200 : 404).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
    try {
      expect((await readiness([httpHealthCheck('subgraph:lab', url)])).status).toBe('ok');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect((await readiness([httpHealthCheck('subgraph:lab', url)])).status).toBe('unavailable');
  });
});
