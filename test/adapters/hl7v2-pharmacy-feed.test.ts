import { Writable } from 'node:stream';
import { Hl7Message } from '@medplum/core';
import { Hl7Client } from '@medplum/hl7';
import { DispenseStore } from '../../adapters/hl7v2/dispense-store';
import { createDispenseSource } from '../../adapters/hl7v2/dispense-source';
import { LabStore } from '../../adapters/hl7v2/lab-store';
import { PatientEvents } from '../../adapters/hl7v2/patient-events';
import { startMllpReceiver, type MllpReceiver } from '../../adapters/hl7v2/receiver';
import { createLogger } from '../../lib/logger';
import { XrefStore } from '../../locator/cross-reference';
import { RecordLocator } from '../../locator/record-locator';
import { CHART, DISPENSE, NAM, TWO_DISPENSES, fixture, pharmacySource, withField } from '../fixtures/hl7/feeds';
import { oru } from '../fixtures/hl7/messages';
import { openTestDb } from '../support/db';

const source = pharmacySource();

describe('a pharmacy sends its dispenses (RDS^O13) to its MLLP listener', () => {
  let db: Awaited<ReturnType<typeof openTestDb>>;
  let xref: XrefStore;
  let locator: RecordLocator;
  let dispenses: DispenseStore;
  let receiver: MllpReceiver;
  const invalidated: [string, string[]][] = [];
  const logs: string[] = [];
  const clients: Hl7Client[] = [];

  beforeAll(async () => {
    db = await openTestDb('pharmacy_feed');
    xref = new XrefStore(db);
    locator = new RecordLocator(db);
    const invalidation = { invalidate: async (sourceId: string, nams: readonly string[]) => void invalidated.push([sourceId, [...nams]]) };
    const logger = createLogger('debug', new Writable({ write: (chunk, _e, done) => (logs.push(chunk.toString()), done()) }));
    const lab = new LabStore(db, { xref, locator, invalidation, logger });
    dispenses = new DispenseStore(db, { xref, locator, invalidation, logger });
    const patients = new PatientEvents(db, { xref, locator, invalidation, logger });
    for (const store of [lab, dispenses, patients, xref, locator]) await store.migrate();
    receiver = await startMllpReceiver({ source, store: lab, dispenses, patients, xref, logger, host: '127.0.0.1', port: 0 });
  });
  beforeEach(async () => {
    await db.query('TRUNCATE pharmacy_dispenses, pharmacy_messages, patient_xref, record_locations');
    invalidated.length = 0;
  });
  afterAll(async () => {
    for (const client of clients) await client.close();
    await receiver.close();
    await db.drop();
  });

  /** Sends as the pharmacy's interface engine would (@medplum/hl7), and returns the acknowledgment's MSH-9, MSA and ERR. */
  async function send(text: string) {
    const client = new Hl7Client({ host: '127.0.0.1', port: receiver.port });
    clients.push(client);
    const ack = await client.sendAndWait(Hl7Message.parse(text));
    return { type: ack.getSegment('MSH')!.getField(9).toString(), msa: ack.getSegment('MSA')!.toString(), err: ack.getSegment('ERR')?.toString() };
  }
  const served = async () => (await createDispenseSource(source, dispenses).fetch({ patients: [{ nam: NAM }], signal: new AbortController().signal })).get(NAM) ?? [];
  const rows = async (table: string) => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;

  test('a dispense is stored, located and its cached answers dropped before it is acknowledged AA, in an RRD^O14', async () => {
    const ack = await send(fixture(DISPENSE));
    expect(ack).toEqual({ type: 'RRD^O14^RRD_O14', msa: 'MSA|AA|RX20250412-0001|OK', err: undefined });
    expect(await served()).toEqual([
      {
        id: 'pharmacy-plateau-hl7/RX-7781234/1',
        din: '02295269',
        name: 'Apo-Atorvastatine 20 mg co.',
        dosageInstruction: 'Prendre 1 comprimé au coucher & éviter le pamplemousse',
        quantity: 30,
        daysSupply: 30,
        dispensedAt: '2025-04-12T14:30:00-04:00',
        pharmacy: { id: source.id, name: 'Pharmacie du Plateau', region: 'Montréal', area: 'Centre' },
      },
    ]);
    expect((await locator.holdersOf([NAM])).get(NAM)).toEqual([source.id]);
    expect(await xref.namFor(source.id, CHART)).toBe(NAM);
    expect(invalidated).toEqual([[source.id, [NAM]]]);
  });

  test('a message of two ORDER groups is two dispenses, the most recent first', async () => {
    expect((await send(fixture(TWO_DISPENSES))).msa).toBe('MSA|AA|RX20250415-0031|OK');
    expect((await served()).map((d) => [d.name, d.quantity, d.daysSupply])).toEqual([
      ['Crème magistrale hydrocortisone 1 % (préparation)', 30, undefined],
      ['Apo-Metformine 500 mg co.', 180, 91],
    ]);
  });

  test('the same message sent again (its ACK was lost) is acknowledged again and stored once', async () => {
    await send(fixture(DISPENSE));
    expect((await send(fixture(DISPENSE))).msa).toBe('MSA|AA|RX20250412-0001|already received; stored once');
    expect(await rows('pharmacy_dispenses')).toBe(1);
    expect(await served()).toHaveLength(1);
  });

  test('the same dispense sent again under another MSH-10 is still one dispense, and a correction replaces it', async () => {
    await send(fixture(DISPENSE));
    await send(withField(fixture(DISPENSE), 'MSH', 10, 'RX20250412-0002'));
    expect(await served()).toHaveLength(1);
    const corrected = withField(withField(fixture(DISPENSE), 'MSH', 10, 'RX20250412-0003'), 'RXD', 4, '60');
    expect((await send(corrected)).msa).toBe('MSA|AA|RX20250412-0003|OK');
    expect((await served()).map((d) => d.quantity)).toEqual([60]);
  });

  test('a dispense the pharmacy withdraws (ORC-1 OC) is no longer served', async () => {
    await send(fixture(DISPENSE));
    const withdrawn = withField(withField(fixture(DISPENSE), 'MSH', 10, 'RX20250412-0004'), 'ORC', 1, 'OC');
    expect((await send(withdrawn)).msa).toBe('MSA|AA|RX20250412-0004|OK');
    expect(await served()).toEqual([]);
    expect(invalidated).toEqual([[source.id, [NAM]], [source.id, [NAM]]]);
  });

  test('a DIN that is not 8 digits is answered AE with ERR, and nothing is stored, linked or located', async () => {
    const ack = await send(withField(fixture(DISPENSE), 'RXD', 2, '2295269^Apo-Atorvastatine 20 mg co.^DIN'));
    expect(ack.msa).toBe('MSA|AE|RX20250412-0001|RXD-2 names a DIN that is not 8 digits');
    expect(ack.err).toBe('ERR||RXD^1^2^1^1|102^Data type error^HL70357|E||||RXD-2 names a DIN that is not 8 digits');
    for (const table of ['pharmacy_messages', 'pharmacy_dispenses', 'patient_xref', 'record_locations']) expect(await rows(table)).toBe(0);
  });

  test('an MSH-10 the pharmacy reuses for another message is answered AE 205, the first one kept', async () => {
    await send(fixture(DISPENSE));
    const ack = await send(withField(fixture(DISPENSE), 'RXD', 4, '90'));
    expect(ack.msa).toBe('MSA|AE|RX20250412-0001|MSH-10 was already used by this sender for another message');
    expect(ack.err).toContain('|205^Duplicate key identifier^HL70357|');
    expect((await served()).map((d) => d.quantity)).toEqual([30]);
  });

  test('a chart-only dispense (PID-3 MR alone) is filed under the NAM the cross-reference links to the chart', async () => {
    await xref.link(source.id, CHART, NAM, 'import');
    await send(withField(fixture(DISPENSE), 'PID', 3, `${CHART}^^^PHARM-PLATEAU^MR`));
    const { rows: stored } = await db.query<{ nam: string }>('SELECT nam FROM pharmacy_dispenses');
    expect(stored).toEqual([{ nam: NAM }]);
    expect(await served()).toHaveLength(1);
  });

  test('a lab result sent to a pharmacy is refused AR 200, an ADT^A01 AR 201, and nothing is stored', async () => {
    const lab = await send(oru());
    expect(lab.msa).toBe('MSA|AR|MSG-0001|only RDS\\S\\O13, ADT\\S\\A08 or ADT\\S\\A40 messages are accepted here');
    expect(lab.err).toMatch(/^ERR\|\|MSH\^1\^9\^1\|200\^Unsupported message type\^HL70357\|E\|/);
    const admit = await send(withField(fixture(DISPENSE), 'MSH', 9, 'ADT^A01^ADT_A01'));
    expect(admit.type).toBe('ACK^A01^ACK');
    expect(admit.err).toMatch(/\|201\^Unsupported event code\^HL70357\|/);
    expect(await rows('pharmacy_messages')).toBe(0);
  });

  test('its log lines say the source, a hash of MSH-10, the ACK and counts, never the person, the chart or the drug', async () => {
    await send(fixture(DISPENSE));
    await send(withField(fixture(DISPENSE), 'RXD', 3, '20251341'));
    const lines = logs.filter((l) => l.includes('"pharmacy message"')).map((l) => JSON.parse(l));
    expect(lines.slice(-2)).toEqual([
      expect.objectContaining({ source: source.id, control: expect.stringMatching(/^[0-9a-f]{12}$/), ack: 'AA', dispenses: 1, cancelled: 0, duplicate: false }),
      expect.objectContaining({ source: source.id, ack: 'AE', error: 102 }),
    ]);
    const all = logs.join('\n');
    for (const secret of [NAM, CHART, 'Tremblay', 'Marie', 'Atorvastatine', '02295269', 'RX-7781234', 'RX20250412-0001']) expect(all).not.toContain(secret);
  });
});
