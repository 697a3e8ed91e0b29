import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { makePki } from '../../support/pki';
import { DEFAULT_NAM_SYSTEM, type SourceConfig } from '../../../lib/sources';

/** One request as a test server saw it. */
export interface Seen {
  method: string;
  path: string;
  authorization?: string;
  /** The form of a POST, decoded. */
  form: Record<string, string>;
}

export interface TestServer {
  url: string;
  seen: Seen[];
  close(): Promise<void>;
}

type Handler = (req: http.IncomingMessage, seen: Seen, res: http.ServerResponse) => unknown;

/** A real HTTP (or, with `tls`, HTTPS) server on a free port of 127.0.0.1, recording every request. */
export async function listen(handler: Handler, tls?: https.ServerOptions): Promise<TestServer> {
  const seen: Seen[] = [];
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const entry: Seen = { method: req.method!, path: req.url!, authorization: req.headers.authorization, form: Object.fromEntries(new URLSearchParams(body)) };
      seen.push(entry);
      void handler(req, entry, res);
    });
  };
  const server = tls ? https.createServer(tls, onRequest) : http.createServer(onRequest);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const json = (res: http.ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}) =>
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));

/**
 * An OAuth 2.0 authorization server's token endpoint (RFC 6749 §3.2): issues `token-1`,
 * `token-2`, … with `expires_in`, into `valid` (the tokens the resource server accepts).
 * `check` may refuse a request with an RFC 6749 §5.2 error.
 */
export async function tokenEndpoint(options: { expiresIn?: number | string | null; check?: (seen: Seen, req: http.IncomingMessage) => Promise<string | undefined> | string | undefined; tls?: https.ServerOptions } = {}) {
  const valid = new Set<string>();
  let issued = 0;
  const server = await listen(async (req, seen, res) => {
    const refusal = await options.check?.(seen, req);
    if (refusal) return json(res, refusal === 'invalid_client' ? 401 : 400, { error: refusal, error_description: 'client TREM75561212 is not known' });
    const token = `token-${++issued}`;
    valid.add(token);
    const expiresIn = options.expiresIn === undefined ? 300 : options.expiresIn;
    json(res, 200, { access_token: token, token_type: 'Bearer', ...(expiresIn === null ? {} : { expires_in: expiresIn }) }, { 'cache-control': 'no-store' });
  }, options.tls);
  return { ...server, tokenUrl: `${server.url}/oauth2/token`, valid, issued: () => issued };
}

/** A FHIR-like searchset of one MedicationDispense, with a next link when `next` is given. */
export const searchset = (id: string, next?: string) => ({
  resourceType: 'Bundle',
  type: 'searchset',
  link: next ? [{ relation: 'next', url: next }] : [],
  entry: [{ resource: { resourceType: 'MedicationDispense', id, status: 'completed', subject: { reference: 'Patient/1203' } }, search: { mode: 'match' } }],
});

/**
 * A FHIR server that answers only requests bearing one of `valid` (RFC 6750 §3: 401 with
 * WWW-Authenticate otherwise). Routes: `_search` answers page 1 with a next link on its own
 * origin, `?page=2` the last page; `routes` adds or overrides paths.
 */
export async function protectedFhir(valid: Set<string> | ((authorization?: string) => boolean), options: { tls?: https.ServerOptions; routes?: Record<string, Handler> } = {}) {
  const accepts = typeof valid === 'function' ? valid : (authorization?: string) => authorization?.startsWith('Bearer ') === true && valid.has(authorization.slice(7));
  const server: TestServer = await listen((req, seen, res) => {
    const route = options.routes?.[new URL(seen.path, 'http://x').pathname];
    if (route) return route(req, seen, res);
    if (!accepts(seen.authorization)) return json(res, 401, { resourceType: 'OperationOutcome', issue: [{ diagnostics: 'token for TREM75561212 expired' }] }, { 'www-authenticate': 'Bearer error="invalid_token"' });
    if (seen.path.includes('page=2')) return json(res, 200, searchset('4502'));
    json(res, 200, searchset('4501', `${server.url}/fhir?page=2`));
  }, options.tls);
  return server;
}

/** A pharmacy as the sources file gives it, at `url`, with `extra` (auth, clientTls). */
export const pharmacyAt = (id: string, url: string, extra: Partial<SourceConfig> = {}): SourceConfig => ({
  id,
  name: 'Pharmacie du Plateau',
  domain: 'MEDICATIONS',
  protocol: 'fhir-r4',
  url: `${url}/fhir`,
  region: 'Montréal',
  area: 'Centre',
  patientId: 'nam',
  namSystem: DEFAULT_NAM_SYSTEM,
  timeZone: 'America/Montreal',
  ...extra,
});

/** OpenSSL settings for a throw-away PKI: the source's CA, its server (IP SAN 127.0.0.1), our client. */
/** Certificates for the specs: a source CA, its server, our client; a client and a server from another CA. */
export const makeSourcePki = (dir: string) =>
  makePki(dir, ['source-ca', 'other-ca'], [
    ['source-server', 'source-ca', 'server'],
    ['gateway-client', 'source-ca', 'client'],
    ['stranger', 'other-ca', 'client'],
    ['impostor-server', 'other-ca', 'server'],
  ]);
