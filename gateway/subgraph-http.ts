import { Pool } from 'undici';

/** What @apollo/gateway's RemoteGraphQLDataSource reads of a fetch response. */
interface SubgraphResponse {
  ok: boolean;
  status: number;
  statusText: string;
  url: string;
  headers: { get(name: string): string | null };
  json(): Promise<unknown>;
  text(): Promise<string>;
}

/**
 * The gateway's HTTP client to one subgraph: an undici connection pool with keep-alive (issue #7
 * §4), shaped as the fetch function RemoteGraphQLDataSource calls. Its default client
 * (make-fetch-happen) brings an HTTP cache, retries and proxy handling that a call between our own
 * services never needs, and costs CPU on every call.
 */
export function subgraphFetcher(url: string, options: { connections?: number; timeoutMs?: number } = {}) {
  const target = new URL(url);
  const pool = new Pool(target.origin, {
    connections: options.connections ?? 64,
    keepAliveTimeout: 30_000,
    headersTimeout: options.timeoutMs ?? 30_000,
    bodyTimeout: options.timeoutMs ?? 30_000,
  });
  const fetcher = async (requestUrl: string, init: { method?: string; headers?: Record<string, string>; body?: string }): Promise<SubgraphResponse> => {
    const { pathname, search } = new URL(requestUrl);
    const response = await pool.request({ path: pathname + search, method: (init.method ?? 'POST') as 'POST', headers: init.headers, body: init.body });
    const text = await response.body.text();
    const header = (name: string) => {
      const value = response.headers[name.toLowerCase()];
      return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
    };
    return {
      ok: response.statusCode >= 200 && response.statusCode < 300,
      status: response.statusCode,
      statusText: '',
      url: requestUrl,
      headers: { get: header },
      json: async () => JSON.parse(text),
      text: async () => text,
    };
  };
  return { fetcher, close: () => pool.close() };
}
