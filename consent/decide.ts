import type { AccessLog } from './access-log';
import type { ConsentStates } from './consent-states';

/** What the consent rules decided for one person's record in one request. */
export type RecordDecision =
  | { open: true; closedBefore: null; reason: 'active' | 'consulted-before-refusal' }
  | { open: true; closedBefore: string; reason: 'partial-refusal' }
  | { open: false; reason: 'refused' };

/**
 * QHR refusal (issue #4 §3-4): a record is open unless the person refused it. After a refusal it
 * is closed, except to a provider who consulted it before the refusal took effect (a GRANTED entry
 * in the access log earlier than the refusal). A partial refusal closes only what the sources
 * recorded before its date.
 */
export async function decideRecords(
  providerId: string,
  nams: readonly string[],
  deps: { states: Pick<ConsentStates, 'get'>; accessLog: Pick<AccessLog, 'consultedBefore'> },
): Promise<Map<string, RecordDecision>> {
  const states = await deps.states.get(nams);
  const refusedAt = new Map<string, string>();
  for (const [nam, state] of states) if (state.status === 'REFUSED' && state.effectiveAt) refusedAt.set(nam, state.effectiveAt);
  const consulted = refusedAt.size > 0 ? await deps.accessLog.consultedBefore(providerId, [...refusedAt.keys()], refusedAt) : new Set<string>();
  const decisions = new Map<string, RecordDecision>();
  for (const nam of new Set(nams)) {
    const state = states.get(nam);
    if (!state || state.status !== 'REFUSED') decisions.set(nam, { open: true, closedBefore: null, reason: 'active' });
    else if (consulted.has(nam)) decisions.set(nam, { open: true, closedBefore: null, reason: 'consulted-before-refusal' });
    else if (state.collectedBefore) decisions.set(nam, { open: true, closedBefore: state.collectedBefore, reason: 'partial-refusal' });
    else decisions.set(nam, { open: false, reason: 'refused' });
  }
  return decisions;
}
