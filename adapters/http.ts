import { SourceError } from './port';

export interface HttpRequest {
  url: string;
  method?: 'GET' | 'POST';
  accept: string;
  /** Form body (FHIR `_search` over POST). */
  form?: URLSearchParams;
  signal: AbortSignal;
}

/**
 * Fetches JSON from a source. Errors say what went wrong in general terms (status code, "not
 * JSON"); they never include the response body or headers, which may carry patient data.
 */
export async function fetchJson(request: HttpRequest): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: request.method ?? 'GET',
      headers: {
        accept: request.accept,
        ...(request.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: request.form?.toString(),
      signal: request.signal,
      redirect: 'follow',
    });
  } catch (error) {
    if (request.signal.aborted) throw new SourceError('timeout', 'no answer in time');
    throw new SourceError('network', (error as { cause?: { code?: string } }).cause?.code ?? 'connection failed');
  }
  if (response.status === 204) {
    await response.body?.cancel();
    return undefined;
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    throw new SourceError('http-status', `HTTP ${response.status}`);
  }
  let text: string;
  try {
    text = await response.text();
  } catch {
    if (request.signal.aborted) throw new SourceError('timeout', 'no answer in time');
    throw new SourceError('network', 'body interrupted');
  }
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new SourceError('malformed', 'response is not JSON');
  }
}
