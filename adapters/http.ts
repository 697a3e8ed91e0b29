import http from 'node:http';
import https from 'node:https';
import { trace } from '@opentelemetry/api';
import { inSpan, SpanKind, TRACER_NAME } from '../ops/spans';
import { traceHeaders } from '../ops/trace-context';
import { SHARED_AGENTS } from './http-agents';
import { SourceError } from './port';
import type { SourceConnections } from './source-connections';

export interface HttpRequest {
  url: string;
  method?: 'GET' | 'POST';
  accept: string;
  /** Form body (FHIR `_search` over POST). */
  form?: URLSearchParams;
  signal: AbortSignal;
  /** This request alone may take this long (a roster read is many requests, each bounded). */
  timeoutMs?: number;
  /** The source asked (its configured id), named on the request's span. */
  sourceId?: string;
  /** The service's source credentials (adapters/source-connections.ts), where the source's are found by its id. */
  connections?: Pick<SourceConnections, 'of'>;
  /** Reads the body's text (JSON.parse unless given: FHIR keeps its decimals as sent, adapters/fhir/json.ts). */
  parse?: (text: string) => unknown;
}

/** Which source a request is for, and where the service keeps its credentials: what adapters pass down to each request. */
export type SourceRoute = Pick<HttpRequest, 'sourceId' | 'connections'>;

/** Fetches JSON from a source: the body of fetchJsonAnswer. */
export async function fetchJson(request: HttpRequest): Promise<unknown> {
  return (await fetchJsonAnswer(request)).body;
}

/** A source's JSON answer with the one header a roster read needs. */
export interface JsonAnswer {
  /** The parsed body; undefined for 204 or an empty body. */
  body: unknown;
  /**
   * The Date header (RFC 9110 §6.6.1): when the server sent the answer, by the server's own clock.
   * Absent when missing or unreadable.
   */
  date?: Date;
}

/**
 * Fetches JSON from a source, with the Date header (roster reads take their cursor from the
 * source's clock, not ours). Errors say what went wrong in general terms (status code, "not
 * JSON"); they never include the response body or headers, which may carry patient data.
 */
export function fetchJsonAnswer(request: HttpRequest): Promise<JsonAnswer> {
  // A span per call to a source (issue #10 §3), with the source id, the method, the origin and path
  // and the status: never the query string (a DICOMweb search carries the PatientID there, a FHIR
  // paging link may carry anything). The tracer is the API's global one, which ops/tracing.ts
  // registers: a source call sits under the RecordSource/RosterSource ports, far from any options
  // object, and without a registered SDK this tracer is the API's no-op.
  const url = URL.canParse(request.url) ? new URL(request.url) : undefined;
  const attributes = {
    'qhr.source_id': request.sourceId ?? 'unknown',
    'http.request.method': request.method ?? 'GET',
    ...(url ? { 'server.address': url.hostname, 'server.port': Number(url.port) || (url.protocol === 'https:' ? 443 : 80), 'url.path': url.pathname } : {}),
  };
  return inSpan(trace.getTracer(TRACER_NAME), 'source request', attributes, (span) => askSource(request, url, (status) => span?.setAttribute('http.response.status_code', status)), { kind: SpanKind.CLIENT });
}

/**
 * `url`: request.url, parsed once by the caller (undefined when it does not parse).
 *
 * A source with credentials (adapters/source-connections.ts) is asked at its own origin only: a request elsewhere
 * (a paging link, a retrieve URL a server handed out) is refused before anything is sent, so
 * neither its token nor its client certificate ever reaches another host. A 401 is answered by
 * fetching a new token and asking once more; a second 401 is "unauthorized".
 */
async function askSource(request: HttpRequest, url: URL | undefined, onStatus: (status: number) => void): Promise<JsonAnswer> {
  if (!url) throw new SourceError('network', 'ERR_INVALID_URL');
  const credentials = request.sourceId !== undefined ? request.connections?.of(request.sourceId) : undefined;
  const origin = credentials?.origin ?? url.origin;
  if (url.origin !== origin) throw new SourceError('malformed', "a link to another origin than the source's was not followed");
  const signal = request.timeoutMs ? AbortSignal.any([request.signal, AbortSignal.timeout(request.timeoutMs)]) : request.signal;
  const authorizer = credentials?.authorizer;
  const send = async () => {
    const authorization = await authorizer?.authorization(signal);
    const answer = await exchange(url, { method: request.method ?? 'GET', accept: request.accept, body: request.form?.toString(), signal, redirects: MAX_REDIRECTS, origin, authorization, agent: credentials?.agent });
    return { answer, authorization };
  };
  let answer: RawAnswer;
  try {
    let sent = await send();
    // RFC 6750 §3.1 invalid_token: the token expired or was revoked before we thought; one new one.
    if (sent.answer.status === 401 && sent.authorization && authorizer!.renew(sent.authorization)) sent = await send();
    answer = sent.answer;
  } catch (error) {
    if (error instanceof SourceError) throw error;
    if (signal.aborted) throw new SourceError('timeout', 'no answer in time');
    throw new SourceError('network', (error as NodeJS.ErrnoException).code ?? 'connection failed');
  }
  onStatus(answer.status);
  const date = httpDateOf(answer.date);
  if (answer.status === 204) return { body: undefined, date };
  if (answer.status === 401) throw new SourceError('http-status', 'unauthorized');
  if (answer.status < 200 || answer.status > 299) throw new SourceError('http-status', `HTTP ${answer.status}`);
  if (answer.text.trim() === '') return { body: undefined, date };
  try {
    return { body: (request.parse ?? JSON.parse)(answer.text), date };
  } catch {
    throw new SourceError('malformed', 'response is not JSON');
  }
}

/**
 * As fetch's `redirect: 'follow'` (WHATWG Fetch §4.4), within the source's origin only: a source
 * behind a moved base still answers, and a few hops are plenty for that.
 */
const MAX_REDIRECTS = 5;

interface RawAnswer {
  status: number;
  date: string | null;
  text: string;
}

/** One request and the redirects it leads to. */
interface Exchange {
  method: 'GET' | 'POST';
  accept: string;
  body?: string;
  signal: AbortSignal;
  /** How many more redirects may be followed. */
  redirects: number;
  /** The only origin a redirect may lead to: the source's. */
  origin: string;
  /** The Authorization header's value, when the source has auth. */
  authorization?: string;
  /** The source's own agent (its client TLS), when it has one. */
  agent?: http.Agent;
}

function exchange(url: URL, x: Exchange): Promise<RawAnswer> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return Promise.reject(new SourceError('network', 'unsupported URL scheme'));
  const { method, body, signal } = x;
  // W3C Trace Context §3.2: the source (or a proxy in front of it) may join the trace; nothing when tracing is off.
  const headers: http.OutgoingHttpHeaders = {
    accept: x.accept,
    ...traceHeaders(),
    ...(x.authorization ? { authorization: x.authorization } : {}),
    ...(body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } : {}),
  };
  return new Promise<RawAnswer>((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const outgoing = client.request(url, { method, headers, agent: x.agent ?? SHARED_AGENTS[url.protocol as 'http:' | 'https:'], signal }, (response) => {
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if ([301, 302, 303, 307, 308].includes(status) && location) {
        response.resume();
        if (x.redirects === 0) return reject(new SourceError('http-status', 'too many redirects'));
        const next = URL.canParse(location, url.href) ? new URL(location, url) : undefined;
        // Another origin is another host (or scheme, or port) than the sources file names: our
        // credentials and the people asked about stay with the source. Only the fact is said.
        if (next?.origin !== x.origin) return reject(new SourceError('http-status', 'redirect to another origin refused'));
        // 303, and 301/302 after a POST, become a GET without a body (WHATWG Fetch §4.4 step 12).
        const asGet = status === 303 || ((status === 301 || status === 302) && method === 'POST');
        return void exchange(next, { ...x, method: asGet ? 'GET' : method, body: asGet ? undefined : body, redirects: x.redirects - 1 }).then(resolve, reject);
      }
      const date = typeof response.headers.date === 'string' ? response.headers.date : null;
      if (status < 200 || status > 299 || status === 204) {
        response.resume();
        return resolve({ status, date, text: '' });
      }
      response.setEncoding('utf8');
      let text = '';
      response.on('data', (chunk: string) => (text += chunk));
      response.once('end', () => resolve({ status, date, text }));
      const interrupted = () => reject(signal.aborted ? new SourceError('timeout', 'no answer in time') : new SourceError('network', 'body interrupted'));
      response.once('error', interrupted).once('aborted', interrupted);
    });
    outgoing.once('error', reject);
    outgoing.end(body);
  });
}

/** An HTTP-date (RFC 9110 §5.6.7, IMF-fixdate and the obsolete forms Date.parse also reads). */
function httpDateOf(value: string | null): Date | undefined {
  if (!value) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : new Date(at);
}
