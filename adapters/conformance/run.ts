import { checksFor, Failed, Skip, type Check, type CheckContext } from './checks';
import { captureLog } from './log-capture';
import { personalWordsOf } from './personal-words';
import { profileOf } from './profiles';
import type { RequestCounter } from './request-count';
import type { ConformanceSubject } from './subject';

export interface CheckResult {
  name: string;
  outcome: 'passed' | 'failed' | 'skipped';
  /** What was seen, or why it failed or was skipped: counts, kinds, field paths; never a NAM or a value. */
  detail: string;
}

/**
 * Runs every check of the conformance suite against one subject, in order, and reports each as it
 * ends. The same checks serve the CI specs (test/conformance/, demo sources) and the integrator's
 * `npm run conformance` (a live source). Only reads: nothing is ever written to the source.
 */
export async function runConformance(
  subject: ConformanceSubject,
  options: { counter?: RequestCounter; onResult?(result: CheckResult): void } = {},
): Promise<CheckResult[]> {
  const log = captureLog();
  const words = personalWordsOf(subject.people, subject.personalWords);
  const context: CheckContext = {
    subject,
    profile: profileOf(subject.source.protocol),
    log,
    words,
    counter: options.counter,
    sources: subject.recordSources(subject.source, log.logger),
  };
  const results: CheckResult[] = [];
  for (const check of checksFor(subject)) {
    const result = await runCheck(check, context);
    results.push(result);
    options.onResult?.(result);
  }
  return results;
}

async function runCheck(check: Check, context: CheckContext): Promise<CheckResult> {
  try {
    return { name: check.name, outcome: 'passed', detail: await check.run(context) };
  } catch (error) {
    if (error instanceof Skip) return { name: check.name, outcome: 'skipped', detail: error.message };
    if (error instanceof Failed) return { name: check.name, outcome: 'failed', detail: error.message };
    // An unexpected error's message may quote anything: its class only.
    return { name: check.name, outcome: 'failed', detail: `the check stopped on an unexpected ${(error as Error)?.name ?? 'error'}` };
  }
}
