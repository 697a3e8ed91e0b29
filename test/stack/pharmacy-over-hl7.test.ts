import { Hl7Message } from '@medplum/core';
import { Hl7Client } from '@medplum/hl7';
import { DateTime } from 'luxon';
import { readRds } from '../../adapters/hl7v2/rds';
import { DEMO_DRUGS, demoPharmacyMessages, dispenseMessage, hasHl7Dispenses, pharmacyChartOf } from '../../demo/pharmacy-system';
import type { DemoPerson } from '../../demo/people';
import type { SourceConfig } from '../../lib/sources';
import { startTestStack, type TestStack } from '../support/stack';

/** A pharmacy of Montréal's North area whose system pushes its dispenses over HL7 v2 (the demo's PharmaPro). */
const PHARMACY: SourceConfig = {
  id: 'pharmacy-mtl-north',
  name: 'Pharmacie Ahuntsic',
  domain: 'MEDICATIONS',
  protocol: 'hl7v2-mllp',
  port: 0,
  region: 'Montréal',
  area: 'North',
  patientId: 'nam',
  namSystem: 'unused',
  timeZone: 'America/Montreal',
};

const MEDICATIONS = `query($nam: NAM!) { patient(nam: $nam) {
  medications { id din name dosageInstruction quantity daysSupply dispensedAt pharmacy { id name region area } }
  sources { source { id } domain state selectedBy }
} }`;

let stack: TestStack;
beforeAll(async () => {
  // The test stack's demo pharmacy sends its RDS^O13 messages to this source's listener before the first view.
  stack = await startTestStack({ sources: (sources) => [...sources, PHARMACY] });
}, 60_000);
afterAll(() => stack?.stop());

/** The dispenses the demo pharmacy sent for a person (under their NAM, or their chart alone), as the adapter reads them. */
function sentFor(person: DemoPerson) {
  return demoPharmacyMessages(stack.people).flatMap((text) => {
    const outcome = readRds(Hl7Message.parse(text), PHARMACY);
    if (!outcome.ok) throw new Error(outcome.rejection.reason);
    const { patient } = outcome.message;
    return patient.nam === person.nam || patient.localIds.includes(pharmacyChartOf(person)) ? outcome.message.dispenses : [];
  });
}

const fromPharmacy = (body: any) => body.data.patient.medications.filter((m: any) => m.pharmacy.id === PHARMACY.id);

describe('a pharmacy that sends its dispenses over HL7 v2', () => {
  test("a dispense sent by HL7 v2 appears in the patient's medications, with the pharmacy it came from", async () => {
    const person = stack.people.find(hasHl7Dispenses)!;
    const { body } = await stack.query(MEDICATIONS, { nam: person.nam });
    expect(body.errors).toBeUndefined();
    const sent = sentFor(person);
    expect(sent.length).toBeGreaterThan(0);
    const shown = fromPharmacy(body);
    expect(shown.map((m: any) => m.id).sort()).toEqual(sent.map((d) => d.id).sort());
    const first = sent[0];
    expect(shown.find((m: any) => m.id === first.id)).toEqual({
      id: first.id,
      din: first.din,
      name: first.name,
      dosageInstruction: first.dosageInstruction,
      quantity: Number(first.quantity),
      daysSupply: first.daysSupply,
      dispensedAt: first.dispensedAt,
      pharmacy: { id: PHARMACY.id, name: 'Pharmacie Ahuntsic', region: 'Montréal', area: 'North' },
    });
    expect(body.data.patient.sources).toContainEqual({ source: { id: PHARMACY.id }, domain: 'MEDICATIONS', state: 'OK', selectedBy: 'LOCATOR' });
  });

  test('someone the pharmacy never served is not asked to it', async () => {
    const person = stack.people.find((p) => !hasHl7Dispenses(p) && p.region === 'Montréal')!;
    const { body } = await stack.query(MEDICATIONS, { nam: person.nam });
    expect(body.errors).toBeUndefined();
    expect(fromPharmacy(body)).toEqual([]);
    expect(body.data.patient.sources.map((s: any) => s.source.id)).not.toContain(PHARMACY.id);
  });

  test('a dispense sent while the record is cached shows on the very next view', async () => {
    const person = stack.people.filter(hasHl7Dispenses)[1];
    const before = fromPharmacy((await stack.query(MEDICATIONS, { nam: person.nam })).body);
    const text = dispenseMessage(person, {
      controlId: 'PHARMAPRO-TEST-1',
      prescription: 'RX-990001',
      at: DateTime.fromISO('2025-11-02T10:15:00', { zone: 'America/Montreal' }),
      drug: DEMO_DRUGS[2],
    });
    const client = new Hl7Client({ host: '127.0.0.1', port: stack.platform.labPorts.get(PHARMACY.id)! });
    try {
      const ack = await client.sendAndWait(Hl7Message.parse(text));
      expect(ack.getSegment('MSA')!.toString()).toBe('MSA|AA|PHARMAPRO-TEST-1|OK');
    } finally {
      await client.close();
    }
    const after = fromPharmacy((await stack.query(MEDICATIONS, { nam: person.nam })).body);
    expect(after).toHaveLength(before.length + 1);
    expect(after[0]).toMatchObject({ id: `${PHARMACY.id}/RX-990001/1`, din: DEMO_DRUGS[2].din, name: 'Ramipril 5 mg caps.', quantity: 90, daysSupply: 90, dispensedAt: '2025-11-02T10:15:00-05:00' });
  });
});
