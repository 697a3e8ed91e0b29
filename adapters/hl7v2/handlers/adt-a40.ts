import { readA40 } from '../adt';
import type { MessageHandler } from '../handler';
import { applyEvent } from './patient-event';

/**
 * ADT^A40, merge patient - patient identifier list (v2.5.1 Ch. 3 §3.3.40), from any MLLP source:
 * MRG-1's ids are retired into PID-3's, with their links and records (./patient-events.ts).
 * Answered ACK^A40^ACK.
 */
export const adtA40: MessageHandler = {
  code: 'ADT^A40',
  logAs: 'patient message',
  ready: (context) => !!context.patients,
  async handle(message, _header, context) {
    const read = readA40(message);
    if (!read.ok) return { outcome: read.rejection };
    return applyEvent('A40', () => context.patients!.merge(context.source.id, read.message), { merges: read.message.merges.length });
  },
};
