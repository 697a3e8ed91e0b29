import { DateTime } from 'luxon';
import { DEFAULT_TIME_ZONE } from '../lib/time';
import { sendDemoMessages, type DemoSender, type DemoSenderOptions } from './mllp-sender';
import { isUnknownToSources, seeded, type DemoPerson } from './people';

/**
 * The demo HL7 v2 pharmacy (a pharmacy management system that pushes its dispenses): RDS^O13
 * v2.5.1 messages for the demo people of Montréal's North area, sent to our MLLP listener of an
 * `hl7v2-mllp` MEDICATIONS source, one message per dispense, each waiting for its ACK. Everything is
 * derived from the people through seeded generators and a fixed calendar, so a second run sends
 * the very same messages (same MSH-10): the listener acknowledges them and stores them once.
 */

interface Drug {
  din: string;
  name: string;
  /** RXE-7 text, as the pharmacist typed it (an `&` travels escaped, \T\). */
  instruction: string;
  quantity: number;
  form: string;
  days: number;
}

/** Common Québec dispenses: DIN (8 digits), French label and instructions. */
const DRUGS: Drug[] = [
  { din: '02295269', name: 'Apo-Atorvastatine 20 mg co.', instruction: 'Prendre 1 comprimé au coucher & éviter le pamplemousse', quantity: 30, form: 'CO^comprimé^ISO+', days: 30 },
  { din: '02167786', name: 'Apo-Metformine 500 mg co.', instruction: '1 comprimé 2 fois par jour aux repas', quantity: 180, form: 'CO^comprimé^ISO+', days: 90 },
  { din: '02242705', name: 'Ramipril 5 mg caps.', instruction: '1 capsule le matin', quantity: 90, form: 'CAP^capsule^ISO+', days: 90 },
  { din: '02248808', name: 'Amoxicilline 500 mg caps.', instruction: '1 capsule 3 fois par jour pendant 10 jours', quantity: 30, form: 'CAP^capsule^ISO+', days: 10 },
  { din: '02229519', name: 'Salbutamol 100 mcg/dose inhalateur', instruction: '1 à 2 inhalations au besoin', quantity: 1, form: 'INH^inhalateur^ISO+', days: 30 },
];

const LAST_DAY = DateTime.fromISO('2025-10-31T00:00:00', { zone: DEFAULT_TIME_ZONE });
const SENDER = 'PHARMAPRO|PHARM-AHUNTSIC';
const RAMQ = 'RAMQ&2.16.124.10.101.1.60.100&ISO';

/** The demo HL7 pharmacy serves Montréal's North area; a few people there never went. */
export const hasHl7Dispenses = (p: DemoPerson) => p.region === 'Montréal' && p.area === 'North' && !isUnknownToSources(p);

/** The pharmacy's own chart number (PID-3, type MR). */
export const pharmacyChartOf = (p: DemoPerson) => `AHU-${50000 + p.index * 11}`;

/**
 * The demo RDS^O13 messages, in sending order (per person, oldest first), segments ending in CR. A
 * person's first dispense carries `NAM^^^RAMQ^JHN~chart^^^PHARM-AHUNTSIC^MR` in PID-3, which links
 * the chart to the NAM; later ones sometimes the chart alone, as pharmacy systems that do not keep
 * the NAM do.
 */
export function demoPharmacyMessages(people: readonly DemoPerson[], options: { timeZone?: string } = {}): string[] {
  const zone = options.timeZone ?? DEFAULT_TIME_ZONE;
  return people.filter(hasHl7Dispenses).flatMap((person) => {
    const random = seeded(9000 + person.index);
    const count = 1 + Math.floor(random() * 3);
    const days = Array.from({ length: count }, () => 5 + Math.floor(random() * 500)).sort((a, b) => b - a);
    return days.map((daysBefore, n) => {
      const at = LAST_DAY.minus({ days: daysBefore }).set({ hour: 9 + Math.floor(random() * 9), minute: Math.floor(random() * 60) }).setZone(zone, { keepLocalTime: true });
      const drug = DRUGS[Math.floor(random() * DRUGS.length)];
      const chartOnly = n > 0 && random() < 0.4;
      return dispenseMessage(person, { controlId: `PHARMAPRO-${String(person.index).padStart(4, '0')}-${n + 1}`, prescription: `RX-${700000 + person.index * 37 + n}`, at, drug, chartOnly });
    });
  });
}

/** One dispense as PharmaPro writes it: MSH-18 UTF-8, the RXE instructions escaped (Ch. 2 §2.7.4), days supply in TQ1-6. */
export function dispenseMessage(person: DemoPerson, m: { controlId: string; prescription: string; at: DateTime; drug: Drug; chartOnly?: boolean }): string {
  const dtm = m.at.toFormat('yyyyLLddHHmmssZZZ');
  const chart = `${pharmacyChartOf(person)}^^^PHARM-AHUNTSIC^MR`;
  const pid3 = m.chartOnly ? chart : `${person.nam}^^^${RAMQ}^JHN~${chart}`;
  const { din, name, instruction, quantity, form, days } = m.drug;
  const escaped = instruction.replaceAll('\\', '\\E\\').replaceAll('&', '\\T\\');
  return [
    `MSH|^~\\&|${SENDER}|QHR|QHR|${dtm}||RDS^O13^RDS_O13|${m.controlId}|P|2.5.1|||AL|NE|CAN|UNICODE UTF-8`,
    `PID|1||${pid3}||${person.familyName}^${person.givenName}||${person.birthDate.replaceAll('-', '')}|${person.sex}`,
    `ORC|RE||${m.prescription}^PHARM-AHUNTSIC||CM`,
    `RXE||${din}^${name}^DIN||||${form}|^${escaped}|||${quantity}|${form}|0`,
    `TQ1|1|||||${days}^d&jours&UCUM`,
    `RXD|1|${din}^${name}^DIN|${dtm}|${quantity}|${form}||${m.prescription}|0`,
    'RXR|PO^Orale^HL70162',
  ].join('\r') + '\r';
}

/** The drugs the demo pharmacy dispenses (tests send one more). */
export const DEMO_DRUGS: readonly Drug[] = DRUGS;

export type DemoPharmacyOptions = DemoSenderOptions & { people: readonly DemoPerson[] };

/** Sends every demo RDS^O13 over MLLP and waits for each ACK (./mllp-sender.ts). */
export function startDemoPharmacySystem(options: DemoPharmacyOptions): Promise<DemoSender> {
  return sendDemoMessages(demoPharmacyMessages(options.people, { timeZone: options.source?.timeZone }), options, { field: 'pharmacy', name: 'demo pharmacy', carrying: 'dispenses' });
}
