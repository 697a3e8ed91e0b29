import { Hl7Message } from '@medplum/core';
import { createLabSource } from '../../adapters/hl7v2/lab-source';
import { LabStore } from '../../adapters/hl7v2/lab-store';
import { readOru, type OruMessage } from '../../adapters/hl7v2/oru';
import { SourceError } from '../../adapters/port';
import { MRN, NAM, labSource, oru, type OruParts } from '../fixtures/hl7/messages';
import { openTestDb } from '../support/db';

const source = labSource();
const OTHER_NAM = 'GAGJ80010112';
const message = (parts: OruParts = {}): OruMessage => {
  const outcome = readOru(Hl7Message.parse(oru(parts)), source);
  if (!outcome.ok) throw new Error(outcome.rejection.reason);
  return outcome.message;
};
const signal = new AbortController().signal;

describe('LabStore', () => {
  let db: Awaited<ReturnType<typeof openTestDb>>;
  let store: LabStore;
  beforeAll(async () => {
    db = await openTestDb('lab_store');
    store = new LabStore(db);
    await store.migrate();
    await store.migrate(); // idempotent: every start runs it
  });
  beforeEach(() => db.query('TRUNCATE lab_results, lab_messages'));
  afterAll(() => db.drop());

  it('stores a message and its results once; the same message again is a duplicate', async () => {
    expect(await store.saveMessage(source.id, message())).toBe('stored');
    expect(await store.saveMessage(source.id, message())).toBe('duplicate');
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM lab_results');
    expect(rows[0].n).toBe(2);
  });

  it('the same control id with another body is a conflict, and stores nothing', async () => {
    await store.saveMessage(source.id, message());
    expect(await store.saveMessage(source.id, message({ obx: ['OBX|1|NM|2345-7^Glucose^LN||5.0|mmol/L|||||F'] }))).toBe('conflict');
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM lab_results');
    expect(rows[0].n).toBe(2);
  });

  it('a failure in the middle of a message leaves nothing behind (one transaction)', async () => {
    const broken = message();
    broken.patients[0].results[1].id = broken.patients[0].results[0].id; // primary key violation on the second row
    await expect(store.saveMessage(source.id, broken)).rejects.toThrow();
    const { rows } = await db.query<{ m: number; r: number }>('SELECT (SELECT count(*) FROM lab_messages)::int AS m, (SELECT count(*) FROM lab_results)::int AS r');
    expect(rows[0]).toEqual({ m: 0, r: 0 });
  });

  it('returns results by NAM with the laboratory, newest first', async () => {
    await store.saveMessage(source.id, message());
    await store.saveMessage(source.id, message({ controlId: 'MSG-0002', obr7: '20250401081500-0400', obx: ['OBX|1|NM|718-7^Hémoglobine^LN||131|g/L|120-160||||F'] }));
    const found = await store.resultsFor(source, [{ nam: NAM }, { nam: OTHER_NAM }]);
    expect([...found.keys()]).toEqual([NAM]);
    const results = found.get(NAM)!;
    expect(results.map((r) => r.code)).toEqual(['718-7', '2345-7', '2823-3']);
    expect(results[0]).toEqual({
      id: expect.stringContaining('/MSG-0002/1'),
      code: '718-7',
      display: 'Hémoglobine',
      value: '131',
      unit: 'g/L',
      referenceRange: '120-160',
      status: 'F',
      observedAt: '2025-04-01T08:15:00-04:00',
      laboratory: { id: source.id, name: source.name, region: 'Montréal', area: 'Centre' },
    });
  });

  it('`since` keeps results on or after that day in the source time zone', async () => {
    await store.saveMessage(source.id, message({ obx: ['OBX|1|NM|2345-7^Glucose^LN||5.0|mmol/L|||||F|||20250301000500-0500'] }));
    await store.saveMessage(source.id, message({ controlId: 'MSG-0002', obx: ['OBX|1|NM|2345-7^Glucose^LN||5.5|mmol/L|||||F|||20250302001000+0000'] }));
    const values = async (since: string) => (await store.resultsFor(source, [{ nam: NAM }], since)).get(NAM)?.map((r) => r.value) ?? [];
    expect(await values('2025-03-01')).toEqual(['5.5', '5.0']);
    // 2025-03-02T00:10Z is 2025-03-01 19:10 in Montréal: still the 1st there.
    expect(await values('2025-03-02')).toEqual([]);
    await expect(values('2025-02-30')).rejects.toThrow(RangeError);
  });

  it('an MR-only result is found through the local id the caller got from the cross-reference', async () => {
    await store.saveMessage(source.id, message({ pid3: `${MRN}^^^CHUM^MR` }));
    expect((await store.resultsFor(source, [{ nam: NAM }])).get(NAM)).toBeUndefined();
    expect((await store.resultsFor(source, [{ nam: NAM, localId: MRN }])).get(NAM)).toHaveLength(2);
  });

  it('a later message with the NAM and the MR gives the NAM to the earlier MR-only results', async () => {
    await store.saveMessage(source.id, message({ pid3: `${MRN}^^^CHUM^MR` }));
    await store.saveMessage(source.id, message({ controlId: 'MSG-0002', obx: ['OBX|1|NM|718-7^Hémoglobine^LN||131|g/L|||||F'] }));
    expect((await store.resultsFor(source, [{ nam: NAM }])).get(NAM)).toHaveLength(3);
  });

  it('a result filed under a NAM never shows under another NAM, whatever local id the caller passes', async () => {
    await store.saveMessage(source.id, message());
    expect((await store.resultsFor(source, [{ nam: OTHER_NAM, localId: MRN }])).size).toBe(0);
  });

  it('results of another source are not returned', async () => {
    await store.saveMessage('another-lab', message());
    expect((await store.resultsFor(source, [{ nam: NAM }])).size).toBe(0);
  });
});

describe('lab RecordSource', () => {
  it('reads from the store, passing the people and `since`', async () => {
    const calls: unknown[] = [];
    const lab = createLabSource(source, { resultsFor: async (...args) => (calls.push(args), new Map([[NAM, []]])) });
    expect(lab.kind).toBe('labResults');
    expect(await lab.fetch({ patients: [{ nam: NAM }], since: '2025-01-01', signal })).toEqual(new Map([[NAM, []]]));
    expect(calls).toEqual([[source, [{ nam: NAM }], '2025-01-01']]);
  });

  it('a store failure is a SourceError("store") that quotes nothing', async () => {
    const lab = createLabSource(source, { resultsFor: async () => Promise.reject(new Error(`value ${NAM} violates`)) });
    const error = await lab.fetch({ patients: [{ nam: NAM }], signal }).catch((e) => e);
    expect(error).toBeInstanceOf(SourceError);
    expect(error.failure).toBe('store');
    expect(error.message).not.toContain(NAM);
  });
});
