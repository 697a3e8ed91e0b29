import { Writable } from 'node:stream';
import { Hl7Message } from '@medplum/core';
import { Hl7Client } from '@medplum/hl7';
import { DispenseStore } from '../../adapters/hl7v2/dispense-store';
import { LabStore } from '../../adapters/hl7v2/lab-store';
import { PatientEvents } from '../../adapters/hl7v2/patient-events';
import { startMllpReceiver, type MllpReceiver } from '../../adapters/hl7v2/receiver';
import type { PatientRef } from '../../adapters/port';
import { createLogger } from '../../lib/logger';
import { XrefStore } from '../../locator/cross-reference';
import { RecordLocator } from '../../locator/record-locator';
import { CHART, DISPENSE, DUPLICATE_CHART, MERGE, NAM, UPDATE, fixture, pharmacySource, withField, without } from '../fixtures/hl7/feeds';
import { MRN, RAMQ, labSource, oru } from '../fixtures/hl7/messages';
import { openTestDb } from '../support/db';

const pharmacy = pharmacySource();
const lab = labSource();
/** Another person (Nicole Gagnon): the one a wrong chart was first linked to. */
const OTHER = 'GAGN44541911';
const mr = (id: string) => `${id}^^^PHARM-PLATEAU^MR`;
const jhn = (nam: string) => `${nam}^^^${RAMQ}^JHN`;

describe('patient updates (ADT^A08) and merges (ADT^A40) from a source, over MLLP', () => {
  let db: Awaited<ReturnType<typeof openTestDb>>;
  let xref: XrefStore;
  let locator: RecordLocator;
  let labStore: LabStore;
  let dispenses: DispenseStore;
  const receivers: MllpReceiver[] = [];
  const ports: Record<string, number> = {};
  const invalidated: [string, string[]][] = [];
  const logs: string[] = [];
  const clients: Hl7Client[] = [];

  beforeAll(async () => {
    db = await openTestDb('patient_events');
    xref = new XrefStore(db);
    locator = new RecordLocator(db);
    const invalidation = { invalidate: async (sourceId: string, nams: readonly string[]) => void invalidated.push([sourceId, [...nams]]) };
    const logger = createLogger('debug', new Writable({ write: (chunk, _e, done) => (logs.push(chunk.toString()), done()) }));
    labStore = new LabStore(db, { xref, locator, invalidation, logger });
    dispenses = new DispenseStore(db, { xref, locator, invalidation, logger });
    const patients = new PatientEvents(db, { xref, locator, invalidation, logger });
    for (const store of [labStore, dispenses, patients, xref, locator]) await store.migrate();
    for (const source of [pharmacy, lab]) {
      const receiver = await startMllpReceiver({ source, store: labStore, dispenses, patients, xref, logger, host: '127.0.0.1', port: 0 });
      receivers.push(receiver);
      ports[source.id] = receiver.port;
    }
  });
  beforeEach(async () => {
    await db.query('TRUNCATE pharmacy_dispenses, pharmacy_messages, lab_results, lab_messages, patient_events, patient_xref, record_locations');
    invalidated.length = 0;
  });
  afterAll(async () => {
    for (const client of clients) await client.close();
    for (const receiver of receivers) await receiver.close();
    await db.drop();
  });

  async function send(text: string, sourceId = pharmacy.id) {
    const client = new Hl7Client({ host: '127.0.0.1', port: ports[sourceId] });
    clients.push(client);
    const ack = await client.sendAndWait(Hl7Message.parse(text));
    return { type: ack.getSegment('MSH')!.getField(9).toString(), msa: ack.getSegment('MSA')!.toString(), err: ack.getSegment('ERR')?.toString() };
  }
  /** A dispense of the fixture, under another prescription number, filed under this PID-3. */
  const dispenseFor = (pid3: string, prescription: string) =>
    withField(withField(withField(fixture(DISPENSE), 'MSH', 10, `RX-${prescription}`), 'PID', 3, pid3), 'RXD', 7, prescription);
  /** What the pharmacy subgraph would be served for a person, given what the cross-reference says of them. */
  const served = async (nam: string) => {
    const localId = (await xref.localIdsFor([nam])).get(nam)?.find((l) => l.source === pharmacy.id)?.localId;
    const ref: PatientRef = localId ? { nam, localId } : { nam };
    return ((await dispenses.dispensesFor(pharmacy, [ref])).get(nam) ?? []).map((d) => d.id).sort();
  };
  const audit = async () => (await db.query('SELECT event, links_added, links_changed, links_removed, records_moved FROM patient_events')).rows;

  test('an update links the chart of PID-3 to the NAM, and the dispenses sent under the chart alone are found under the NAM', async () => {
    await send(dispenseFor(mr(DUPLICATE_CHART), 'RX-1'));
    expect(await served(NAM)).toEqual([]);
    const ack = await send(fixture(UPDATE));
    expect(ack).toEqual({ type: 'ACK^A08^ACK', msa: 'MSA|AA|ADT20250413-0001|OK', err: undefined });
    expect(await xref.namFor(pharmacy.id, DUPLICATE_CHART)).toBe(NAM);
    expect(await served(NAM)).toEqual([`${pharmacy.id}/RX-1/1`]);
    expect(invalidated.at(-1)).toEqual([pharmacy.id, [NAM]]);
  });

  test('an update that gives a chart to another person drops the cached answers of both', async () => {
    await xref.link(pharmacy.id, DUPLICATE_CHART, OTHER, 'import');
    await send(fixture(UPDATE));
    expect(await xref.namFor(pharmacy.id, DUPLICATE_CHART)).toBe(NAM);
    expect(invalidated).toEqual([[pharmacy.id, [OTHER, NAM].sort()]]);
    expect(await audit()).toEqual([{ event: 'A08', links_added: 0, links_changed: 1, links_removed: 0, records_moved: 0 }]);
  });

  test('a merge retires the duplicate chart: its link moves to the surviving chart and its dispenses are found under the survivor', async () => {
    await send(fixture(UPDATE)); // the duplicate chart linked to Marie Tremblay
    await send(dispenseFor(mr(DUPLICATE_CHART), 'RX-1'));
    await send(dispenseFor(`${mr(CHART)}~${jhn(NAM)}`, 'RX-2'));
    const ack = await send(fixture(MERGE));
    expect(ack).toEqual({ type: 'ACK^A40^ACK', msa: 'MSA|AA|ADT20250414-0007|OK', err: undefined });
    expect(await xref.namFor(pharmacy.id, DUPLICATE_CHART)).toBeUndefined();
    expect(await xref.namFor(pharmacy.id, CHART)).toBe(NAM);
    const { rows } = await db.query<{ local_ids: string[] }>('SELECT local_ids FROM pharmacy_dispenses ORDER BY id');
    expect(rows).toEqual([{ local_ids: [CHART] }, { local_ids: [CHART] }]);
    expect(await served(NAM)).toEqual([`${pharmacy.id}/RX-1/1`, `${pharmacy.id}/RX-2/1`]);
    expect((await audit()).find((row) => row.event === 'A40')).toEqual({ event: 'A40', links_added: 0, links_changed: 0, links_removed: 1, records_moved: 1 });
  });

  test("a merge of a chart another person's NAM was filed under moves its dispenses to the survivor, and that person is no longer located at the pharmacy", async () => {
    await send(dispenseFor(`${mr(DUPLICATE_CHART)}~${jhn(OTHER)}`, 'RX-3'));
    expect((await locator.holdersOf([OTHER])).get(OTHER)).toEqual([pharmacy.id]);
    invalidated.length = 0;
    await send(fixture(MERGE));
    expect(await served(OTHER)).toEqual([]);
    expect(await served(NAM)).toEqual([`${pharmacy.id}/RX-3/1`]);
    expect((await locator.holdersOf([OTHER])).get(OTHER)).toBeUndefined();
    expect((await locator.holdersOf([NAM])).get(NAM)).toEqual([pharmacy.id]);
    expect(invalidated).toEqual([[pharmacy.id, [OTHER, NAM].sort()]]);
  });

  test('a merge sent again is acknowledged again and applied once: a later update is not undone', async () => {
    await send(fixture(MERGE));
    await xref.link(pharmacy.id, DUPLICATE_CHART, NAM, 'import'); // the chart came back in use since
    expect((await send(fixture(MERGE))).msa).toBe('MSA|AA|ADT20250414-0007|already received; applied once');
    expect(await xref.namFor(pharmacy.id, DUPLICATE_CHART)).toBe(NAM);
    expect(await audit()).toHaveLength(1);
  });

  test("a merge at a laboratory moves the prior chart's results to the survivor", async () => {
    const DUPLICATE_MRN = 'MRN999001';
    await send(oru({ controlId: 'LAB-1', pid3: `${DUPLICATE_MRN}^^^CHUM^MR` }), lab.id);
    const merge = withField(withField(fixture(MERGE), 'PID', 3, `${MRN}^^^CHUM^MR~${jhn(NAM)}`), 'MRG', 1, `${DUPLICATE_MRN}^^^CHUM^MR`);
    expect((await send(merge, lab.id)).msa).toBe('MSA|AA|ADT20250414-0007|OK');
    expect((await labStore.resultsFor(lab, [{ nam: NAM }])).get(NAM)).toHaveLength(2);
    expect((await locator.holdersOf([NAM])).get(NAM)).toEqual([lab.id]);
  });

  describe('content errors are AE with ERR, and nothing is changed', () => {
    test.each([
      ['a merge without MRG', without(fixture(MERGE), 'MRG'), 'ERR||PID^1|100^Segment sequence error^HL70357|E||||a PID has no MRG'],
      ['a merge of the chart into itself', withField(fixture(MERGE), 'MRG', 1, mr(CHART)), 'ERR||MRG^1^1^1|101^Required field missing^HL70357|E||||MRG-1 names no identifier other than those of PID-3'],
      ['an MRG-1 with a NAM that is not one', withField(fixture(MERGE), 'MRG', 1, 'TREM75991212^^^RAMQ^JHN'), 'ERR||MRG^1^1^1|102^Data type error^HL70357|E||||MRG-1 JHN identifier is not a valid NAM'],
      ['an update without PID', without(fixture(UPDATE), 'PID'), 'ERR||PID^1|100^Segment sequence error^HL70357|E||||the message has no PID segment'],
    ])('%s', async (_what, text, err) => {
      await xref.link(pharmacy.id, DUPLICATE_CHART, OTHER, 'import');
      const ack = await send(text);
      expect(ack.msa).toMatch(/^MSA\|AE\|/);
      expect(ack.err).toBe(err);
      expect(await audit()).toEqual([]);
      expect(await xref.namFor(pharmacy.id, DUPLICATE_CHART)).toBe(OTHER);
    });
  });

  test('its audit rows and log lines hold counts, never a NAM, a chart or a name', async () => {
    await send(fixture(UPDATE));
    await send(fixture(MERGE));
    const lines = logs.filter((l) => l.includes('"patient message"')).map((l) => JSON.parse(l));
    expect(lines.slice(-2)).toEqual([
      expect.objectContaining({ source: pharmacy.id, ack: 'AA', event: 'A08', linksAdded: 1 }),
      expect.objectContaining({ source: pharmacy.id, ack: 'AA', event: 'A40', merges: 1, linksRemoved: 1, linksAdded: 1 }),
    ]);
    const { rows } = await db.query('SELECT * FROM patient_events');
    const all = `${logs.join('\n')}\n${JSON.stringify(rows)}`;
    for (const secret of [NAM, OTHER, CHART, DUPLICATE_CHART, 'Tremblay', 'Marie', 'Côté']) expect(all).not.toContain(secret);
  });
});
