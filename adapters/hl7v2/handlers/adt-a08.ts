import { readA08 } from '../adt';
import type { MessageHandler } from '../handler';
import { applyEvent } from './patient-event';

/**
 * ADT^A08, update patient information (v2.5.1 Ch. 3 §3.3.8), from any MLLP source: PID-3's MRs
 * are linked to its NAM in the cross-reference (./patient-events.ts). Answered ACK^A08^ACK.
 */
export const adtA08: MessageHandler = {
  code: 'ADT^A08',
  logAs: 'patient message',
  ready: (context) => !!context.patients,
  async handle(message, _header, context) {
    const read = readA08(message);
    if (!read.ok) return { outcome: read.rejection };
    return applyEvent('A08', () => context.patients!.update(context.source.id, read.message));
  },
};
