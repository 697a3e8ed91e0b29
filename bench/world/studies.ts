import type { DemoPerson } from '../../demo/people';
import { demoStudyUid, examFor, type DemoStudy } from '../../demo/pacs-studies';
import { dayBetween, dayOf, dicomDate, dicomTime, LAST } from './clock';
import { between } from './random';

const STUDIES_FROM = dayOf('2016-01-01');

/**
 * A person's studies at one imaging centre: one to four, between 2016 (or their birth) and the end
 * of the demo's history, in date order, each drawn from the demo PACS's exams
 * (demo/pacs-studies.ts examFor). UIDs are name-based (demoStudyUid) on the seed, source and
 * person, so they are the same on every request and unique in the world.
 */
export function studiesOf(random: () => number, person: DemoPerson, uidName: string): DemoStudy[] {
  const born = dayOf(person.birthDate);
  const first = Math.min(Math.max(STUDIES_FROM, born + 1), LAST);
  const count = between(random, 1, 4);
  const studies: DemoStudy[] = [];
  for (let n = 0; n < count; n++) {
    const day = dayBetween(random, first, LAST);
    const { timeFraction, ...exam } = examFor(random, person.sex, Math.floor((day - born) / 365.25));
    studies.push({
      studyInstanceUid: demoStudyUid(`${uidName}/${n}`),
      person,
      studyDate: dicomDate(day),
      studyTime: `${dicomTime(between(random, 7 * 60, 20 * 60 + 59), between(random, 0, 59))}${timeFraction}`,
      modalities: exam.modalities,
      description: exam.description,
      accessionNumber: `A${String(between(random, 0, 99_999_999)).padStart(8, '0')}`,
      seriesCount: exam.seriesCount,
      instanceCount: exam.instanceCount,
    });
  }
  return studies.sort((a, b) => (a.studyDate + a.studyTime).localeCompare(b.studyDate + b.studyTime));
}
