import { circuitBreaker, ConsecutiveBreaker, handleAll, timeout, TimeoutStrategy, wrap, type IPolicy } from 'cockatiel';
import type { SourceConfig } from '../lib/sources';

/**
 * Resilience per source (cockatiel): a timeout that aborts the request, and a circuit breaker so a
 * source that keeps failing is not waited on by every request until it recovers. With hundreds of
 * sources one slow pharmacy must cost the record one timeout at most, not one per person.
 */
export class SourceGuards {
  private readonly policies = new Map<string, IPolicy>();

  constructor(
    private readonly options: {
      timeoutMs: number;
      failuresBeforeOpen?: number;
      halfOpenAfterMs?: number;
      /** Told when a source's circuit opens (its requests fail at once) and closes again (ops/metrics.ts). */
      onCircuit?: (sourceId: string, open: boolean) => void;
    },
  ) {}

  policyFor(source: SourceConfig): IPolicy {
    let policy = this.policies.get(source.id);
    if (!policy) {
      const breaker = circuitBreaker(handleAll, {
        halfOpenAfter: this.options.halfOpenAfterMs ?? 10_000,
        breaker: new ConsecutiveBreaker(this.options.failuresBeforeOpen ?? 5),
      });
      const onCircuit = this.options.onCircuit;
      if (onCircuit) {
        // Half-open lets one trial request through; the circuit counts as open until it succeeds.
        breaker.onBreak(() => onCircuit(source.id, true));
        breaker.onReset(() => onCircuit(source.id, false));
      }
      // A call that returned has nothing left to abort: aborting anyway (cockatiel's default) builds an
      // AbortError, stack trace and all, for every call to every source, a cost the view path paid.
      policy = wrap(breaker, timeout(source.timeoutMs ?? this.options.timeoutMs, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false }));
      this.policies.set(source.id, policy);
    }
    return policy;
  }
}
