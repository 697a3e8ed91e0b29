import { createHash } from 'node:crypto';
import { isUnknownToSources, seeded, type DemoPerson } from './people';

/**
 * What the demo PACS (Imagerie médicale Côte-des-Neiges) holds: imaging studies for the demo
 * population, derived from each person's index through the seeded generator, so every run sees
 * the same studies. A hospital imaging department serves the whole city: most Montréal people
 * have studies here, a few Mauricie people (referred to Montréal) too.
 */
export interface DemoStudy {
  studyInstanceUid: string;
  person: DemoPerson;
  /** DA, YYYYMMDD, local date: DICOM carries no offset (PS3.5 §6.2). */
  studyDate: string;
  /** TM, HHMMSS or HHMMSS.FFFFFF (CT and MR consoles write fractions), local time. */
  studyTime: string;
  modalities: string[];
  description: string;
  accessionNumber: string;
  seriesCount: number;
  instanceCount: number;
}

/** A kind of imaging exam, and the sizes its studies come in. */
export interface Exam {
  modalities: string[];
  description: string;
  series: [number, number];
  instancesPerSeries: [number, number];
  /** Who may have this exam, by sex and age at the study. */
  for?: (sex: DemoPerson['sex'], age: number) => boolean;
}

/**
 * Everyday exams of a Québec hospital imaging department, the catalogue of the demo PACS and of the
 * bench's imaging centres (bench/world/studies.ts); a CT study also holds its dose report (SR).
 */
export const EXAMS: readonly Exam[] = [
  { modalities: ['CR'], description: 'Radiographie pulmonaire PA et latérale', series: [1, 2], instancesPerSeries: [1, 2] },
  { modalities: ['CR'], description: 'Radiographie poignet gauche', series: [1, 2], instancesPerSeries: [1, 2] },
  { modalities: ['DX'], description: 'Radiographie de la colonne lombaire', series: [1, 1], instancesPerSeries: [2, 3] },
  { modalities: ['DX'], description: 'Radiographie genou droit avec mise en charge', series: [1, 2], instancesPerSeries: [1, 2] },
  { modalities: ['CT', 'SR'], description: 'TDM cérébrale sans contraste', series: [2, 4], instancesPerSeries: [30, 180] },
  { modalities: ['CT', 'SR'], description: 'TDM thoraco-abdomino-pelvienne avec contraste', series: [3, 6], instancesPerSeries: [150, 600] },
  { modalities: ['MR'], description: 'IRM du genou gauche', series: [5, 8], instancesPerSeries: [20, 60] },
  { modalities: ['MR'], description: 'IRM cérébrale avec et sans gadolinium', series: [6, 10], instancesPerSeries: [20, 200] },
  { modalities: ['US'], description: 'Échographie abdominale', series: [1, 1], instancesPerSeries: [15, 45] },
  { modalities: ['US'], description: 'Échographie thyroïdienne', series: [1, 1], instancesPerSeries: [10, 30] },
  // The Québec breast cancer screening programme (PQDCS) invites women aged 50 to 74.
  { modalities: ['MG'], description: 'Mammographie de dépistage', series: [1, 1], instancesPerSeries: [4, 4], for: (sex, age) => sex === 'F' && age >= 50 && age <= 74 },
  { modalities: ['MG'], description: 'Mammographie diagnostique unilatérale', series: [1, 1], instancesPerSeries: [2, 3], for: (sex, age) => sex === 'F' && age >= 35 },
];

/** Fixed, so the data does not move with the clock. */
const FIRST_DAY = Date.UTC(2016, 0, 1);
const LAST_DAY = Date.UTC(2025, 5, 30);
const DAY_MS = 86_400_000;

const between = (random: () => number, [min, max]: readonly [number, number]) => min + Math.floor(random() * (max - min + 1));
const two = (n: number) => String(n).padStart(2, '0');

/** What one study is: its exam, its size, and the fraction of a second its console writes in TM. */
export type ExamStudy = Pick<DemoStudy, 'modalities' | 'description' | 'seriesCount' | 'instanceCount'> & { timeFraction: string };

/**
 * Draws the exam of one study among those this person may have, then its size. A CT study's dose
 * report is one more series of one instance (the SR); CT and MR consoles write fractions of a
 * second in TM (HHMMSS.FFFFFF, PS3.5 §6.2), other modalities whole seconds ('' here).
 */
export function examFor(random: () => number, sex: DemoPerson['sex'], age: number): ExamStudy {
  const exams = EXAMS.filter((exam) => !exam.for || exam.for(sex, age));
  const exam = exams[Math.floor(random() * exams.length)];
  const seriesCount = between(random, exam.series);
  let instanceCount = 0;
  for (let s = 0; s < seriesCount; s++) instanceCount += between(random, exam.instancesPerSeries);
  const withDoseReport = exam.modalities.includes('SR') ? 1 : 0;
  const timeFraction = exam.modalities.includes('CT') || exam.modalities.includes('MR') ? `.${String(Math.floor(random() * 1e6)).padStart(6, '0')}` : '';
  return { modalities: exam.modalities, description: exam.description, seriesCount: seriesCount + withDoseReport, instanceCount: instanceCount + withDoseReport, timeFraction };
}

/** This PACS's UID namespace (a fixed random UUID) for name-based UUIDs. */
const UID_NAMESPACE = Buffer.from('3f6d2c8a9b1e4d07a5c2e8f14b7d9a60', 'hex');

/**
 * A UUID-derived UID (PS3.5 §B.2): "2.25." then the UUID as one decimal integer. The UUID is
 * name-based (RFC 9562 version 5, SHA-1) so it is the same on every run; at most 44 characters,
 * within UI's 64 (PS3.5 §9.1), and an integer has no leading zero, as UID components must not.
 */
export function demoStudyUid(name: string): string {
  const bytes = createHash('sha1').update(UID_NAMESPACE).update(name, 'utf8').digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  return `2.25.${BigInt(`0x${bytes.toString('hex')}`).toString(10)}`;
}

function ageOn(birthDate: string, day: Date): number {
  const [year, month, date] = birthDate.split('-').map(Number);
  const had = day.getUTCMonth() + 1 > month || (day.getUTCMonth() + 1 === month && day.getUTCDate() >= date);
  return day.getUTCFullYear() - year - (had ? 0 : 1);
}

function studiesOf(person: DemoPerson): DemoStudy[] {
  if (isUnknownToSources(person)) return [];
  const random = seeded(7000 + person.index);
  const count = person.region === 'Montréal' ? (random() < 0.85 ? 1 + Math.floor(random() * 4) : 0) : random() < 0.25 ? 1 : 0;
  const born = Date.parse(`${person.birthDate}T00:00:00Z`);
  const first = Math.max(FIRST_DAY, born + DAY_MS);
  if (first > LAST_DAY) return [];
  const studies: DemoStudy[] = [];
  for (let n = 0; n < count; n++) {
    const day = new Date(first + Math.floor(random() * ((LAST_DAY - first) / DAY_MS + 1)) * DAY_MS);
    const { timeFraction, ...exam } = examFor(random, person.sex, ageOn(person.birthDate, day));
    const studyTime = `${two(7 + Math.floor(random() * 14))}${two(Math.floor(random() * 60))}${two(Math.floor(random() * 60))}${timeFraction}`;
    const year = day.getUTCFullYear();
    studies.push({
      studyInstanceUid: demoStudyUid(`${person.nam}/${n}`),
      person,
      studyDate: `${year}${two(day.getUTCMonth() + 1)}${two(day.getUTCDate())}`,
      studyTime,
      modalities: exam.modalities,
      description: exam.description,
      accessionNumber: `CDN${year}${String(person.index * 10 + n).padStart(5, '0')}`,
      seriesCount: exam.seriesCount,
      instanceCount: exam.instanceCount,
    });
  }
  return studies.sort((a, b) => (a.studyDate + a.studyTime).localeCompare(b.studyDate + b.studyTime));
}

/** Every study the demo PACS holds for these people, in person order then date order. */
export function demoStudies(people: readonly DemoPerson[]): DemoStudy[] {
  return people.flatMap(studiesOf);
}
