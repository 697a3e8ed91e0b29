import { Hl7Message } from '@medplum/core';
import { readRds, type DispenseMessage } from '../../adapters/hl7v2/rds';
import { demoPharmacyMessages, hasHl7Dispenses, pharmacyChartOf } from '../../demo/pharmacy-system';
import { demoPeople } from '../../demo/people';
import { pharmacySource } from '../fixtures/hl7/feeds';

const people = demoPeople();
const source = pharmacySource({ id: 'pharmacy-mtl-north' });
const read = (text: string): DispenseMessage => {
  const outcome = readRds(Hl7Message.parse(text), source);
  if (!outcome.ok) throw new Error(outcome.rejection.reason);
  return outcome.message;
};

describe('demo HL7 pharmacy: the messages', () => {
  const texts = demoPharmacyMessages(people);
  const messages = texts.map(read);

  test('are the same on every run, with unique MSH-10s and dispense ids', () => {
    expect(demoPharmacyMessages(people)).toEqual(texts);
    expect(new Set(messages.map((m) => m.controlId)).size).toBe(texts.length);
    const ids = messages.flatMap((m) => m.dispenses.map((d) => d.id));
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('are RDS^O13 v2.5.1 in UTF-8 the adapter accepts, each a dispense with a DIN, instructions, quantity and days supply', () => {
    expect(texts.every((t) => t.startsWith('MSH|^~\\&|PHARMAPRO|PHARM-AHUNTSIC|') && t.includes('|RDS^O13^RDS_O13|') && t.includes('|UNICODE UTF-8\r'))).toBe(true);
    const dispenses = messages.flatMap((m) => m.dispenses);
    expect(dispenses.every((d) => /^\d{8}$/.test(d.din!) && d.dosageInstruction && Number(d.quantity) > 0 && d.daysSupply! > 0 && d.dispensedAt)).toBe(true);
    // The instruction holding "&" travels escaped (\T\) and is read back whole.
    expect(texts.some((t) => t.includes('\\T\\'))).toBe(true);
    expect(dispenses.some((d) => d.dosageInstruction!.includes(' & '))).toBe(true);
  });

  test("cover the North area's people only, first with the NAM and the chart, sometimes the chart alone later", () => {
    const served = people.filter(hasHl7Dispenses);
    expect(served.length).toBeGreaterThan(0);
    for (const person of served) {
      const own = messages.filter((m) => m.patient.localIds.includes(pharmacyChartOf(person)));
      expect(own.length).toBeGreaterThan(0);
      expect(own[0].patient.nam).toBe(person.nam);
      expect(own.every((m) => m.patient.nam === undefined || m.patient.nam === person.nam)).toBe(true);
    }
    expect(messages.some((m) => !m.patient.nam)).toBe(true);
    expect(messages.every((m) => served.some((p) => m.patient.localIds.includes(pharmacyChartOf(p))))).toBe(true);
  });
});
