/**
 * Liveness and readiness, as orchestrators probe them. Both answer without a token and say
 * nothing personal: a fixed status and, for readiness, "ok" or "fail" per dependency, named by
 * what it is (database, redis, subgraph:<name>, mllp:<source id>), never by an address or an error.
 */

/** One dependency a service needs to do its work: resolves when it answers, rejects (or hangs) when not. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<unknown>;
  /**
   * A dependency the service works without, less well (the answer cache: Redis down is a miss):
   * its failure makes the service `degraded`, still ready, so a cache outage cannot take every
   * gateway out of its load balancer at once.
   */
  optional?: boolean;
}

export type CheckState = 'ok' | 'fail';

export interface Readiness {
  status: 'ok' | 'degraded' | 'unavailable';
  checks: Record<string, CheckState>;
}

/** A probe must answer before the orchestrator's own timeout (Kubernetes: 1 s by default, often raised). */
export const CHECK_TIMEOUT_MS = 2_000;

/** Alive: the process answers HTTP. Nothing is checked, so a slow database never gets a live process restarted. */
export const LIVENESS = { status: 'ok' } as const;

/** Runs every check at once, each bounded by `timeoutMs`, and sums them up. */
/** Readiness checks, or how to list them now (a service whose parts come and go when the sources file is reloaded). */
export type ReadinessChecks = readonly ReadinessCheck[] | (() => readonly ReadinessCheck[]);
export const checksNow = (checks: ReadinessChecks | undefined): readonly ReadinessCheck[] => (typeof checks === 'function' ? checks() : (checks ?? []));

export async function readiness(checks: readonly ReadinessCheck[], timeoutMs = CHECK_TIMEOUT_MS): Promise<Readiness> {
  const states = await Promise.all(checks.map((c) => stateOf(c, timeoutMs)));
  const failed = (optional: boolean) => checks.some((c, i) => states[i] === 'fail' && !!c.optional === optional);
  return {
    status: failed(false) ? 'unavailable' : failed(true) ? 'degraded' : 'ok',
    checks: Object.fromEntries(checks.map((c, i) => [c.name, states[i]])),
  };
}

/** HTTP status of a readiness answer: 503 takes the service out of rotation until it is ready again. */
export const readinessStatus = (ready: Readiness) => (ready.status === 'unavailable' ? 503 : 200);

async function stateOf(check: ReadinessCheck, timeoutMs: number): Promise<CheckState> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
  });
  try {
    await Promise.race([Promise.resolve().then(() => check.check()), late]);
    return 'ok';
  } catch {
    return 'fail';
  } finally {
    clearTimeout(timer);
  }
}
