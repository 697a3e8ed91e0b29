import { decodeMessage } from '../../adapters/hl7v2/charset';
import { LabStore, type CrossReferenceLinks } from '../../adapters/hl7v2/lab-store';
import { startMllpReceiver, type MllpReceiver } from '../../adapters/hl7v2/receiver';
import { createLogger } from '../../lib/logger';
import { MemoryXref, NAM, labSource, oru, sample } from '../fixtures/hl7/messages';
import { openTestDb } from '../support/db';
import { mllpClient, type MllpTestClient } from '../support/mllp-client';

const source = labSource();

/** A message (the fixtures' ORU^R01 by default) with MSH-18 (character set, v2.5.1 §2.15.9.18) set. */
function declaring(charset: string, message = oru()): string {
  const [msh, ...rest] = message.split('\r');
  const fields = msh.split('|');
  while (fields.length < 18) fields.push('');
  fields[17] = charset; // MSH-1 is the separator: field n is at index n - 1
  return [fields.join('|'), ...rest].join('\r');
}
/** A glucose result whose test name carries accents, as a Québec laboratory writes it. */
const ACCENTED = ['OBX|1|NM|2345-7^Glucose à jeun (sérum)^LN||7.9|mmol/L|3.6-6.1|H|||F|||20250301081500-0500'];

describe('character sets (MSH-18, table 0211)', () => {
  it('with no MSH-18 the text is read as UTF-8', () => {
    const decoded = decodeMessage(Buffer.from(oru({ obx: ACCENTED }), 'utf8'));
    expect(decoded).toMatchObject({ ok: true, charset: 'utf8' });
    expect(decoded.ok && decoded.text).toContain('Glucose à jeun (sérum)');
  });

  it('UNICODE UTF-8 is read as UTF-8', () => {
    expect(decodeMessage(Buffer.from(declaring('UNICODE UTF-8', oru({ obx: ACCENTED })), 'utf8'))).toMatchObject({ ok: true, charset: 'utf8', declared: 'UNICODE UTF-8' });
  });

  it('8859/1 is read as ISO 8859-1, one byte a character', () => {
    const decoded = decodeMessage(Buffer.from(declaring('8859/1', oru({ obx: ACCENTED })), 'latin1'));
    expect(decoded.ok && decoded.text).toContain('Glucose à jeun (sérum)');
  });

  it('the public-health sample (MSH-18 empty, UTF-8) decodes as it is', () => {
    expect(decodeMessage(Buffer.from(sample('elr-oru-r01-2.5.1-hepatitis-c.hl7'), 'utf8'))).toMatchObject({ ok: true, charset: 'utf8' });
  });

  it('an invalid UTF-8 sequence is refused AE, naming the segment it is in and not the bytes', () => {
    const bytes = Buffer.from(oru({ obx: ['OBX|1|NM|2345-7^Glucose XX jeun^LN||7.9|mmol/L|3.6-6.1|H|||F'] }), 'utf8');
    bytes.write('\xc3\x28', bytes.indexOf('XX'), 'latin1'); // a lead byte followed by a non-continuation byte
    expect(decodeMessage(bytes)).toEqual({
      ok: false,
      rejection: { ackCode: 'AE', errorCode: 102, reason: 'the message holds bytes that are not valid UTF-8 (MSH-18)', location: { segment: 'OBX', sequence: 1 } },
    });
  });

  it('Latin-1 bytes sent without MSH-18 are not valid UTF-8, and are refused rather than guessed', () => {
    expect(decodeMessage(Buffer.from(oru({ obx: ACCENTED }), 'latin1'))).toMatchObject({ ok: false, rejection: { ackCode: 'AE', errorCode: 102 } });
  });

  it('windows-1252 bytes labelled 8859/1 (0x92 for an apostrophe) are refused: 8859/1 is its printable characters only', () => {
    const bytes = Buffer.from(declaring('8859/1', oru({ obx: ['OBX|1|TX|11502-2^Rapport^LN||l?hémoglobine||||||F'] })), 'latin1');
    bytes[bytes.indexOf('?')] = 0x92;
    expect(decodeMessage(bytes)).toMatchObject({ ok: false, rejection: { ackCode: 'AE', reason: 'the message holds bytes that are not valid ISO 8859-1 (MSH-18)', location: { segment: 'OBX', sequence: 1 } } });
  });

  it('ASCII allows 7 bits only', () => {
    expect(decodeMessage(Buffer.from(declaring('ASCII', oru({ obx: ACCENTED })), 'latin1'))).toMatchObject({ ok: false, rejection: { reason: 'the message holds bytes that are not valid ASCII (MSH-18)' } });
    expect(decodeMessage(Buffer.from(declaring('ASCII', sample('nist-oru-r01-2.5.1-lead.hl7')), 'latin1'))).toMatchObject({ ok: true, charset: 'ascii' });
  });

  it('a character set of table 0211 we do not read (UNICODE UTF-16) is refused AE at MSH-18, not guessed', () => {
    expect(decodeMessage(Buffer.from(declaring('UNICODE UTF-16'), 'utf8'))).toEqual({
      ok: false,
      rejection: { ackCode: 'AE', errorCode: 103, reason: 'MSH-18 names a character set this listener does not accept (UNICODE UTF-8, 8859/1 or ASCII)', location: { segment: 'MSH', sequence: 1, field: 18 } },
    });
  });

  it('code extensions (a second MSH-18 repetition, ISO 2022) are refused', () => {
    expect(decodeMessage(Buffer.from(declaring('ASCII~ISO IR87'), 'utf8'))).toMatchObject({ ok: false, rejection: { errorCode: 103 } });
  });
});

describe('character sets over MLLP (real TCP socket)', () => {
  let db: Awaited<ReturnType<typeof openTestDb>>;
  let store: LabStore;
  let receiver: MllpReceiver;
  let client: MllpTestClient;

  beforeAll(async () => {
    db = await openTestDb('lab_charset');
    const xref = new MemoryXref();
    const links: CrossReferenceLinks = { linkMany: async () => undefined, namFor: (s, l) => xref.namFor(s, l) };
    store = new LabStore(db, { xref: links });
    await store.migrate();
    receiver = await startMllpReceiver({ source, store, xref, logger: createLogger('silent'), host: '127.0.0.1', port: 0 });
  });
  beforeEach(async () => {
    await db.query('TRUNCATE lab_results, lab_messages');
    client = await mllpClient(receiver.port);
  });
  afterEach(() => client.destroy());
  afterAll(async () => {
    await receiver.close();
    await db.drop();
  });

  const stored = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM lab_messages')).rows[0].n;
  const displays = async () => (await store.resultsFor(source, [{ nam: NAM }])).get(NAM)?.map((r) => r.display) ?? [];

  it('a message with invalid UTF-8 is answered AE with the reason in MSA-3 and ERR, and nothing is stored', async () => {
    const bytes = Buffer.from(oru({ obx: ['OBX|1|NM|2345-7^Glucose XX jeun^LN||7.9|mmol/L|3.6-6.1|H|||F'] }), 'utf8');
    bytes.write('\xe9', bytes.indexOf('XX'), 'latin1'); // "é" as Latin-1: not UTF-8
    client.send(bytes);
    const [ack] = await client.until(1);
    expect(ack.msa).toBe('MSA|AE|MSG-0001|the message holds bytes that are not valid UTF-8 (MSH-18)');
    expect(ack.err).toBe('ERR||OBX^1|102^Data type error^HL70357|E||||the message holds bytes that are not valid UTF-8 (MSH-18)');
    expect(await stored()).toBe(0);
  });

  it('a message declaring 8859/1 is stored with its accents, and acknowledged in 8859/1', async () => {
    client.send(Buffer.from(declaring('8859/1', oru({ obx: ACCENTED })), 'latin1'));
    const [ack] = await client.until(1);
    expect(ack.msa).toBe('MSA|AA|MSG-0001|OK');
    expect(ack.text.split('\r')[0].split('|')[17]).toBe('8859/1');
    expect(await displays()).toEqual(['Glucose à jeun (sérum)']);
  });

  it('a message declaring UNICODE UTF-8 is stored with its accents', async () => {
    client.send(declaring('UNICODE UTF-8', oru({ obx: ACCENTED })));
    expect((await client.until(1))[0].msa).toBe('MSA|AA|MSG-0001|OK');
    expect(await displays()).toEqual(['Glucose à jeun (sérum)']);
  });

  it('a message naming a character set we do not read is answered AE, and nothing is stored', async () => {
    client.send(declaring('UNICODE UTF-16'));
    const [ack] = await client.until(1);
    expect(ack.msa).toBe('MSA|AE|MSG-0001|MSH-18 names a character set this listener does not accept (UNICODE UTF-8, 8859/1 or ASCII)');
    expect(ack.err).toMatch(/^ERR\|\|MSH\^1\^18\^1\|103\^Table value not found\^HL70357\|E\|/);
    expect(await stored()).toBe(0);
  });

  it('a frame that is not HL7 is answered AR as before, whatever bytes it holds', async () => {
    client.send(Buffer.from('bonjour, labo? \xe9\xe9', 'latin1'));
    expect((await client.until(1))[0].msa).toBe('MSA|AR||the message does not start with MSH');
  });

  it('the AE for undecodable text mirrors the sender and receiver of MSH byte for byte', async () => {
    const bytes = Buffer.from(declaring('UNICODE UTF-16', oru({ sendingFacility: 'HÔPITAL' })), 'latin1');
    client.send(bytes);
    const [ack] = await client.until(1);
    expect(ack.text.split('\r')[0].split('|').slice(2, 6)).toEqual(['QHR', 'QHR', 'SIL', 'HÔPITAL']);
  });
});
