import { graphqlErrorCodesOf } from '../bench/load/graphql-errors';
import type { Outcome } from '../bench/load/result';

/** One GraphQL request of the soak, read whole: its outcome as the bench counts it, and the parsed body. */
export interface Answer {
  outcome: Outcome;
  body?: any;
  ms: number;
}

/** POSTs a body to the gateway; a request that gets no answer within `timeoutMs` is `timeout`, one refused or reset `network`. */
export async function post(url: string, body: string | Uint8Array, headers: Record<string, string>, timeoutMs = 15_000): Promise<Answer> {
  const started = performance.now();
  try {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : new Uint8Array(body), signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { outcome: { status: response.status, errorCodes: graphqlErrorCodesOf(text) }, body: parsed, ms: performance.now() - started };
  } catch (error) {
    return { outcome: { status: (error as Error).name === 'TimeoutError' ? 'timeout' : 'network' }, ms: performance.now() - started };
  }
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
