import { SourceError } from './port';

export interface HttpRequest {
  url: string;
  method?: 'GET' | 'POST';
  accept: string;
  /** Form body (FHIR `_search` over POST). */
  form?: URLSearchParams;
  signal: AbortSignal;
  /** This request alone may take this long (a roster read is many requests, each bounded). */
  timeoutMs?: number;
}

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
export async function fetchJsonAnswer(request: HttpRequest): Promise<JsonAnswer> {
  const signal = request.timeoutMs ? AbortSignal.any([request.signal, AbortSignal.timeout(request.timeoutMs)]) : request.signal;
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: request.method ?? 'GET',
      headers: {
        accept: request.accept,
        ...(request.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: request.form?.toString(),
      signal,
      redirect: 'follow',
    });
  } catch (error) {
    if (signal.aborted) throw new SourceError('timeout', 'no answer in time');
    throw new SourceError('network', (error as { cause?: { code?: string } }).cause?.code ?? 'connection failed');
  }
  const date = httpDateOf(response.headers.get('date'));
  if (response.status === 204) {
    await response.body?.cancel();
    return { body: undefined, date };
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    throw new SourceError('http-status', `HTTP ${response.status}`);
  }
  let text: string;
  try {
    text = await response.text();
  } catch {
    if (signal.aborted) throw new SourceError('timeout', 'no answer in time');
    throw new SourceError('network', 'body interrupted');
  }
  if (text.trim() === '') return { body: undefined, date };
  try {
    return { body: JSON.parse(text), date };
  } catch {
    throw new SourceError('malformed', 'response is not JSON');
  }
}

/** An HTTP-date (RFC 9110 §5.6.7, IMF-fixdate and the obsolete forms Date.parse also reads). */
function httpDateOf(value: string | null): Date | undefined {
  if (!value) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : new Date(at);
}
