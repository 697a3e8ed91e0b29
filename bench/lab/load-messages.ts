import { DateTime } from 'luxon';
import { demoPeople, labMrnOf, pick, seeded, type DemoPerson } from '../../demo/people';

/**
 * The ORU^R01 v2.5.1 messages the lab ingestion bench sends: built like the demo laboratory's
 * (demo/lab-system.ts) but many more, each with a distinct MSH-10 and 3 to 8 OBX, about 1,000
 * distinct people (demoPeople(1000)) in turn. A person's first message carries PID-3 with the NAM
 * (JHN) and the MRN (MR), which links them; one later message in four carries the MRN alone, as
 * lab systems that do not keep the NAM do. Seeded: the same call gives the same messages.
 */
const PEOPLE = 1000;
const RAMQ = 'RAMQ&2.16.124.10.101.1.60.100&ISO';
const FIRST_DAY = DateTime.fromISO('2025-01-06T07:00:00', { zone: 'America/Montreal' });

/** LOINC, French display, SI unit, reference interval, decimals: a Québec lab's common tests. */
const TESTS = [
  ['2345-7', 'Glucose', 'mmol/L', 3.6, 6.1, 1],
  ['2160-0', 'Créatinine', 'µmol/L', 45, 110, 0],
  ['2823-3', 'Potassium', 'mmol/L', 3.5, 5.0, 1],
  ['2951-2', 'Sodium', 'mmol/L', 135, 145, 0],
  ['718-7', 'Hémoglobine', 'g/L', 120, 175, 0],
  ['6690-2', 'Leucocytes', '10*9/L', 4.0, 11.0, 1],
  ['2093-3', 'Cholestérol total', 'mmol/L', 3.0, 5.2, 2],
  ['4548-4', 'Hémoglobine A1c', '%', 4.0, 6.0, 1],
  ['3016-3', 'TSH', 'mU/L', 0.35, 5.0, 2],
  ['1742-6', 'ALT', 'U/L', 7, 56, 0],
] as const;

export function loadMessages(count: number): string[] {
  const people = demoPeople(PEOPLE);
  const random = seeded(20_250_106);
  return Array.from({ length: count }, (_, n) => message(people[n % PEOPLE], n, n >= PEOPLE && random() < 0.25, random));
}

function message(person: DemoPerson, n: number, mrOnly: boolean, random: () => number): string {
  const collected = FIRST_DAY.plus({ minutes: n * 7 });
  const reported = collected.plus({ hours: 2 + Math.floor(random() * 20) });
  const dtm = (t: DateTime) => t.toFormat('yyyyLLddHHmmssZZZ');
  const controlId = `BENCH-${String(n).padStart(8, '0')}`;
  const mrn = `${labMrnOf(person)}^^^CHUM^MR`;
  const tests = new Set<(typeof TESTS)[number]>();
  const wanted = 3 + Math.floor(random() * 6);
  while (tests.size < wanted) tests.add(pick(random, TESTS));
  const segments = [
    `MSH|^~\\&|SIL-OPTILAB|CHUM|QHR|QHR|${dtm(reported)}||ORU^R01^ORU_R01|${controlId}|P|2.5.1|||||CAN||UNICODE UTF-8`,
    `PID|1||${mrOnly ? mrn : `${person.nam}^^^${RAMQ}^JHN~${mrn}`}||${person.familyName}^${person.givenName}||${person.birthDate.replaceAll('-', '')}|${person.sex}`,
    `ORC|RE||${controlId}-1^CHUM`,
    `OBR|1||${controlId}-1^CHUM|PANEL^Bilan^L|||${dtm(collected)}|||||||||||||||${dtm(reported)}|||F`,
  ];
  [...tests].forEach(([code, display, unit, low, high, decimals], i) => {
    const value = Math.max(low / 2, low + (high - low) * (random() * 1.3 - 0.15));
    const flag = value > high ? 'H' : value < low ? 'L' : '';
    segments.push(`OBX|${i + 1}|NM|${code}^${display}^LN||${value.toFixed(decimals)}|${unit}|${low}-${high}|${flag}|||F|||${dtm(collected)}`);
  });
  return segments.join('\r') + '\r';
}
