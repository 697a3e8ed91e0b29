import type { AckAudit } from '../bench/lab/ack-audit';
import type { BadInputReport } from './bad-input';
import type { Counts } from './views';

/** Everything the soak counted (never a body, a NAM or a name). */
export interface SoakFigures {
  minutes: number;
  views: Counts;
  consent: Counts & { changes: number; changesFailed: number; refusedReads: number; refusedServed: number };
  lab: AckAudit;
  badInput: BadInputReport;
  faults: Record<string, number>;
}

/** What must be 0 at the end, by name. */
export function mustBeZero(f: SoakFigures): Record<string, number> {
  return {
    'lab messages acknowledged AA and not stored (lost)': f.lab.lost,
    'lab messages stored without all their results': f.lab.incomplete,
    'refused records served to a provider who never consulted them': f.consent.refusedServed,
  };
}

const list = (counts: Record<string, number>) =>
  Object.entries(counts)
    .sort(([, a], [, b]) => b - a)
    .map(([key, n]) => `${key} ${n}`)
    .join(', ') || 'none';

/** The closing report: what was done, what came back, what held. */
export function reportLines(f: SoakFigures): { lines: string[]; held: boolean } {
  const zero = mustBeZero(f);
  const held = Object.values(zero).every((n) => n === 0);
  const served = f.views.requests + f.consent.requests;
  const faults = Object.values(f.faults).reduce((a, b) => a + b, 0);
  return {
    held,
    lines: [
      `soak: ${f.minutes} min against our services as separate processes`,
      `requests served: ${served} (patient views ${f.views.requests}, reads of records whose consent changes ${f.consent.requests})`,
      `errors by code: ${list(merge(f.views.errorCodes, f.consent.errorCodes))}`,
      `HTTP failures (status, or no answer): ${list(merge(f.views.httpStatuses, f.consent.httpStatuses))}`,
      `consent: ${f.consent.changes} refusals and withdrawals recorded (${f.consent.changesFailed} without a clear answer), ${f.consent.refusedReads} reads of a refused record, ${f.consent.refusedServed} served`,
      `lab messages: sent ${f.lab.sent}, acknowledged ${list(f.lab.acks)}, stored ${f.lab.stored}, lost ${f.lab.lost}, incomplete ${f.lab.incomplete}, stored without AA ${f.lab.storedWithoutAa}`,
      `bad input from the corpus: ${f.badInput.sent} sent, ${f.badInput.asExpected} answered as the corpus says, otherwise: ${list(f.badInput.otherwise)}`,
      `faults injected: ${faults} (${list(f.faults)})`,
      ...Object.entries(zero).map(([what, n]) => `${n === 0 ? 'held' : 'FAILED'}: ${what}: ${n}`),
      held ? 'soak: everything that must be 0 is 0' : 'soak: FAILED',
    ],
  };
}

function merge(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const sum = { ...a };
  for (const [key, n] of Object.entries(b)) sum[key] = (sum[key] ?? 0) + n;
  return sum;
}
