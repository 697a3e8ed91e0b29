import { loadConfig } from '../../lib/config';
import { startLoneGateway, type LoneGateway } from '../support/lone-gateway';

// Issue #10 §4: opening the gateway in a browser on a hospital network without internet.
const BROWSER = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
const PRODUCTION = { NODE_ENV: 'production', AUDIT_KEY: '11'.repeat(32) };

/** Every script src and stylesheet href of a page. */
const referencesIn = (html: string) => [...html.matchAll(/<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]+)"/g)].map((match) => match[1]);

/** An absolute http(s) origin written in a text (a script, a stylesheet), as a browser would load it. */
const externalLoadsIn = (text: string) => [
  ...[...text.matchAll(/url\(\s*['"]?(https?:\/\/[^'")\s]+)/g)].map((match) => match[1]),
  ...[...text.matchAll(/@import\s+(?:url\()?['"]?(https?:\/\/[^'")\s;]+)/g)].map((match) => match[1]),
  ...[...text.matchAll(/sourceMappingURL=(https?:\/\/\S+)/g)].map((match) => match[1]),
  ...[...text.matchAll(/\bimport\(\s*['"`](https?:\/\/[^'"`]+)/g)].map((match) => match[1]),
  ...[...text.matchAll(/https?:\/\/(?:unpkg\.com|cdn\.jsdelivr\.net|esm\.sh|cdnjs\.cloudflare\.com|embeddable-sandbox\.cdn\.apollographql\.com|apollo-server-landing-page\.cdn\.apollographql\.com)[^\s'"`)]*/g)].map((match) => match[0]),
];

describe('in development', () => {
  let lone: LoneGateway;
  beforeAll(async () => {
    lone = await startLoneGateway();
  });
  afterAll(() => lone?.stop());

  test('a browser opening the gateway gets the GraphiQL explorer, not Apollo’s landing page', async () => {
    const response = await fetch(lone.gateway.url, { headers: BROWSER });
    const html = await response.text();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html).toContain('graphiql.min.js');
    expect(html).not.toMatch(/apollographql|Apollo Sandbox|embeddable/i);
  });

  test('the page has a field for the bearer token', async () => {
    const html = await (await fetch(lone.gateway.url, { headers: BROWSER })).text();
    expect(html).toMatch(/<label for="qhr-token">Bearer token<\/label>/);
    expect(html).toMatch(/<input id="qhr-token" type="password"/);
  });

  test('the page and every asset it references come from the gateway itself, none from another host', async () => {
    const html = await (await fetch(`${lone.origin}/`, { headers: BROWSER })).text();
    const references = referencesIn(html);
    expect(references.length).toBeGreaterThanOrEqual(5);
    for (const reference of references) expect(new URL(reference, lone.origin).origin).toBe(lone.origin);
    expect(externalLoadsIn(html)).toEqual([]);
    for (const reference of references) {
      const asset = await fetch(new URL(reference, lone.origin));
      expect({ reference, status: asset.status }).toEqual({ reference, status: 200 });
      expect({ reference, external: externalLoadsIn(await asset.text()) }).toEqual({ reference, external: [] });
    }
  });

  test('the page tells the browser to load nothing from another origin (Content-Security-Policy)', async () => {
    const response = await fetch(lone.gateway.url, { headers: BROWSER });
    expect(response.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(response.headers.get('content-security-policy')).toMatch(/connect-src 'self'/);
  });

  test('the scripts are React, ReactDOM and GraphiQL’s browser builds, then the page’s own', async () => {
    const html = await (await fetch(lone.gateway.url, { headers: BROWSER })).text();
    const scripts = referencesIn(html).filter((reference) => reference.endsWith('.js'));
    expect(scripts).toEqual(['/explorer/react.production.min.js', '/explorer/react-dom.production.min.js', '/explorer/graphiql.min.js', '/explorer/explorer.js']);
    expect(await (await fetch(new URL(scripts[2], lone.origin))).text()).toMatch(/GraphiQL/);
  });

  test('an asset the explorer does not have is 404', async () => {
    expect((await fetch(`${lone.origin}/explorer/nothing.js`)).status).toBe(404);
  });

  test('a GET query (not asking for HTML) still reaches GraphQL', async () => {
    const response = await fetch(`${lone.gateway.url}?query=${encodeURIComponent('{ __typename }')}`, { headers: { 'apollo-require-preflight': 'true', authorization: `Bearer ${await lone.token()}` } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
  });

  test('a POST to the same address is GraphQL, not the page', async () => {
    const response = await fetch(lone.gateway.url, { method: 'POST', headers: { ...BROWSER, 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
    expect((await response.json()).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });
});

describe('in production', () => {
  test('the explorer is off by default', () => {
    expect(loadConfig({ ...process.env, ...PRODUCTION, AUTH_JWT_SECRET: 'x', EXPLORER: '' }).clients.explorer).toBe(false);
  });

  test('EXPLORER=on turns it on', () => {
    expect(loadConfig({ ...process.env, ...PRODUCTION, AUTH_JWT_SECRET: 'x', EXPLORER: 'on' }).clients.explorer).toBe(true);
  });

  test('EXPLORER must be on or off', () => {
    expect(() => loadConfig({ ...process.env, EXPLORER: 'yes' })).toThrow('EXPLORER must be on or off');
  });

  test('a browser opening a production gateway gets no page at all (neither ours nor Apollo’s CDN one)', async () => {
    const lone = await startLoneGateway(PRODUCTION);
    try {
      const response = await fetch(lone.gateway.url, { headers: BROWSER });
      expect(response.headers.get('content-type')).not.toMatch(/text\/html/);
      expect(await response.text()).not.toMatch(/<script|cdn\.apollographql/);
      expect((await fetch(`${lone.origin}/explorer/graphiql.min.js`)).status).not.toBe(200);
    } finally {
      await lone.stop();
    }
  });
});
