import http from 'node:http';
import https from 'node:https';
import type { SecureContextOptions } from 'node:tls';
import { trace } from '@opentelemetry/api';
import { inSpan, SpanKind, TRACER_NAME } from '../../ops/spans';
import { SourceError } from '../port';
import { isSendableToken } from './secret';

/** A token as the authorization server issued it (RFC 6749 §5.1). */
export interface IssuedToken {
  accessToken: string;
  /** Its lifetime in seconds from issue, when the server says (`expires_in`, RECOMMENDED). */
  expiresInS?: number;
}

export interface TokenRequest {
  tokenUrl: string;
  /** The form of the grant (RFC 6749 §4.4.2, or RFC 7523 §2.2 with an assertion). */
  form: URLSearchParams;
  /** HTTP Basic client authentication (RFC 6749 §2.3.1), when the grant uses it. */
  authorization?: string;
  /** The source's client certificate and CA, so a token endpoint in the same PKI can be reached (RFC 8705 §2). */
  tls?: SecureContextOptions;
  timeoutMs: number;
  /** For the span only. */
  sourceId: string;
}

/** The error codes of RFC 6749 §5.2: a fixed set of words, repeated in errors; nothing else from the answer ever is. */
const OAUTH_ERRORS = new Set(['invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope']);

/** A token answer is a few hundred bytes; anything far larger is not one. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * Asks a token endpoint for an access token (RFC 6749 §4.4.2 / §5). Redirects are not followed:
 * the request carries our client's credentials, which go to the configured URL only. Every
 * failure is a SourceError that names what went wrong in general terms ("token endpoint refused
 * the client: invalid_client"); the answer's body and the token are never in it.
 */
export function requestToken(request: TokenRequest): Promise<IssuedToken> {
  const url = new URL(request.tokenUrl);
  const attributes = { 'qhr.source_id': request.sourceId, 'http.request.method': 'POST', 'server.address': url.hostname, 'url.path': url.pathname };
  return inSpan(trace.getTracer(TRACER_NAME), 'source token request', attributes, async (span) => {
    const { status, text } = await post(url, request);
    span?.setAttribute('http.response.status_code', status);
    return tokenOf(status, text);
  }, { kind: SpanKind.CLIENT });
}

async function post(url: URL, request: TokenRequest): Promise<{ status: number; text: string }> {
  const body = request.form.toString();
  const headers: http.OutgoingHttpHeaders = {
    accept: 'application/json',
    'content-type': 'application/x-www-form-urlencoded',
    'content-length': Buffer.byteLength(body),
    ...(request.authorization ? { authorization: request.authorization } : {}),
  };
  const signal = AbortSignal.timeout(request.timeoutMs);
  const client = url.protocol === 'https:' ? https : http;
  try {
    return await new Promise((resolve, reject) => {
      const outgoing = client.request(url, { method: 'POST', headers, signal, ...(url.protocol === 'https:' ? request.tls : {}) }, (response) => {
        const status = response.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) return void response.destroy(new SourceError('malformed', 'token endpoint answer is too large'));
          chunks.push(chunk);
        });
        response.once('end', () => resolve({ status, text: Buffer.concat(chunks).toString('utf8') }));
        response.once('error', reject);
      });
      outgoing.once('error', reject);
      outgoing.end(body);
    });
  } catch (error) {
    if (error instanceof SourceError) throw error;
    if (signal.aborted) throw new SourceError('timeout', 'token endpoint did not answer in time');
    throw new SourceError('network', `token endpoint: ${(error as NodeJS.ErrnoException).code ?? 'connection failed'}`);
  }
}

function tokenOf(status: number, text: string): IssuedToken {
  const json = parsed(text);
  if (status >= 300 && status < 400) throw new SourceError('http-status', `token endpoint redirected (HTTP ${status}); not followed`);
  if (status < 200 || status > 299) {
    // RFC 6749 §5.2: 400 (or 401 for a client that failed to authenticate) with a registered code.
    const code = typeof json?.error === 'string' && OAUTH_ERRORS.has(json.error) ? `: ${json.error}` : '';
    throw new SourceError('http-status', `token endpoint refused (HTTP ${status})${code}`);
  }
  if (!json) throw new SourceError('malformed', 'token endpoint answer is not JSON');
  const token = json.access_token;
  if (typeof token !== 'string' || !isSendableToken(token)) throw new SourceError('malformed', 'token endpoint answer has no usable access_token');
  // RFC 6749 §7.1: the type decides how the token is used; only bearer tokens (RFC 6750) are sent as they are.
  if (typeof json.token_type !== 'string' || json.token_type.toLowerCase() !== 'bearer') throw new SourceError('malformed', 'token endpoint issued a token that is not of type bearer');
  const expiresIn = typeof json.expires_in === 'string' && /^\d+$/.test(json.expires_in) ? Number(json.expires_in) : json.expires_in;
  if (expiresIn === undefined) return { accessToken: token };
  if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn <= 0) throw new SourceError('malformed', 'token endpoint answer has an unreadable expires_in');
  return { accessToken: token, expiresInS: expiresIn };
}

function parsed(text: string): Record<string, unknown> | undefined {
  try {
    const json: unknown = JSON.parse(text);
    return typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
