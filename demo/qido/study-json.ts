import type { DemoStudy } from '../pacs-studies';

/** Attributes returned only when asked with includefield (DICOM PS3.18 §8.3.4.3), as Orthanc does. */
export const ON_REQUEST: Readonly<Record<string, string>> = {
  StudyDescription: '00081030',
  NumberOfStudyRelatedSeries: '00201206',
  NumberOfStudyRelatedInstances: '00201208',
};
const ON_REQUEST_TAGS = new Set(Object.values(ON_REQUEST));

const element = (vr: string, ...Value: unknown[]) => ({ vr, Value });

/**
 * One study as a QIDO-RS study-level result in the DICOM JSON model (PS3.18 §F.2): keys are tags
 * in ascending order; the on-request attributes only when `include` holds their tag. The Retrieve
 * URL (00081190) is built on `base`, the DICOMweb base the client reached.
 */
export function studyJson(study: DemoStudy, base: string, include: ReadonlySet<string>): Record<string, unknown> {
  const { person } = study;
  const all: Record<string, unknown> = {
    '00080005': element('CS', 'ISO_IR 192'),
    '00080020': element('DA', study.studyDate),
    '00080030': element('TM', study.studyTime),
    '00080050': element('SH', study.accessionNumber),
    '00080061': element('CS', ...study.modalities),
    '00081030': element('LO', study.description),
    '00081190': element('UR', `${base}/studies/${study.studyInstanceUid}`),
    '00100010': element('PN', { Alphabetic: `${person.familyName}^${person.givenName}` }),
    '00100020': element('LO', person.nam),
    '00100030': element('DA', person.birthDate.replace(/-/g, '')),
    '00100040': element('CS', person.sex),
    '0020000D': element('UI', study.studyInstanceUid),
    '00201206': element('IS', study.seriesCount),
    '00201208': element('IS', study.instanceCount),
  };
  for (const tag of ON_REQUEST_TAGS) if (!include.has(tag)) delete all[tag];
  return all;
}
