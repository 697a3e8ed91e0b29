import type { MessageHandler } from '../handler';
import { failureOf } from '../handler';
import { readOru } from '../oru';
import { ErrorCode, reject } from '../rejection';
import { withNamFromXref } from '../xref-fill';

/**
 * ORU^R01, unsolicited observation results (v2.5.1 Ch. 7 §7.3.1), from a laboratory: each OBX
 * becomes a lab result in the lab store (./lab-store.ts), PID-3's NAM <-> MR links go to the
 * cross-reference and the NAMs to the record locator in the same transaction.
 */
export const oruR01: MessageHandler = {
  code: 'ORU^R01',
  domains: ['LAB_RESULTS'],
  logAs: 'lab message',
  ready: (context) => !!context.store,
  async handle(message, _header, context) {
    const read = readOru(message, context.source);
    if (!read.ok) return { outcome: read.rejection };
    for (const group of read.message.patients) group.patient = await withNamFromXref(group.patient, context.source.id, context.xref, context.logger);
    let saved;
    try {
      saved = await context.store!.saveMessage(context.source.id, read.message);
    } catch (error) {
      // Never AA without the rows on disk: AE so the sender keeps the message and sends it again.
      return { outcome: reject('AE', ErrorCode.INTERNAL, 'the message could not be stored; send it again'), fields: { failure: failureOf(error) } };
    }
    if (saved === 'conflict') return { outcome: reject('AE', ErrorCode.DUPLICATE_KEY, 'MSH-10 was already used by this sender for another message', { segment: 'MSH', sequence: 1, field: 10 }) };
    const results = read.message.patients.reduce((n, p) => n + p.results.length, 0);
    return { outcome: { ackCode: 'AA', text: saved === 'duplicate' ? 'already received; stored once' : 'OK' }, fields: { results, duplicate: saved === 'duplicate' } };
  },
};
