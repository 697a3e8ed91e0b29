import { performance } from 'node:perf_hooks';

/**
 * How long a source takes to answer. `ms` is one value for every source, or a list handed out
 * round-robin by source index (source i gets ms[i % length]; sources are indexed pharmacies
 * first, then clinics, then PACS, as in the sources file). `jitterMs` adds 0 to jitterMs more,
 * drawn per answer, as a real network does.
 */
export interface LatencyRule {
  ms: number | readonly number[];
  jitterMs?: number;
}

/** What WorldOptions.latency accepts: the rule, or its `ms` alone. */
export type LatencyOption = number | readonly number[] | LatencyRule;

const isMs = (value: unknown) => typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 60_000;

/** The rule an option stands for; throws on anything that is not milliseconds between 0 and 60 s. */
export function latencyRule(option: LatencyOption | undefined): LatencyRule {
  const rule: LatencyRule = option === undefined ? { ms: 0 } : typeof option === 'number' || Array.isArray(option) ? { ms: option as number | number[] } : (option as LatencyRule);
  const list = typeof rule.ms === 'number' ? [rule.ms] : rule.ms;
  if (!Array.isArray(list) || list.length === 0 || !list.every(isMs)) throw new Error('latency: ms must be a number or a non-empty list of milliseconds (0 to 60000)');
  if (rule.jitterMs !== undefined && !isMs(rule.jitterMs)) throw new Error('latency: jitterMs must be milliseconds (0 to 60000)');
  return { ms: typeof rule.ms === 'number' ? rule.ms : [...list], ...(rule.jitterMs ? { jitterMs: rule.jitterMs } : {}) };
}

/** A source's latency before jitter. */
export function baseLatencyOf(rule: LatencyRule, sourceIndex: number): number {
  return typeof rule.ms === 'number' ? rule.ms : rule.ms[sourceIndex % rule.ms.length];
}

/** This answer's latency: the source's, plus its draw of jitter. */
export const latencyOf = (rule: LatencyRule, sourceIndex: number) => baseLatencyOf(rule, sourceIndex) + (rule.jitterMs ? Math.random() * rule.jitterMs : 0);

/**
 * Resolves once performance.now() has reached `at`. A timer, never a busy wait, so thousands of
 * answers wait at once; re-armed when it fires early (Node starts timers from the event loop's
 * cached clock, which lags behind a busy tick), so an answer never comes sooner than its latency.
 */
export function waitUntil(at: number): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      const left = at - performance.now();
      if (left <= 0) resolve();
      else setTimeout(check, Math.ceil(left));
    };
    check();
  });
}
