import { failureOf, type Handled } from '../handler';
import type { EventOutcome } from '../patient-events';
import { ErrorCode, reject } from '../rejection';

/** Runs a patient event and words its ACK; the log gets the event and its counts, never an identifier. */
export async function applyEvent(event: 'A08' | 'A40', run: () => Promise<EventOutcome>, extra: Record<string, unknown> = {}): Promise<Handled> {
  let outcome: EventOutcome;
  try {
    outcome = await run();
  } catch (error) {
    return { outcome: reject('AE', ErrorCode.INTERNAL, 'the message could not be stored; send it again'), fields: { event, failure: failureOf(error) } };
  }
  if (outcome.saved === 'conflict') return { outcome: reject('AE', ErrorCode.DUPLICATE_KEY, 'MSH-10 was already used by this sender for another message', { segment: 'MSH', sequence: 1, field: 10 }), fields: { event } };
  const duplicate = outcome.saved === 'duplicate';
  return { outcome: { ackCode: 'AA', text: duplicate ? 'already received; applied once' : 'OK' }, fields: { event, ...extra, ...outcome.counts, duplicate } };
}
