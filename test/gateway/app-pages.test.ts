import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, parse, validate } from 'graphql';
import { STATIC_DIR } from '../../gateway/app/assets';
import { devSignInAllowed } from '../../gateway/app/dev-sign-in';
import { createAuthenticator } from '../../gateway/authenticate';
import { DEV_JWT_SECRET, loadConfig } from '../../lib/config';
import { startLoneGateway, type LoneGateway } from '../support/lone-gateway';

// Issue #11: the people's pages as the gateway serves them (the browser suite, app-in-a-browser,
// exercises them as their users do).
const PAGE_PATHS = ['/app', '/app/', '/app/patients/GAGN44541911', '/app/me', '/app/clerk', '/app/sign-in'];
const DEV = { AUTH_JWT_SECRET: DEV_JWT_SECRET };
const PRODUCTION = { NODE_ENV: 'production', AUDIT_KEY: '11'.repeat(32), AUTH_JWKS_URL: 'https://idp.example/jwks' };
const root = join(__dirname, '../..');

/** A browser module's `export default { … }` table, read without running the page. */
const tableOf = (file: string): Record<string, string> => new Function(readFileSync(join(STATIC_DIR, file), 'utf8').replace(/^\s*export default/m, 'return'))();

describe('the pages, served by the gateway from its own files', () => {
  let lone: LoneGateway;
  beforeAll(async () => {
    lone = await startLoneGateway();
  });
  afterAll(() => lone?.stop());

  test.each(PAGE_PATHS)('%s answers the pages’ shell, French first, with nothing of the address in it', async (path) => {
    const response = await fetch(`${lone.origin}${path}`);
    const html = await response.text();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html).toContain('<html lang="fr">');
    expect(html).not.toContain('GAGN44541911');
  });

  test('a page that may show data is never kept (no-store), never sent as a Referer, never framed, and runs only our own scripts (CSP without inline script)', async () => {
    const response = await fetch(`${lone.origin}/app/patients/GAGN44541911`);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    const html = await response.text();
    // No inline script: every <script> has a src.
    expect([...html.matchAll(/<script\b([^>]*)>/g)].every((match) => /\bsrc="/.test(match[1]))).toBe(true);
    expect(html).not.toMatch(/\sstyle="/);
  });

  test('every script and stylesheet is the gateway’s own, and every module a script imports is served', async () => {
    const html = await (await fetch(`${lone.origin}/app/`)).text();
    const referenced = [...html.matchAll(/<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
    const scripts = readdirSync(STATIC_DIR).filter((name) => name.endsWith('.js') && name !== 'page-dev-sign-in.js');
    for (const name of scripts) {
      const text = readFileSync(join(STATIC_DIR, name), 'utf8');
      referenced.push(...[...text.matchAll(/(?:from|import\()\s*'(\.\/[^']+)'/g)].map((match) => `/app/assets/${match[1].slice(2)}`).filter((path) => !path.endsWith('page-dev-sign-in.js')));
      // No other host, no markup from strings, nothing kept in the browser (comments aside).
      expect(text.replace(/^\s*\/\/.*$/gm, '')).not.toMatch(/https?:\/\/|innerHTML|outerHTML|insertAdjacentHTML|localStorage|sessionStorage|indexedDB|document\.cookie|caches\./);
    }
    for (const reference of new Set(referenced)) {
      expect(new URL(reference, lone.origin).origin).toBe(lone.origin);
      const asset = await fetch(new URL(reference, lone.origin));
      expect({ reference, status: asset.status }).toEqual({ reference, status: 200 });
    }
  });

  test('an address under /app/ that is no page is not found', async () => {
    for (const path of ['/app/nothing', '/app/patients/', '/app/patients/A/B', '/app/assets/nope.js', '/app/assets/../routes.ts']) {
      expect({ path, status: (await fetch(`${lone.origin}${path}`)).status }).toEqual({ path, status: 404 });
    }
  });

  test('without the development secret there is no development sign-in: no page, no script, no endpoint, not offered', async () => {
    expect((await fetch(`${lone.origin}/app/dev-sign-in`)).status).toBe(404);
    expect((await fetch(`${lone.origin}/app/assets/page-dev-sign-in.js`)).status).toBe(404);
    const post = await fetch(`${lone.origin}/app/dev-sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ role: 'physician', sub: 'MD-1' }) });
    expect(post.status).not.toBe(200);
    expect(await post.text()).not.toMatch(/eyJ/);
    expect(await (await fetch(`${lone.origin}/app/sign-in`)).text()).toContain('data-dev-sign-in="off"');
  });
});

describe('the development sign-in, while the development secret is in use', () => {
  let lone: LoneGateway;
  beforeAll(async () => {
    lone = await startLoneGateway(DEV);
  });
  afterAll(() => lone?.stop());
  const signIn = (body: unknown, type = 'application/json') => fetch(`${lone.origin}/app/dev-sign-in`, { method: 'POST', headers: { 'content-type': type }, body: JSON.stringify(body) });

  test('is offered, and its page and script are served', async () => {
    expect(await (await fetch(`${lone.origin}/app/sign-in`)).text()).toContain('data-dev-sign-in="on"');
    expect((await fetch(`${lone.origin}/app/dev-sign-in`)).status).toBe(200);
    expect((await fetch(`${lone.origin}/app/assets/page-dev-sign-in.js`)).status).toBe(200);
  });

  test('issues a token for a role that the gateway accepts, with a bounded lifetime', async () => {
    const response = await signIn({ role: 'consent_clerk', sub: 'CLERK-1', facility: 'ramq' });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const { token } = await response.json();
    const caller = await createAuthenticator(loadConfig({ ...process.env, ...DEV }).auth)(`Bearer ${token}`);
    expect(caller).toEqual({ id: 'CLERK-1', role: 'consent_clerk', facility: 'ramq' });
  });

  test('a person signs in with their own NAM, normalised', async () => {
    const { token } = await (await signIn({ role: 'person', sub: 'gagn 4454 1911' })).json();
    expect((await createAuthenticator(loadConfig({ ...process.env, ...DEV }).auth)(`Bearer ${token}`)).id).toBe('GAGN44541911');
  });

  test('refuses a role the policy does not name, a person without a valid NAM, odd identifiers, and anything but JSON', async () => {
    for (const body of [{ role: 'root', sub: 'X' }, { role: 'person', sub: 'MD-1' }, { role: 'physician', sub: 'MD 1\n' }, { role: 'physician', sub: 'MD-1', facility: '<script>' }, ['physician']]) {
      const response = await signIn(body);
      expect(response.status).toBe(400);
      expect(JSON.stringify(await response.json())).not.toMatch(/eyJ|<script>|MD 1/);
    }
    expect((await signIn({ role: 'physician', sub: 'MD-1' }, 'text/plain')).status).toBe(415);
  });
});

describe('the development sign-in is never served otherwise', () => {
  test('only with the development secret, outside production, without an identity provider', () => {
    expect(devSignInAllowed(loadConfig({ ...process.env, AUTH_JWT_SECRET: '' }))).toBe(true);
    expect(devSignInAllowed(loadConfig({ ...process.env, AUTH_JWT_SECRET: 'a-real-secret' }))).toBe(false);
    expect(devSignInAllowed(loadConfig({ ...process.env, ...PRODUCTION }))).toBe(false);
    expect(devSignInAllowed({ production: true, auth: { jwtSecret: DEV_JWT_SECRET, maxTokenLifetimeS: 3600 } })).toBe(false);
    expect(devSignInAllowed({ production: false, auth: { jwtSecret: DEV_JWT_SECRET, jwksUrl: 'https://idp.example/jwks', maxTokenLifetimeS: 3600 } })).toBe(false);
  });

  test('in production the pages are served, with no development sign-in', async () => {
    const lone = await startLoneGateway({ ...PRODUCTION, AUTH_JWT_SECRET: DEV_JWT_SECRET, AUTH_JWKS_URL: '' });
    try {
      expect(await (await fetch(`${lone.origin}/app/`)).text()).toContain('data-dev-sign-in="off"');
      expect((await fetch(`${lone.origin}/app/dev-sign-in`)).status).toBe(404);
      expect((await fetch(`${lone.origin}/app/dev-sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"role":"physician","sub":"MD-1"}' })).status).not.toBe(200);
    } finally {
      await lone.stop();
    }
  });

  test('PAGES=off: no page under /app/', async () => {
    const lone = await startLoneGateway({ PAGES: 'off', ...DEV });
    try {
      for (const path of ['/app/', '/app/me', '/app/assets/main.js', '/app/dev-sign-in']) {
        const response = await fetch(`${lone.origin}${path}`);
        expect({ path, page: response.status === 200 && /text\/html|javascript/.test(response.headers.get('content-type') ?? '') }).toEqual({ path, page: false });
      }
    } finally {
      await lone.stop();
    }
  });
});

describe('what the pages say and send', () => {
  test('the French and English tables have the same strings', () => {
    expect(Object.keys(tableOf('strings-en.js')).sort()).toEqual(Object.keys(tableOf('strings-fr.js')).sort());
  });

  test('every key a page uses is in both tables', () => {
    const keys = new Set(Object.keys(tableOf('strings-fr.js')));
    const used = new Set<string>();
    for (const name of readdirSync(STATIC_DIR).filter((file) => file.endsWith('.js'))) {
      const text = readFileSync(join(STATIC_DIR, name), 'utf8');
      for (const match of text.matchAll(/\bt\('([a-zA-Z]+\.[a-zA-Z]+)'/g)) used.add(match[1]);
      for (const match of text.matchAll(/\blabel: '([a-zA-Z]+\.[a-zA-Z]+)'/g)) used.add(match[1]);
      for (const match of text.matchAll(/\btitle: '([a-zA-Z]+\.[a-zA-Z]+)'/g)) used.add(match[1]);
    }
    expect([...used].filter((key) => !keys.has(key))).toEqual([]);
    expect(used.size).toBeGreaterThan(100);
  });

  test('every operation the pages send is valid against the public API, and names its NAM as a variable, never a literal', () => {
    const schema = buildSchema(readFileSync(join(root, 'schema/api.graphql'), 'utf8'));
    const operations: Record<string, string> = JSON.parse(readFileSync(join(STATIC_DIR, 'operations.json'), 'utf8'));
    expect(Object.keys(operations).sort()).toEqual(['ConsentRegister', 'MyRecord', 'PatientView', 'RecordRefusal', 'WithdrawRefusal']);
    for (const [name, text] of Object.entries(operations)) {
      const document = parse(text);
      expect({ name, errors: validate(schema, document).map((e) => e.message) }).toEqual({ name, errors: [] });
      expect(text).toMatch(new RegExp(`^(query|mutation) ${name}\\(\\$nam: NAM!`));
    }
  });

  test('the operations file works as a safelist: with it, the pages’ operations run and nothing else does', async () => {
    const file = join(STATIC_DIR, 'operations.json');
    const operations: Record<string, string> = JSON.parse(readFileSync(file, 'utf8'));
    const lone = await startLoneGateway({ SAFELIST_FILE: file });
    try {
      const token = await lone.token();
      const send = (query: string) => fetch(lone.gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables: { nam: 'GAGN44541911' } }) });
      const registered = await (await send(operations.PatientView)).json();
      expect(JSON.stringify(registered)).not.toContain('OPERATION_NOT_REGISTERED');
      expect((await (await send('query($nam: NAM!) { patient(nam: $nam) { nam } }')).json()).errors[0].extensions.code).toBe('OPERATION_NOT_REGISTERED');
    } finally {
      await lone.stop();
    }
  });
});
