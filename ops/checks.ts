import type { ReadinessCheck } from './health';

/**
 * The dependencies services check for readiness. Each takes the part itself (passed down from
 * the service's start), never a connection of its own: a probe must see what requests see.
 */

/** The database answers a trivial statement (within DB_STATEMENT_TIMEOUT_MS, else the check's own timeout). */
export const databaseCheck = (db: { query(sql: string): Promise<unknown> }): ReadinessCheck => ({ name: 'database', check: () => db.query('SELECT 1') });

/** Redis answers PING. Optional: without it the answer cache misses and the sources are asked. */
export const redisCheck = (cache: { ping?(): Promise<void> }): ReadinessCheck => ({ name: 'redis', optional: true, check: () => cache.ping?.() ?? Promise.resolve() });

/** Another service answers its liveness probe (the gateway's subgraphs run apart). */
export function httpHealthCheck(name: string, serviceUrl: string, timeoutMs = 1_000): ReadinessCheck {
  const url = new URL('/health', serviceUrl).toString();
  return {
    name,
    async check() {
      const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`status ${response.status}`);
    },
  };
}

/** A listener of this process (a lab source's MLLP port) still accepts connections. */
export const listeningCheck = (name: string, listening: () => boolean): ReadinessCheck => ({
  name,
  check: async () => {
    if (!listening()) throw new Error('not listening');
  },
});

/** A part that runs inside this process (a subgraph in the gateway's): ready as long as the process is. */
export const inProcessCheck = (name: string): ReadinessCheck => ({ name, check: async () => undefined });
