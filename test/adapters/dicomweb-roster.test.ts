import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDicomwebRoster, type QidoRosterOptions } from '../../adapters/dicomweb/roster';
import { SourceError, type RosterEntry, type RosterSource } from '../../adapters/port';
import { demoStudies, startDemoPacs, type DemoPacs } from '../../demo/pacs-server';
import { demoStudyUid } from '../../demo/pacs-studies';
import { demoPeople } from '../../demo/people';
import { relocateDemoSources } from '../../demo/systems';
import { parseSources, type SourceConfig } from '../../lib/sources';
import { DEFAULT_TIME_ZONE } from '../../lib/time';
import { recordingServer, sendJson, type RecordingServer } from '../support/recording-server';

const people = demoPeople();
const studies = demoStudies(people);
const demoSources = parseSources(JSON.parse(readFileSync(join(__dirname, '..', '..', 'demo', 'sources.json'), 'utf8')), { timeZone: DEFAULT_TIME_ZONE });
const pacsSource = demoSources.find((s) => s.protocol === 'dicomweb')!;

/** The demo PACS source pointed at a PACS started on a free port. */
const sourceAt = (pacs: DemoPacs) => relocateDemoSources([pacsSource], { fhirUrl: 'http://127.0.0.1:1', pacsUrl: pacs.url })[0];

/** Reads a roster, keeping each page handed over. */
async function readRoster(roster: RosterSource, cursor?: string) {
  const pages: RosterEntry[][] = [];
  const result = await roster.read({ cursor, signal: AbortSignal.timeout(10_000), requestTimeoutMs: 5_000, onPage: async (entries) => void pages.push(entries) });
  return { ...result, handedOver: pages, entries: pages.flat() };
}

describe('the roster of the demo PACS', () => {
  let pacs: DemoPacs;
  beforeEach(async () => {
    pacs = await startDemoPacs({ port: 0, people });
  });
  afterEach(() => pacs.close());

  test('lists every person with a study at the PACS, by NAM, reading the archive page by page', async () => {
    const { entries, handedOver, pages } = await readRoster(createDicomwebRoster(sourceAt(pacs), { pageSize: 10 }));

    expect(new Set(entries.map((e) => e.nam))).toEqual(new Set(studies.map((s) => s.person.nam)));
    expect(entries.every((e) => e.localId === undefined)).toBe(true);
    expect(pages).toBe(Math.floor(studies.length / 10) + 1);
    expect(handedOver.length).toBeGreaterThan(1);
  });

  test('finds at the next read a study made since the last one, and nobody else', async () => {
    const roster = createDicomwebRoster(sourceAt(pacs));
    const first = await readRoster(roster);
    const person = people.find((p) => !studies.some((s) => s.person.nam === p.nam))!;
    pacs.add({
      studyInstanceUid: demoStudyUid(`${person.nam}/new`),
      person,
      studyDate: first.cursor.replace(/-/g, ''),
      studyTime: '101500',
      modalities: ['CR'],
      description: 'Radiographie pulmonaire PA et latérale',
      accessionNumber: 'CDN202699999',
      seriesCount: 1,
      instanceCount: 2,
    });

    const again = await readRoster(roster, first.cursor);

    expect(again.entries).toEqual([{ nam: person.nam }]);
  });
});

describe('what a PACS roster read asks, and whose clock it trusts', () => {
  let fake: RecordingServer | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  /** A QIDO-RS study in the DICOM JSON model (PS3.18 §F.2), with the attributes a roster reads. */
  const study = (patientId: string, uid: string, date = '20240301') => ({
    '00080020': { vr: 'DA', Value: [date] },
    '00100020': { vr: 'LO', Value: [patientId] },
    '0020000D': { vr: 'UI', Value: [uid] },
  });

  /** A PACS answering every request with `answer(n)` (n counts from 1), and a source on it. */
  async function fakePacs(answer: (n: number) => { body: unknown; date?: Date | null }, config: Partial<SourceConfig> = {}) {
    let n = 0;
    fake = await recordingServer((_, response) => {
      const { body, date } = answer(++n);
      sendJson(response, body, { type: 'application/dicom+json', date });
    });
    return { ...pacsSource, ...config, url: `${fake.url}/dicom-web` };
  }
  const query = (index = 0) => Object.fromEntries(fake!.requests[index].url.searchParams);
  const roster = (source: SourceConfig, options: Partial<QidoRosterOptions> = {}) => createDicomwebRoster(source, options);

  test('asks first for every study, with its Patient ID, a page at a time', async () => {
    const source = await fakePacs(() => ({ body: [study('TREM62031512', '2.25.1')] }));

    await readRoster(roster(source));

    expect(fake!.requests[0].url.pathname).toBe('/dicom-web/studies');
    expect(query()).toEqual({ includefield: '00100020', limit: '100' });
  });

  test("then asks only for studies dated from the cursor's day on (StudyDate=<date>-)", async () => {
    const source = await fakePacs(() => ({ body: [] }));

    await readRoster(roster(source), '2026-11-20');

    expect(query()).toMatchObject({ StudyDate: '20261120-' });
  });

  test("takes the cursor as the day the read began in the source's time zone, by the server's clock", async () => {
    // 03:30 UTC on the 25th is still the evening of the 24th in Montréal.
    const source = await fakePacs(() => ({ body: [], date: new Date('2026-11-25T03:30:00Z') }));

    const { cursor } = await readRoster(roster(source));

    expect(cursor).toBe('2026-11-24');
  });

  test('lists the Patient IDs of a PACS that files studies under its own ids', async () => {
    const source = await fakePacs(() => ({ body: [study('CDN-004217', '2.25.1'), study('CDN-004217', '2.25.2'), study('CDN-009931', '2.25.3')] }), { patientId: 'local' });

    const { entries } = await readRoster(roster(source));

    expect(entries).toEqual([{ localId: 'CDN-004217' }, { localId: 'CDN-009931' }]);
  });

  test('leaves out, at a NAM source, a study whose Patient ID is not a NAM', async () => {
    const source = await fakePacs(() => ({ body: [study('TREM62031512', '2.25.1'), study('ANON-0001', '2.25.2'), study('TREM*', '2.25.3')] }));

    const { entries, people: count } = await readRoster(roster(source));

    expect(entries).toEqual([{ nam: 'TREM62031512' }]);
    expect(count).toBe(1);
  });

  test('fails when the PACS ignores offset, rather than pass a first page for the whole archive', async () => {
    const source = await fakePacs(() => ({ body: [study('TREM62031512', '2.25.1'), study('GAGN71580214', '2.25.2')] }));

    const error = await readRoster(roster(source, { pageSize: 2 })).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'SourceError', failure: 'malformed' });
    expect(fake!.requests.map((r) => r.url.searchParams.get('offset'))).toEqual([null, '2']);
  });

  test('an answer that is not a list of studies is a SourceError that does not quote it', async () => {
    const source = await fakePacs(() => ({ body: { error: 'Patient TREM62031512 Tremblay: archive offline' } }));

    const error = await readRoster(roster(source)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SourceError);
    expect(error).toMatchObject({ failure: 'malformed' });
    expect((error as Error).message).not.toMatch(/TREM|Tremblay|offline/);
  });
});
