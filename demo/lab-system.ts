import { DateTime } from 'luxon';
import { DEFAULT_TIME_ZONE } from '../lib/time';
import { sendDemoMessages, type DemoSender, type DemoSenderOptions } from './mllp-sender';
import { isUnknownToSources, labMrnOf, pick, seeded, type DemoPerson } from './people';

/**
 * The demo laboratory (an OPTILAB lab information system): it pushes ORU^R01 v2.5.1 results for the
 * demo population to our MLLP listener, as a real lab does, and waits for each ACK. Everything is
 * derived from the people through seeded generators and a fixed calendar, so a second run sends
 * the very same messages (same MSH-10): the listener must acknowledge them and store them once.
 */

interface Test {
  code: string;
  display: string;
  unit: string;
  /** Reference interval by sex; `low` undefined means an upper limit only ("<5.20"). */
  range: (sex: DemoPerson['sex']) => { low?: number; high: number };
  decimals: number;
}

/** LOINC codes, French displays, SI units as Québec labs report them. */
const TESTS: Record<string, Test> = {
  glucose: { code: '2345-7', display: 'Glucose', unit: 'mmol/L', range: () => ({ low: 3.6, high: 6.1 }), decimals: 1 },
  creatinine: { code: '2160-0', display: 'Créatinine', unit: 'µmol/L', range: (s) => (s === 'F' ? { low: 45, high: 90 } : { low: 60, high: 110 }), decimals: 0 },
  potassium: { code: '2823-3', display: 'Potassium', unit: 'mmol/L', range: () => ({ low: 3.5, high: 5.0 }), decimals: 1 },
  sodium: { code: '2951-2', display: 'Sodium', unit: 'mmol/L', range: () => ({ low: 135, high: 145 }), decimals: 0 },
  hemoglobin: { code: '718-7', display: 'Hémoglobine', unit: 'g/L', range: (s) => (s === 'F' ? { low: 120, high: 160 } : { low: 135, high: 175 }), decimals: 0 },
  leukocytes: { code: '6690-2', display: 'Leucocytes', unit: '10*9/L', range: () => ({ low: 4.0, high: 11.0 }), decimals: 1 },
  cholesterol: { code: '2093-3', display: 'Cholestérol total', unit: 'mmol/L', range: () => ({ high: 5.2 }), decimals: 2 },
  hba1c: { code: '4548-4', display: 'Hémoglobine A1c', unit: '%', range: () => ({ low: 4.0, high: 6.0 }), decimals: 1 },
  tsh: { code: '3016-3', display: 'TSH', unit: 'mU/L', range: () => ({ low: 0.35, high: 5.0 }), decimals: 2 },
};

/** Orders (OBR-4, the lab's own codes) and the tests each reports. */
const PANELS = [
  { code: 'BMET', display: 'Bilan métabolique', tests: ['glucose', 'creatinine', 'potassium', 'sodium'] },
  { code: 'FSC', display: 'Formule sanguine complète', tests: ['hemoglobin', 'leukocytes'] },
  { code: 'LIPID', display: 'Bilan lipidique', tests: ['cholesterol'] },
  { code: 'HBA1C', display: 'Hémoglobine glyquée', tests: ['hba1c'] },
  { code: 'TSH', display: 'TSH', tests: ['tsh'] },
] as const;

/** The last day of the demo calendar: fixed, so every run builds the same messages. */
const LAST_DAY = DateTime.fromISO('2025-10-31T00:00:00', { zone: DEFAULT_TIME_ZONE });
const SENDER = 'SIL-OPTILAB|CHUM';
const RAMQ = 'RAMQ&2.16.124.10.101.1.60.100&ISO';

/** A few Montréal people have never had a test at this lab; Mauricie people are served elsewhere. */
export const hasLabResults = (p: DemoPerson) => p.region === 'Montréal' && p.index % 9 !== 4 && !isUnknownToSources(p);

/**
 * The demo ORU^R01 messages, in sending order (per person, oldest visit first), segments ending
 * in CR. A person's first message carries PID-3 `NAM^^^RAMQ^JHN~MRN^^^CHUM^MR`, which links the two
 * ids; some later ones carry the MRN alone, as lab systems that do not keep the NAM do. MSH-7 has
 * an offset in some messages and not in others (then OBR-7/OBX-14 have none either: local time).
 */
export function demoLabMessages(people: readonly DemoPerson[], options: { timeZone?: string } = {}): string[] {
  const zone = options.timeZone ?? DEFAULT_TIME_ZONE;
  return people.filter(hasLabResults).flatMap((person) => {
    const random = seeded(7000 + person.index);
    const visits = 1 + Math.floor(random() * 3);
    const days = Array.from({ length: visits }, () => 10 + Math.floor(random() * 700)).sort((a, b) => b - a);
    return days.map((daysBefore, visit) => {
      const collected = LAST_DAY.minus({ days: daysBefore }).set({ hour: 7 + Math.floor(random() * 5), minute: Math.floor(random() * 60) }).setZone(zone, { keepLocalTime: true });
      const reported = collected.plus({ hours: 3 + Math.floor(random() * 27), minutes: Math.floor(random() * 60) });
      const withOffset = (person.index + visit) % 2 === 0;
      const mrOnly = visit > 0 && random() < 0.4;
      const panels = [pick(random, PANELS), ...(random() < 0.5 ? [pick(random, PANELS)] : [])].filter((p, i, all) => all.indexOf(p) === i);
      return message(person, { controlId: `OPTILAB-${pad(person.index, 4)}-${visit + 1}`, collected, reported, withOffset, mrOnly, panels, random });
    });
  });
}

function message(
  person: DemoPerson,
  m: { controlId: string; collected: DateTime; reported: DateTime; withOffset: boolean; mrOnly: boolean; panels: (typeof PANELS)[number][]; random: () => number },
): string {
  const dtm = (t: DateTime) => t.toFormat(m.withOffset ? 'yyyyLLddHHmmssZZZ' : 'yyyyLLddHHmmss');
  const mrn = `${labMrnOf(person)}^^^CHUM^MR`;
  const pid3 = m.mrOnly ? mrn : `${person.nam}^^^${RAMQ}^JHN~${mrn}`;
  const segments = [
    `MSH|^~\\&|${SENDER}|QHR|QHR|${dtm(m.reported)}||ORU^R01^ORU_R01|${m.controlId}|P|2.5.1|||||CAN||UNICODE UTF-8`,
    `PID|1||${pid3}||${person.familyName}^${person.givenName}||${person.birthDate.replaceAll('-', '')}|${person.sex}`,
  ];
  let obx = 0;
  m.panels.forEach((panel, index) => {
    const accession = `${m.controlId}-${index + 1}`;
    segments.push(`ORC|RE||${accession}^CHUM`);
    segments.push(`OBR|${index + 1}||${accession}^CHUM|${panel.code}^${panel.display}^L|||${dtm(m.collected)}|||||||||||||||${dtm(m.reported)}|||F`);
    for (const key of panel.tests) {
      const test = TESTS[key];
      const { value, flag, range } = resultOf(test, person.sex, m.random);
      segments.push(`OBX|${++obx}|NM|${test.code}^${test.display}^LN||${value}|${test.unit}|${range}|${flag}|||F|||${dtm(m.collected)}`);
    }
  });
  return segments.join('\r') + '\r';
}

/** A value around the middle of the interval, outside it now and then, flagged H or L (table 0078). */
function resultOf(test: Test, sex: DemoPerson['sex'], random: () => number) {
  const { low, high } = test.range(sex);
  const bottom = low ?? high * 0.6;
  const middle = (bottom + high) / 2;
  const spread = (high - bottom) / 2.8;
  const gaussian = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const raw = Math.max(bottom / 3, middle + spread * gaussian);
  const value = raw.toFixed(test.decimals);
  const number = Number(value);
  const flag = number > high ? 'H' : low !== undefined && number < low ? 'L' : '';
  const range = low === undefined ? `<${high.toFixed(test.decimals)}` : `${low.toFixed(test.decimals)}-${high.toFixed(test.decimals)}`;
  return { value, flag, range };
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

export type DemoLabOptions = DemoSenderOptions & { people: readonly DemoPerson[] };

/** Sends every demo ORU^R01 over MLLP and waits for each ACK (./mllp-sender.ts). */
export function startDemoLabSystem(options: DemoLabOptions): Promise<DemoSender> {
  return sendDemoMessages(demoLabMessages(options.people, { timeZone: options.source?.timeZone }), options, { field: 'lab', name: 'demo laboratory', carrying: 'results' });
}
