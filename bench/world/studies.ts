import type { DemoPerson } from '../../demo/people';
import { demoStudyUid, type DemoStudy } from '../../demo/pacs-studies';
import { dayBetween, dayOf, dicomDate, dicomTime, LAST } from './clock';
import { between } from './random';

interface Exam {
  modalities: string[];
  description: string;
  series: [number, number];
  instancesPerSeries: [number, number];
  /** Who may have this exam, by sex and age. */
  for?: (sex: DemoPerson['sex'], age: number) => boolean;
}

/** Everyday exams of a Québec imaging centre (the demo PACS's, demo/pacs-studies.ts); a CT study holds its dose report (SR). */
const EXAMS: Exam[] = [
  { modalities: ['CR'], description: 'Radiographie pulmonaire PA et latérale', series: [1, 2], instancesPerSeries: [1, 2] },
  { modalities: ['DX'], description: 'Radiographie de la colonne lombaire', series: [1, 1], instancesPerSeries: [2, 3] },
  { modalities: ['DX'], description: 'Radiographie genou droit avec mise en charge', series: [1, 2], instancesPerSeries: [1, 2] },
  { modalities: ['CT', 'SR'], description: 'TDM cérébrale sans contraste', series: [2, 4], instancesPerSeries: [30, 180] },
  { modalities: ['CT', 'SR'], description: 'TDM thoraco-abdomino-pelvienne avec contraste', series: [3, 6], instancesPerSeries: [150, 600] },
  { modalities: ['MR'], description: 'IRM du genou gauche', series: [5, 8], instancesPerSeries: [20, 60] },
  { modalities: ['US'], description: 'Échographie abdominale', series: [1, 1], instancesPerSeries: [15, 45] },
  // The Québec breast cancer screening programme (PQDCS) invites women aged 50 to 74.
  { modalities: ['MG'], description: 'Mammographie de dépistage', series: [1, 1], instancesPerSeries: [4, 4], for: (sex, age) => sex === 'F' && age >= 50 && age <= 74 },
];

const STUDIES_FROM = dayOf('2016-01-01');

/**
 * A person's studies at one imaging centre: one to four, between 2016 (or their birth) and the end
 * of the demo's history, in date order. UIDs are name-based (demo/pacs-studies.ts demoStudyUid)
 * on the seed, source and person, so they are the same on every request and unique in the world.
 */
export function studiesOf(random: () => number, person: DemoPerson, uidName: string): DemoStudy[] {
  const born = dayOf(person.birthDate);
  const first = Math.min(Math.max(STUDIES_FROM, born + 1), LAST);
  const count = between(random, 1, 4);
  const studies: DemoStudy[] = [];
  for (let n = 0; n < count; n++) {
    const day = dayBetween(random, first, LAST);
    const age = Math.floor((day - born) / 365.25);
    const exams = EXAMS.filter((exam) => !exam.for || exam.for(person.sex, age));
    const exam = exams[Math.floor(random() * exams.length)];
    const seriesCount = between(random, ...exam.series);
    let instanceCount = 0;
    for (let s = 0; s < seriesCount; s++) instanceCount += between(random, ...exam.instancesPerSeries);
    // CT and MR consoles write fractions of a second in TM.
    const fraction = exam.modalities.includes('CT') || exam.modalities.includes('MR') ? `.${String(between(random, 0, 999_999)).padStart(6, '0')}` : '';
    studies.push({
      studyInstanceUid: demoStudyUid(`${uidName}/${n}`),
      person,
      studyDate: dicomDate(day),
      studyTime: `${dicomTime(between(random, 7 * 60, 20 * 60 + 59), between(random, 0, 59))}${fraction}`,
      modalities: exam.modalities,
      description: exam.description,
      accessionNumber: `A${String(between(random, 0, 99_999_999)).padStart(8, '0')}`,
      seriesCount,
      instanceCount: instanceCount + (exam.modalities.includes('SR') ? 1 : 0),
    });
  }
  return studies.sort((a, b) => (a.studyDate + a.studyTime).localeCompare(b.studyDate + b.studyTime));
}

/** Attributes returned only when asked with includefield (PS3.18 §8.3.4.3), as Orthanc does. */
export const ON_REQUEST: Record<string, string> = { StudyDescription: '00081030', NumberOfStudyRelatedSeries: '00201206', NumberOfStudyRelatedInstances: '00201208' };
const ON_REQUEST_TAGS = new Set(Object.values(ON_REQUEST));

/** One study in the DICOM JSON model (PS3.18 §F.2): keys are tags in ascending order; `include` holds the on-request tags asked. */
export function studyJson(study: DemoStudy, base: string, include: ReadonlySet<string>): Record<string, unknown> {
  const element = (vr: string, ...Value: unknown[]) => ({ vr, Value });
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
