import { failureOf, type MessageHandler } from '../handler';
import { readRds } from '../rds';
import { ErrorCode, reject } from '../rejection';
import { withNamFromXref } from '../xref-fill';

/**
 * RDS^O13, pharmacy/treatment dispense (v2.5.1 Ch. 4 §4.13.7), from a pharmacy: each ORDER group's
 * RXD becomes a dispense in MEDICATIONS (./dispense-store.ts), with PID-3's links and the locator
 * entries in the same transaction. Answered RRD^O14 (the dispense acknowledgment: MSH, MSA, ERR).
 */
export const rdsO13: MessageHandler = {
  code: 'RDS^O13',
  domains: ['MEDICATIONS'],
  ackType: 'RRD^O14^RRD_O14',
  logAs: 'pharmacy message',
  ready: (context) => !!context.dispenses,
  async handle(message, _header, context) {
    const read = readRds(message, context.source);
    if (!read.ok) return { outcome: read.rejection };
    read.message.patient = await withNamFromXref(read.message.patient, context.source.id, context.xref, context.logger);
    let saved;
    try {
      saved = await context.dispenses!.saveMessage(context.source.id, read.message);
    } catch (error) {
      // Never AA without the rows on disk: AE so the pharmacy keeps the message and sends it again.
      return { outcome: reject('AE', ErrorCode.INTERNAL, 'the message could not be stored; send it again'), fields: { failure: failureOf(error) } };
    }
    if (saved === 'conflict') return { outcome: reject('AE', ErrorCode.DUPLICATE_KEY, 'MSH-10 was already used by this sender for another message', { segment: 'MSH', sequence: 1, field: 10 }) };
    const { dispenses } = read.message;
    const cancelled = dispenses.filter((d) => d.action === 'cancel').length;
    return {
      outcome: { ackCode: 'AA', text: saved === 'duplicate' ? 'already received; stored once' : 'OK' },
      fields: { dispenses: dispenses.length, cancelled, duplicate: saved === 'duplicate' },
    };
  },
};
