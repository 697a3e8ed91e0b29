import { Hl7Message } from '@medplum/core';
import { buildAck } from '../../adapters/hl7v2/ack';
import { readOru } from '../../adapters/hl7v2/oru';
import { NAM, labSource, oru } from '../fixtures/hl7/messages';

const ZONE = 'America/Montreal';
const lines = (ack: Hl7Message) => ack.toString().split('\r');

describe('ACK (original mode)', () => {
  it('AA mirrors the sender, the trigger and MSA-2, with an MSH-7 that carries its offset', () => {
    const ack = buildAck(Hl7Message.parse(oru({ controlId: 'C-42', sendingApp: 'SIL', sendingFacility: 'CHUM' })), { ackCode: 'AA' }, ZONE);
    const msh = ack.getSegment('MSH')!;
    expect([msh.getField(3).toString(), msh.getField(4).toString(), msh.getField(5).toString(), msh.getField(6).toString()]).toEqual(['QHR', 'QHR', 'SIL', 'CHUM']);
    expect(msh.getField(9).toString()).toBe('ACK^R01^ACK');
    expect(msh.getField(12).toString()).toBe('2.5.1');
    expect(msh.getField(7).toString()).toMatch(/^\d{14}[+-]\d{4}$/);
    expect(lines(ack)[1]).toBe('MSA|AA|C-42|OK');
    expect(ack.getSegment('ERR')).toBeUndefined();
  });

  it('two ACKs built in the same millisecond have different control ids', () => {
    const message = Hl7Message.parse(oru());
    const ids = new Set(Array.from({ length: 20 }, () => buildAck(message, { ackCode: 'AA' }, ZONE).getSegment('MSH')!.getField(10).toString()));
    expect(ids.size).toBe(20);
  });

  it('AE carries the reason in MSA-3 and ERR (location, table 0357 code, severity E, user message), and no patient data', () => {
    const message = Hl7Message.parse(oru({ pid3: '' }));
    const outcome = readOru(message, labSource());
    if (outcome.ok) throw new Error('accepted');
    const ack = buildAck(message, outcome.rejection, ZONE);
    expect(lines(ack).slice(1)).toEqual([
      'MSA|AE|MSG-0001|PID-3 (patient identifier list) is empty',
      'ERR||PID^1^3^1|101^Required field missing^HL70357|E||||PID-3 (patient identifier list) is empty',
    ]);
    expect(ack.toString()).not.toMatch(new RegExp(`${NAM}|Tremblay|Marie|7\\.9`));
  });

  it('an unparseable message gets a bare AR: MSH, MSA without control id, ERR', () => {
    const ack = buildAck(undefined, { ackCode: 'AR', errorCode: 100, reason: 'the message does not start with MSH' }, ZONE);
    const [msh, msa, err] = lines(ack);
    expect(msh).toMatch(/^MSH\|\^~\\&\|\|\|\|\|\d{14}[+-]\d{4}\|\|ACK\|ACK[0-9a-f]{16}\|P\|2\.5\.1$/);
    expect(msa).toBe('MSA|AR||the message does not start with MSH');
    expect(err).toBe('ERR|||100^Segment sequence error^HL70357|E||||the message does not start with MSH');
  });

  it('escapes delimiters in a reason so the ACK stays well-formed', () => {
    const ack = buildAck(Hl7Message.parse(oru()), { ackCode: 'AE', errorCode: 207, reason: 'a|b^c&d~e\\f' }, ZONE);
    expect(lines(ack)[1]).toBe('MSA|AE|MSG-0001|a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f');
  });
});
