import path from 'node:path';
import nock from 'nock';
import { createDicomwebSources } from '../../adapters/dicomweb';
import { patientIdFor, QIDO_DEFAULTS, searchImagingStudies, studySearchUrl } from '../../adapters/dicomweb/qido';
import { SourceError, type PatientRef, type RecordSource } from '../../adapters/port';
import { demoPeople } from '../../demo/people';
import { DEFAULT_NAM_SYSTEM, type SourceConfig } from '../../lib/sources';

// nock patches Node's http module, which a jest worker shares with the next test file: undo it.
afterAll(() => nock.restore());

const orthancSample = path.join(__dirname, '../../../shared/samples/dicomweb/qido-studies-orthanc.json');
const SAMPLE_NAM = 'TREM75061512';
const HOST = 'http://pacs.test';
const DICOM_JSON = { 'content-type': 'application/dicom+json' };

const source: SourceConfig = {
  id: 'pacs-mtl-centre-west',
  name: 'Imagerie médicale Côte-des-Neiges',
  domain: 'IMAGING',
  protocol: 'dicomweb',
  url: `${HOST}/dicom-web`,
  region: 'Montréal',
  area: 'Centre-west',
  patientId: 'nam',
  namSystem: DEFAULT_NAM_SYSTEM,
  timeZone: 'America/Montreal',
};

/** The one source createDicomwebSources offers, typed as the imaging source it is. */
const imagingOf = (config: SourceConfig) => createDicomwebSources(config)[0] as RecordSource<'imagingStudies'>;
const fetchFor = (patients: PatientRef[], since?: string, signal = AbortSignal.timeout(5000)) =>
  imagingOf(source).fetch({ patients, since, signal });

/** A minimal study for `patientId`, dated `date` (DA). */
const studyOf = (patientId: string, uid: string, date = '20240301') => ({
  '00080020': { vr: 'DA', Value: [date] },
  '00080030': { vr: 'TM', Value: ['101500'] },
  '00080061': { vr: 'CS', Value: ['US'] },
  '00100020': { vr: 'LO', Value: [patientId] },
  '0020000D': { vr: 'UI', Value: [uid] },
});

const paramsOf = (uri: string) => new URL(uri, HOST).searchParams;

/** Rejection of `promise`, for checking what a SourceError says and does not say. */
async function failureOf(promise: Promise<unknown>): Promise<SourceError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SourceError);
  return error as SourceError;
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe('QIDO-RS study search', () => {
  it('the study search asks PatientID with the included fields, as DICOM JSON', async () => {
    let asked: { uri: string; accept: unknown } | undefined;
    const scope = nock(HOST)
      .get('/dicom-web/studies')
      .query(true)
      .reply(function (uri) {
        asked = { uri, accept: this.req.headers.accept };
        return [200, [], DICOM_JSON];
      });
    await fetchFor([{ nam: SAMPLE_NAM }]);
    expect(scope.isDone()).toBe(true);
    expect(asked?.uri).toBe(
      `/dicom-web/studies?PatientID=${SAMPLE_NAM}&includefield=00081030&includefield=00201206&includefield=00201208&limit=100`,
    );
    expect(asked?.accept).toBe('application/dicom+json');
  });

  it('the Orthanc sample comes back filed under the NAM asked', async () => {
    nock(HOST).get('/dicom-web/studies').query({ PatientID: SAMPLE_NAM, includefield: ['00081030', '00201206', '00201208'], limit: '100' }).replyWithFile(200, orthancSample, DICOM_JSON);
    const found = await fetchFor([{ nam: SAMPLE_NAM }]);
    expect([...found.keys()]).toEqual([SAMPLE_NAM]);
    expect(found.get(SAMPLE_NAM)).toEqual([
      expect.objectContaining({ modalities: ['CR'], seriesCount: 2, instanceCount: 2, startedAt: '2023-11-07T08:30:00-05:00' }),
    ]);
  });

  it('a PACS answering 204 means no studies', async () => {
    const scope = nock(HOST).get('/dicom-web/studies').query(true).reply(204);
    const found = await fetchFor([{ nam: SAMPLE_NAM }]);
    expect(scope.isDone()).toBe(true);
    expect(found.size).toBe(0);
  });

  it('a PACS answering [] means no studies', async () => {
    const scope = nock(HOST).get('/dicom-web/studies').query(true).reply(200, [], DICOM_JSON);
    expect((await fetchFor([{ nam: SAMPLE_NAM }])).size).toBe(0);
    expect(scope.isDone()).toBe(true);
  });

  it("a PACS that ignores the PatientID filter does not leak another person's study", async () => {
    const other = 'GAGN44541911';
    nock(HOST)
      .get('/dicom-web/studies')
      .query(true)
      .reply(200, [studyOf(SAMPLE_NAM, '1.2.3.1'), studyOf(other, '1.2.3.2'), studyOf(SAMPLE_NAM.toLowerCase(), '1.2.3.3'), { ...studyOf(SAMPLE_NAM, '1.2.3.4'), '00100020': { vr: 'LO' } }], DICOM_JSON);
    const found = await fetchFor([{ nam: SAMPLE_NAM }]);
    // Only the exact, present Patient ID is kept: not the other person, not a case variant, not an unknown one.
    expect(found.get(SAMPLE_NAM)?.map((s) => s.studyInstanceUid)).toEqual(['1.2.3.1']);
    expect(found.has(other)).toBe(false);
  });

  it('fifty people are asked with bounded concurrency', async () => {
    const people = demoPeople(50).map((p) => ({ nam: p.nam }));
    let inFlight = 0;
    let peak = 0;
    const asked: string[] = [];
    nock(HOST)
      .get('/dicom-web/studies')
      .query(true)
      .times(50)
      .reply(async (uri) => {
        const id = paramsOf(uri).get('PatientID')!;
        asked.push(id);
        peak = Math.max(peak, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 15));
        inFlight--;
        return [200, [studyOf(id, `2.25.${asked.length}`)], DICOM_JSON];
      });
    const found = await fetchFor(people);
    expect(asked.sort()).toEqual(people.map((p) => p.nam).sort());
    expect(peak).toBe(QIDO_DEFAULTS.concurrency);
    expect(found.size).toBe(50);
    for (const { nam } of people) expect(found.get(nam)).toHaveLength(1);
  });

  it('a PACS answering an HTML page is reported malformed without echoing it', async () => {
    nock(HOST)
      .get('/dicom-web/studies')
      .query(true)
      .reply(200, `<html><body>Login: ${SAMPLE_NAM} Tremblay Sylvie</body></html>`, { 'content-type': 'text/html' });
    const error = await failureOf(fetchFor([{ nam: SAMPLE_NAM }]));
    expect(error.failure).toBe('malformed');
    expect(error.message).not.toMatch(/html|TREM|Tremblay|Sylvie/i);
  });

  it('a PACS answering a JSON object, or an array of non-objects, is reported malformed', async () => {
    nock(HOST).get('/dicom-web/studies').query(true).reply(200, { error: `no access to ${SAMPLE_NAM}` }, DICOM_JSON);
    const error = await failureOf(fetchFor([{ nam: SAMPLE_NAM }]));
    expect(error.failure).toBe('malformed');
    expect(error.message).not.toContain(SAMPLE_NAM);
    nock(HOST).get('/dicom-web/studies').query(true).reply(200, [SAMPLE_NAM], DICOM_JSON);
    expect((await failureOf(fetchFor([{ nam: SAMPLE_NAM }]))).failure).toBe('malformed');
  });

  it('since becomes a StudyDate range, and is also applied to what comes back', async () => {
    const scope = nock(HOST)
      .get('/dicom-web/studies')
      .query((q) => q.StudyDate === '20240101-' && q.PatientID === SAMPLE_NAM)
      .reply(200, [
        { ...studyOf(SAMPLE_NAM, '1.1', '20240101'), '00080030': { vr: 'TM', Value: ['000000'] } },
        studyOf(SAMPLE_NAM, '1.2', '20231231'),
        { ...studyOf(SAMPLE_NAM, '1.3'), '00080020': { vr: 'DA' } },
      ], DICOM_JSON);
    const found = await fetchFor([{ nam: SAMPLE_NAM }], '2024-01-01');
    expect(scope.isDone()).toBe(true);
    expect(found.get(SAMPLE_NAM)?.map((s) => s.studyInstanceUid)).toEqual(['1.1']);
    expect(studySearchUrl('http://x/dicom-web/', 'A', { since: '2024-01-01' })).toBe(
      'http://x/dicom-web/studies?PatientID=A&includefield=00081030&includefield=00201206&includefield=00201208&StudyDate=20240101-',
    );
  });

  it("a local-id source asks the source's own id, and skips people without one", async () => {
    let uri = '';
    const scope = nock(HOST)
      .get('/dicom-web/studies')
      .query((q) => q.PatientID === 'CDN 0042+7')
      .reply((path) => {
        uri = path;
        return [200, [studyOf('CDN 0042+7', '9.9')], DICOM_JSON];
      });
    const local = imagingOf({ ...source, patientId: 'local' });
    const found = await local.fetch({ patients: [{ nam: SAMPLE_NAM, localId: 'CDN 0042+7' }, { nam: 'GAGN44541911' }], signal: AbortSignal.timeout(5000) });
    expect(scope.isDone()).toBe(true);
    // Percent-encoded, not form-encoded: a '+' is not a space to every server.
    expect(uri).toContain('PatientID=CDN%200042%2B7&');
    expect([...found.keys()]).toEqual([SAMPLE_NAM]);
  });

  it('an id that QIDO would read as a wildcard is never sent', async () => {
    const local = { ...source, patientId: 'local' as const };
    expect(patientIdFor(local, { nam: SAMPLE_NAM, localId: 'TR-*' })).toBeUndefined();
    expect(patientIdFor(local, { nam: SAMPLE_NAM, localId: 'TR-4?07' })).toBeUndefined();
    expect(patientIdFor(local, { nam: SAMPLE_NAM, localId: 'A\\B' })).toBeUndefined();
    // No interceptor: a request would fail the fetch with a network error.
    const found = await imagingOf(local).fetch({ patients: [{ nam: SAMPLE_NAM, localId: '*' }], signal: AbortSignal.timeout(5000) });
    expect(found.size).toBe(0);
  });

  it('a full page is followed by the next one with offset', async () => {
    const page = (from: number, count: number) => Array.from({ length: count }, (_, i) => studyOf(SAMPLE_NAM, `1.2.${from + i}`));
    const scope = nock(HOST)
      .get('/dicom-web/studies')
      .query((q) => q.limit === '100' && q.offset === undefined)
      .reply(200, page(0, 100), DICOM_JSON)
      .get('/dicom-web/studies')
      .query((q) => q.limit === '100' && q.offset === '100')
      .reply(200, page(100, 3), DICOM_JSON);
    const found = await fetchFor([{ nam: SAMPLE_NAM }]);
    expect(scope.isDone()).toBe(true);
    expect(found.get(SAMPLE_NAM)).toHaveLength(103);
  });

  it('a PACS that ignores offset is asked twice, not forever, and pages stop at maxPages', async () => {
    const same = Array.from({ length: 100 }, (_, i) => studyOf(SAMPLE_NAM, `1.2.${i}`));
    const scope = nock(HOST).get('/dicom-web/studies').query(true).times(2).reply(200, same, DICOM_JSON);
    expect((await fetchFor([{ nam: SAMPLE_NAM }])).get(SAMPLE_NAM)).toHaveLength(100);
    expect(scope.isDone()).toBe(true);

    let pages = 0;
    nock(HOST)
      .get('/dicom-web/studies')
      .query(true)
      .times(3)
      .reply(() => [200, [studyOf(SAMPLE_NAM, `3.${++pages}.1`), studyOf(SAMPLE_NAM, `3.${pages}.2`)], DICOM_JSON]);
    const bounded = await searchImagingStudies(source, { patients: [{ nam: SAMPLE_NAM }], signal: AbortSignal.timeout(5000) }, { ...QIDO_DEFAULTS, pageSize: 2, maxPages: 3 });
    expect(bounded.get(SAMPLE_NAM)).toHaveLength(6);
  });

  it('an HTTP error fails the whole source and stops the requests still running', async () => {
    const people = demoPeople(8).map((p) => ({ nam: p.nam }));
    const asked: string[] = [];
    nock(HOST)
      .get('/dicom-web/studies')
      .query(true)
      .times(8)
      .reply(async (uri) => {
        const id = paramsOf(uri).get('PatientID')!;
        asked.push(id);
        if (id === people[0].nam) return [503, `busy ${id}`];
        await new Promise((resolve) => setTimeout(resolve, 50));
        return [200, [studyOf(id, '1.1')], DICOM_JSON];
      });
    const error = await failureOf(
      searchImagingStudies(source, { patients: people, signal: AbortSignal.timeout(5000) }, { ...QIDO_DEFAULTS, concurrency: 2 }),
    );
    expect(error.failure).toBe('http-status');
    expect(error.message).not.toContain(people[0].nam);
    // Had the other worker gone on, it would have asked the next people by now.
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(asked).toHaveLength(2);
  });

  it("the query's deadline ends the search as a timeout", async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    nock(HOST)
      .get('/dicom-web/studies')
      .query(true)
      .reply(async () => {
        await held;
        return [200, [], DICOM_JSON];
      });
    const error = await failureOf(fetchFor([{ nam: SAMPLE_NAM }], undefined, AbortSignal.timeout(50)));
    release();
    expect(error.failure).toBe('timeout');
  });

  it('createDicomwebSources offers one imagingStudies source, and refuses a source without a base URL', () => {
    const sources = createDicomwebSources(source);
    expect(sources.map((s) => [s.kind, s.source.id])).toEqual([['imagingStudies', 'pacs-mtl-centre-west']]);
    expect(() => createDicomwebSources({ ...source, url: undefined })).toThrow(/base URL/);
  });
});
