import { corsHeaders } from '../../gateway/cors';
import { loadConfig } from '../../lib/config';
import { startLoneGateway, type LoneGateway } from '../support/lone-gateway';

// Issue #10 §5: CORS from an allow-list (CORS_ORIGINS); Fetch standard, CORS protocol.
const EMR = 'https://emr.example';
const PRODUCTION = { NODE_ENV: 'production', AUDIT_KEY: '11'.repeat(32), AUTH_JWT_SECRET: 'x' };

describe('configuration', () => {
  test('by default any origin in development', () => {
    expect(loadConfig({ ...process.env, NODE_ENV: 'development', CORS_ORIGINS: '' }).clients.corsOrigins).toBe('any');
  });

  test('by default no origin in production', () => {
    expect(loadConfig({ ...process.env, ...PRODUCTION, CORS_ORIGINS: '' }).clients.corsOrigins).toEqual([]);
  });

  test('CORS_ORIGINS lists origins, comma-separated', () => {
    expect(loadConfig({ ...process.env, ...PRODUCTION, CORS_ORIGINS: `${EMR}, http://localhost:3000` }).clients.corsOrigins).toEqual([EMR, 'http://localhost:3000']);
  });

  test('an entry that is not an origin (a path, a trailing slash) stops the start', () => {
    expect(() => loadConfig({ ...process.env, CORS_ORIGINS: `${EMR}/` })).toThrow('CORS_ORIGINS must be');
  });
});

describe('the headers', () => {
  test('a listed origin is echoed, with Vary: Origin', () => {
    expect(corsHeaders([EMR], EMR)).toEqual({ 'access-control-allow-origin': EMR, vary: 'Origin', 'access-control-expose-headers': 'x-request-id' });
  });

  test('an origin not listed gets no access-control-allow-origin, so its browser withholds the answer', () => {
    expect(corsHeaders([EMR], 'https://evil.example')).toEqual({ vary: 'Origin' });
  });

  test('any origin is *', () => {
    expect(corsHeaders('any', EMR)).toEqual({ 'access-control-allow-origin': '*', 'access-control-expose-headers': 'x-request-id' });
  });
});

describe('a gateway with CORS_ORIGINS', () => {
  let lone: LoneGateway;
  beforeAll(async () => {
    lone = await startLoneGateway({ CORS_ORIGINS: EMR });
  });
  afterAll(() => lone?.stop());

  const preflight = (origin: string) =>
    fetch(lone.gateway.url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } });

  test('passes the preflight of a listed origin', async () => {
    const response = await preflight(EMR);
    expect([response.status, response.headers.get('access-control-allow-origin'), response.headers.get('vary')]).toEqual([204, EMR, 'Origin, Access-Control-Request-Headers']);
  });

  test('fails the preflight of another origin', async () => {
    expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
  });

  test('lets a listed origin read an answer, and not another', async () => {
    const ask = (origin: string) => fetch(lone.gateway.url, { method: 'POST', headers: { origin, 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
    expect((await ask(EMR)).headers.get('access-control-allow-origin')).toBe(EMR);
    expect((await ask('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
  });
});
