import { isUnknownToSources, type DemoPerson } from '../../../demo/people';
import { startTestStack, type TestStack, type TestStackOptions } from '../../support/stack';
import { startTcpProxy, targetOf, type TcpProxy } from './tcp-proxy';

/** Tight database limits for the fault suites, so an outage is answered in seconds (DB_* variables). */
export const CONNECT_TIMEOUT_MS = 1000;
export const STATEMENT_TIMEOUT_MS = 2000;
/** pg's own timer fires this long after statement_timeout (lib/db.ts CLIENT_GRACE_MS). */
const CLIENT_GRACE_MS = 500;
/** The longest a request may take while the database fails: one connect or one statement, and a little. */
export const OUTAGE_ANSWER_BOUND_MS = CONNECT_TIMEOUT_MS + STATEMENT_TIMEOUT_MS + CLIENT_GRACE_MS + 1000;

export const RECORD_READ = 'query($nam: NAM!) { patient(nam: $nam) { recordStatus medications { id } labResults { id } } }';
export const codeOf = (body: { errors?: { extensions?: { code?: string } }[] }) => body.errors?.[0]?.extensions?.code;

/** People the demo sources hold records for (so a read that succeeds returns records). */
export const peopleWithRecords = (stack: TestStack): DemoPerson[] => stack.people.filter((p) => p.region === 'Montréal' && !isUnknownToSources(p));

/** The whole stack with its PostgreSQL reached through a proxy of the test's own (schema and migrations done through it, healthy). */
export async function stackBehindProxy(options: TestStackOptions = {}): Promise<{ stack: TestStack; proxy: TcpProxy }> {
  const databaseUrl = process.env.DATABASE_URL!;
  const proxy = await startTcpProxy(targetOf(databaseUrl));
  try {
    const stack = await startTestStack({
      ...options,
      env: {
        DATABASE_URL: proxy.urlFor(databaseUrl),
        DB_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
        DB_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
        ...options.env,
      },
    });
    return { stack, proxy };
  } catch (error) {
    await proxy.close();
    throw error;
  }
}

export async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const started = performance.now();
  const result = await work();
  return { ms: performance.now() - started, result };
}

/** Retries `attempt` until it says yes, and says how long that took (ms), or throws after `withinMs`. */
export async function timeUntil(attempt: () => Promise<boolean>, withinMs: number, everyMs = 100): Promise<number> {
  const started = performance.now();
  while (!(await attempt())) {
    if (performance.now() - started > withinMs) throw new Error(`not within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return performance.now() - started;
}

/** Percentile (0-100) of a list of numbers, nearest rank. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
