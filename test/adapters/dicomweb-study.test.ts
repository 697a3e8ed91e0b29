import { readFileSync } from 'node:fs';
import path from 'node:path';
import { dicomDateTime, parseTime } from '../../adapters/dicomweb/dateTime';
import { allStrings, firstInteger, firstString } from '../../adapters/dicomweb/dicomJson';
import { studyFromDicomJson } from '../../adapters/dicomweb/study';
import { DEFAULT_NAM_SYSTEM, type SourceConfig } from '../../lib/sources';

const orthancSample = path.join(__dirname, '../../../shared/samples/dicomweb/qido-studies-orthanc.json');

const source: SourceConfig = {
  id: 'pacs-mtl-centre-west',
  name: 'Imagerie médicale Côte-des-Neiges',
  domain: 'IMAGING',
  protocol: 'dicomweb',
  url: 'http://pacs.test/dicom-web',
  region: 'Montréal',
  area: 'Centre-west',
  patientId: 'nam',
  namSystem: DEFAULT_NAM_SYSTEM,
  timeZone: 'America/Montreal',
};

/** A study as a QIDO-RS server might send it, built attribute by attribute. */
const study = (elements: Record<string, { vr: string; Value?: unknown[] }>) => ({
  '0020000D': { vr: 'UI', Value: ['1.2.3.4'] },
  ...elements,
});

describe('DICOM JSON study to ImagingStudy', () => {
  it("the Orthanc sample maps to one CR study with two series, local time placed in Montréal's offset", () => {
    const answer = JSON.parse(readFileSync(orthancSample, 'utf8')) as unknown[];
    expect(answer).toHaveLength(1);
    // 7 November 2023 is two days after the return to standard time: EST, -05:00.
    expect(studyFromDicomJson(answer[0], source)).toEqual({
      studyInstanceUid: '1.2.826.0.1.3680043.8.498.13023905686039217212810906890238337957',
      modalities: ['CR'],
      description: 'Radiographie poignet gauche',
      startedAt: '2023-11-07T08:30:00-05:00',
      accessionNumber: 'DEMO-CR-0001',
      seriesCount: 2,
      instanceCount: 2,
      facility: { id: 'pacs-mtl-centre-west', name: 'Imagerie médicale Côte-des-Neiges', region: 'Montréal', area: 'Centre-west' },
    });
  });

  it('a PN value is read by its Alphabetic group (the Orthanc sample)', () => {
    const [dataset] = JSON.parse(readFileSync(orthancSample, 'utf8')) as Record<string, unknown>[];
    expect(firstString(dataset, '00100010')).toBe('Tremblay^Sylvie');
  });

  it('a study without a StudyInstanceUID is skipped', () => {
    expect(studyFromDicomJson({ '00080061': { vr: 'CS', Value: ['CT'] } }, source)).toBeUndefined();
    expect(studyFromDicomJson({ '0020000D': { vr: 'UI' } }, source)).toBeUndefined();
    expect(studyFromDicomJson({ '0020000D': { vr: 'UI', Value: [null] } }, source)).toBeUndefined();
    expect(studyFromDicomJson('1.2.3', source)).toBeUndefined();
  });

  it('a summer study is placed at Montréal daylight time', () => {
    const record = studyFromDicomJson(study({ '00080020': { vr: 'DA', Value: ['20240715'] }, '00080030': { vr: 'TM', Value: ['142501'] } }), source);
    expect(record?.startedAt).toBe('2024-07-15T14:25:01-04:00');
  });

  it("a source in another zone has its local time placed in that zone", () => {
    const record = studyFromDicomJson(study({ '00080020': { vr: 'DA', Value: ['20240715'] }, '00080030': { vr: 'TM', Value: ['0800'] } }), {
      ...source,
      timeZone: 'America/Vancouver',
    });
    expect(record?.startedAt).toBe('2024-07-15T08:00:00-07:00');
  });

  it('Timezone Offset From UTC in the dataset wins over the source zone', () => {
    const record = studyFromDicomJson(
      study({
        '00080020': { vr: 'DA', Value: ['20240115'] },
        '00080030': { vr: 'TM', Value: ['093000'] },
        '00080201': { vr: 'SH', Value: ['+0100'] },
      }),
      source,
    );
    expect(record?.startedAt).toBe('2024-01-15T09:30:00+01:00');
    // Newfoundland's half-hour offset, west of UTC.
    expect(dicomDateTime({ date: '20240115', time: '0930', timezoneOffset: '-0330' }, 'America/Montreal')).toBe('2024-01-15T09:30:00-03:30');
    // An offset outside PS3.3's -1200..+1400 is noise: the source's zone is used.
    expect(dicomDateTime({ date: '20240115', time: '0930', timezoneOffset: '+2500' }, 'America/Montreal')).toBe('2024-01-15T09:30:00-05:00');
  });

  it('TM forms: HHMMSS.FFFFFF, HHMM, HH, HH:MM:SS; an absent time is the start of the local day', () => {
    const at = (time?: string) => dicomDateTime({ date: '20240115', time }, 'America/Montreal');
    expect(at('142501.123456')).toBe('2024-01-15T14:25:01-05:00');
    expect(at('1425')).toBe('2024-01-15T14:25:00-05:00');
    expect(at('14')).toBe('2024-01-15T14:00:00-05:00');
    expect(at('14:25:01')).toBe('2024-01-15T14:25:01-05:00');
    expect(at(undefined)).toBe('2024-01-15T00:00:00-05:00');
    // An unreadable time keeps the day rather than losing the study's date.
    expect(at('2561')).toBe('2024-01-15T00:00:00-05:00');
    expect(parseTime('235960')).toEqual({ hour: 23, minute: 59, second: 59 });
  });

  it('an absent or impossible StudyDate leaves startedAt out', () => {
    expect(studyFromDicomJson(study({ '00080030': { vr: 'TM', Value: ['083000'] } }), source)).not.toHaveProperty('startedAt');
    expect(dicomDateTime({ date: '20230230' }, 'America/Montreal')).toBeUndefined();
    expect(dicomDateTime({ date: '2023.11.07', time: '0830' }, 'America/Montreal')).toBe('2023-11-07T08:30:00-05:00');
  });

  it('counts sent as strings (dcm4chee, CP 1861) are read as numbers; a negative or decimal count is left out', () => {
    const record = studyFromDicomJson(
      study({ '00201206': { vr: 'IS', Value: [' 3 '] }, '00201208': { vr: 'IS', Value: ['412'] } }),
      source,
    );
    expect(record).toMatchObject({ seriesCount: 3, instanceCount: 412 });
    const odd = studyFromDicomJson(study({ '00201206': { vr: 'IS', Value: [-1] }, '00201208': { vr: 'IS', Value: ['4.5'] } }), source);
    expect(odd).not.toHaveProperty('seriesCount');
    expect(odd).not.toHaveProperty('instanceCount');
    expect(firstInteger({ x: { vr: 'IS', Value: [12] } }, 'x')).toBe(12);
  });

  it('Modalities in Study keeps every modality once, whether multi-valued or joined with a backslash', () => {
    expect(studyFromDicomJson(study({ '00080061': { vr: 'CS', Value: ['CT', null, 'SR', 'CT'] } }), source)?.modalities).toEqual(['CT', 'SR']);
    expect(allStrings({ '00080061': { vr: 'CS', Value: ['MR\\SR'] } }, '00080061')).toEqual(['MR', 'SR']);
    expect(studyFromDicomJson(study({}), source)?.modalities).toEqual([]);
  });

  it('empty elements (PS3.18 F.2.5) leave their fields out, and padding is trimmed', () => {
    const record = studyFromDicomJson(
      {
        '0020000D': { vr: 'UI', Value: ['1.2.840.99.1\u0000'] },
        '00081030': { vr: 'LO' },
        '00080050': { vr: 'SH', Value: ['  '] },
      },
      source,
    );
    expect(record).toEqual({ studyInstanceUid: '1.2.840.99.1', modalities: [], facility: expect.objectContaining({ id: source.id }) });
  });

  it('a lower-case tag key from a lax server is still read', () => {
    expect(firstString({ '0020000d': { vr: 'UI', Value: ['1.2.3'] } }, '0020000D')).toBe('1.2.3');
  });
});
