import { DateTime } from 'luxon';
import nock from 'nock';
import { createDicomwebSources } from '../../adapters/dicomweb';
import { QIDO_DEFAULTS, searchImagingStudies } from '../../adapters/dicomweb/qido';
import type { RecordSource } from '../../adapters/port';
import { demoPeople } from '../../demo/people';
import { demoStudies, startDemoPacs, type DemoPacs, type DemoStudy } from '../../demo/pacs-server';
import { DEFAULT_NAM_SYSTEM, type SourceConfig } from '../../lib/sources';

// nock patches Node's http module, which a jest worker shares with the next test file: undo it.
afterAll(() => nock.restore());

const people = demoPeople();
const studies = demoStudies(people);
let pacs: DemoPacs;
let source: SourceConfig;

const studiesByNam = new Map<string, DemoStudy[]>();
for (const study of studies) studiesByNam.set(study.person.nam, [...(studiesByNam.get(study.person.nam) ?? []), study]);

/** What a QIDO-RS client receives for a query string, with the status and content type. */
async function search(query: string, init?: RequestInit) {
  const response = await fetch(`${pacs.url}/studies${query}`, { headers: { accept: 'application/dicom+json' }, ...init });
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type'), text, body: text ? JSON.parse(text) : undefined };
}
const tagValue = (dataset: Record<string, { Value?: unknown[] }>, tag: string) => dataset[tag]?.Value?.[0];

beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  pacs = await startDemoPacs({ port: 0, people });
  source = {
    id: 'pacs-mtl-centre-west',
    name: 'Imagerie médicale Côte-des-Neiges',
    domain: 'IMAGING',
    protocol: 'dicomweb',
    url: pacs.url,
    region: 'Montréal',
    area: 'Centre-west',
    patientId: 'nam',
    namSystem: DEFAULT_NAM_SYSTEM,
    timeZone: 'America/Montreal',
  };
});
afterEach(() => nock.cleanAll());
afterAll(async () => {
  await pacs.close();
  nock.enableNetConnect();
});

describe('demo PACS', () => {
  it('the adapter reads the demo PACS', async () => {
    const withStudies = [...studiesByNam.keys()].slice(0, 12);
    const without = people.find((p) => !studiesByNam.has(p.nam))!;
    const imaging = createDicomwebSources(source)[0] as RecordSource<'imagingStudies'>;
    const found = await imaging.fetch({ patients: [...withStudies, without.nam].map((nam) => ({ nam })), signal: AbortSignal.timeout(5000) });
    expect([...found.keys()].sort()).toEqual([...withStudies].sort());
    for (const nam of withStudies) {
      const expected = studiesByNam.get(nam)!.map((s) => ({
        studyInstanceUid: s.studyInstanceUid,
        modalities: s.modalities,
        description: s.description,
        // The PACS's wall-clock time, placed in Montréal's zone by an independent reading.
        startedAt: DateTime.fromFormat(s.studyDate + s.studyTime.slice(0, 6), 'yyyyMMddHHmmss', { zone: 'America/Montreal' }).toISO({ suppressMilliseconds: true }),
        accessionNumber: s.accessionNumber,
        seriesCount: s.seriesCount,
        instanceCount: s.instanceCount,
        facility: { id: source.id, name: source.name, region: 'Montréal', area: 'Centre-west' },
      }));
      expect(found.get(nam)).toEqual(expect.arrayContaining(expected));
      expect(found.get(nam)).toHaveLength(expected.length);
    }
  });

  it('the adapter pages through the demo PACS with limit and offset, and applies since', async () => {
    const [nam, own] = [...studiesByNam].find(([, list]) => list.length >= 3)!;
    const paged = await searchImagingStudies(source, { patients: [{ nam }], signal: AbortSignal.timeout(5000) }, { ...QIDO_DEFAULTS, pageSize: 1 });
    expect(paged.get(nam)?.map((s) => s.studyInstanceUid).sort()).toEqual(own.map((s) => s.studyInstanceUid).sort());

    const since = `${own[1].studyDate.slice(0, 4)}-${own[1].studyDate.slice(4, 6)}-${own[1].studyDate.slice(6)}`;
    const recent = await (createDicomwebSources(source)[0] as RecordSource<'imagingStudies'>).fetch({ patients: [{ nam }], since, signal: AbortSignal.timeout(5000) });
    expect(recent.get(nam)?.map((s) => s.studyInstanceUid).sort()).toEqual(own.slice(1).map((s) => s.studyInstanceUid).sort());
  });

  it('an unknown patient gets [] as DICOM JSON, like Orthanc', async () => {
    const answer = await search('?PatientID=XXXX00000000');
    expect(answer).toMatchObject({ status: 200, type: 'application/dicom+json', body: [] });
  });

  it('PatientID matches exactly, or with * and ? wildcards', async () => {
    const [nam, own] = [...studiesByNam][0];
    const exact = await search(`?PatientID=${nam}`);
    expect(exact.body.map((d: Record<string, never>) => tagValue(d, '0020000D'))).toEqual(own.map((s) => s.studyInstanceUid));
    expect((await search(`?PatientID=${nam.toLowerCase()}`)).body).toEqual([]);
    const prefix = nam.slice(0, 3);
    const wild = await search(`?PatientID=${prefix}*`);
    expect(wild.body.length).toBe(studies.filter((s) => s.person.nam.startsWith(prefix)).length);
    expect((await search(`?PatientID=${nam.slice(0, -1)}?`)).body.length).toBe(own.length);
    expect((await search('?PatientID=*')).body.length).toBe(studies.length);
  });

  it('StudyDate matches a single date or a range a-b, a- and -b', async () => {
    const date = studies[0].studyDate;
    const count = (test: (d: string) => boolean) => studies.filter((s) => test(s.studyDate)).length;
    expect((await search(`?StudyDate=${date}`)).body.length).toBe(count((d) => d === date));
    expect((await search('?StudyDate=20200101-20201231')).body.length).toBe(count((d) => d >= '20200101' && d <= '20201231'));
    expect((await search('?StudyDate=20230101-')).body.length).toBe(count((d) => d >= '20230101'));
    expect((await search('?StudyDate=-20170630')).body.length).toBe(count((d) => d <= '20170630'));
  });

  it('description and counts come only with includefield; PN, birth date and Retrieve URL always', async () => {
    const nam = studies[0].person.nam;
    const [plain] = (await search(`?PatientID=${nam}`)).body;
    expect(Object.keys(plain)).not.toEqual(expect.arrayContaining(['00081030']));
    expect(plain).not.toHaveProperty('00201206');
    expect(tagValue(plain, '00100010')).toEqual({ Alphabetic: `${studies[0].person.familyName}^${studies[0].person.givenName}` });
    expect(tagValue(plain, '00100030')).toBe(studies[0].person.birthDate.replace(/-/g, ''));
    expect(tagValue(plain, '00081190')).toBe(`${pacs.url}/studies/${studies[0].studyInstanceUid}`);
    const [full] = (await search(`?PatientID=${nam}&includefield=StudyDescription,00201206&includefield=00201208`)).body;
    expect(tagValue(full, '00081030')).toBe(studies[0].description);
    expect(full['00201206']).toEqual({ vr: 'IS', Value: [studies[0].seriesCount] });
    expect(tagValue(full, '00201208')).toBe(studies[0].instanceCount);
    expect(tagValue((await search(`?PatientID=${nam}&includefield=all`)).body[0], '00081030')).toBe(studies[0].description);
  });

  it('limit and offset page through the results', async () => {
    const all = (await search('?PatientID=*')).body;
    const page = await search('?PatientID=*&limit=5&offset=10');
    expect(page.body).toEqual(all.slice(10, 15));
  });

  it('a malformed query gets 400 with a JSON error that does not echo it; other paths 404; other methods 405', async () => {
    for (const query of ['?PatientId=TREM75061512', '?StudyDate=2024-01-01', '?StudyDate=20240231', '?limit=0', '?offset=-1', '?limit=ten', '?includefield=Nope', '?PatientID=A&PatientID=B']) {
      const answer = await search(query);
      expect([query, answer.status]).toEqual([query, 400]);
      expect(answer.body).toEqual({ error: expect.any(String) });
      expect(answer.text).not.toMatch(/TREM|2024|Nope|ten/);
    }
    expect((await fetch(`${pacs.url}/series`)).status).toBe(404);
    expect((await fetch(pacs.url.replace('/dicom-web', '/'))).status).toBe(404);
    expect((await search('', { method: 'POST' })).status).toBe(405);
    expect((await search('', { headers: { accept: 'multipart/related; type="application/dicom+xml"' } })).status).toBe(406);
  });

  it('the demo data is deterministic, mostly Montréal, with 2.25 UIDs and realistic exams', () => {
    expect(demoStudies(demoPeople())).toEqual(studies);
    const uids = studies.map((s) => s.studyInstanceUid);
    expect(new Set(uids).size).toBe(uids.length);
    for (const uid of uids) expect(uid).toMatch(/^2\.25\.[1-9]\d{0,38}$/);
    expect(new Set(studies.map((s) => s.accessionNumber)).size).toBe(studies.length);
    for (const s of studies) {
      expect(s.accessionNumber.length).toBeLessThanOrEqual(16);
      expect(s.studyDate >= s.person.birthDate.replace(/-/g, '')).toBe(true);
      expect(s.studyTime).toMatch(/^([01]\d|2[0-3])[0-5]\d[0-5]\d(\.\d{6})?$/);
      if (s.modalities.includes('MG')) expect(s.person.sex).toBe('F');
    }
    const montreal = studies.filter((s) => s.person.region === 'Montréal').length;
    expect(montreal / studies.length).toBeGreaterThan(0.8);
    expect(new Set(studies.flatMap((s) => s.modalities))).toEqual(new Set(['CR', 'DX', 'CT', 'SR', 'MR', 'US', 'MG']));
    expect(studies.map((s) => s.description)).toContain('Radiographie pulmonaire PA et latérale');
  });
});
