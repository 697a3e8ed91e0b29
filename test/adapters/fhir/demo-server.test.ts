import type { MedicationDispense, Resource } from '@medplum/fhirtypes';
import nock from 'nock';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PatientRef } from '../../../adapters/port';
import { demoFhirResources, demoPatientIdOf, fillsInBothRegions, hasNoDemoRecords, startDemoFhirServer, type DemoFhirServer } from '../../../demo/fhir-server';
import { demoPeople, localPharmacyIdOf, type DemoPerson } from '../../../demo/people';
import { parseSources, type SourceConfig } from '../../../lib/sources';
import { DEFAULT_TIME_ZONE, toOffsetDateTime } from '../../../lib/time';
import { query, sourceOf } from './support';

// nock patches Node's http module, which a jest worker shares with the next test file: undo it.
afterAll(() => nock.restore());

const people = demoPeople();
const dataset = demoFhirResources(people);
let server: DemoFhirServer;
let sources: Record<string, SourceConfig>;

beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  server = await startDemoFhirServer({ port: 0, people });
  // demo/sources.json as shipped, pointed at this server's free port.
  const file = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'demo', 'sources.json'), 'utf8'));
  sources = Object.fromEntries(
    parseSources(file, { timeZone: DEFAULT_TIME_ZONE })
      .filter((s) => s.protocol === 'fhir-r4')
      .map((s) => [s.id, { ...s, url: `${server.url}${new URL(s.url!).pathname}` }]),
  );
});
afterEach(() => nock.cleanAll());
afterAll(async () => {
  await server.close();
  nock.enableNetConnect();
});

const montreal = people.filter((p) => p.region === 'Montréal');
const mauricie = people.filter((p) => p.region === 'Mauricie');
const refsByNam = (list: DemoPerson[]): PatientRef[] => list.map((p) => ({ nam: p.nam }));
const refsByLocalId = (list: DemoPerson[]): PatientRef[] => list.map((p) => ({ nam: p.nam, localId: localPharmacyIdOf(p) }));

/** What the dataset holds for a person at a tenant, as "<source>/<id>", in the dataset's order. */
function expectedIds(tenant: keyof typeof dataset, type: string, person: DemoPerson, keep: (r: Resource) => boolean = () => true): string[] {
  const reference = `Patient/${demoPatientIdOf(tenant, person)}`;
  return dataset[tenant]
    .filter((r) => r.resourceType === type && keep(r))
    .filter((r) => ((r as { subject?: { reference?: string }; patient?: { reference?: string } }).subject ?? (r as { patient?: { reference?: string } }).patient)?.reference === reference)
    .map((r) => `${tenant}/${r.id}`);
}

function idsByNam(records: Map<string, { id: string }[]>): Record<string, string[]> {
  return Object.fromEntries([...records].map(([nam, list]) => [nam, list.map((r) => r.id)]));
}

function expectedByNam(tenant: keyof typeof dataset, type: string, list: DemoPerson[], keep?: (r: Resource) => boolean): Record<string, string[]> {
  return Object.fromEntries(list.map((p) => [p.nam, expectedIds(tenant, type, p, keep)]).filter(([, ids]) => ids.length > 0));
}

describe('the adapters against the demo FHIR server', () => {
  test('the Montréal pharmacy answers every Montréal person by NAM, across pages of 100', async () => {
    const records = await sourceOf(sources['pharmacy-mtl-centre'], 'medications').fetch(query(refsByNam(montreal)));

    const expected = expectedByNam('pharmacy-mtl-centre', 'MedicationDispense', montreal);
    expect(Object.values(expected).flat().length).toBeGreaterThan(100); // more than one page
    expect(idsByNam(records)).toEqual(expected);
  });

  test("a known Montréal person's dispenses come back mapped field by field", async () => {
    const person = people[0];
    const records = await sourceOf(sources['pharmacy-mtl-centre'], 'medications').fetch(query([{ nam: person.nam }]));

    const raw = dataset['pharmacy-mtl-centre'].filter(
      (r): r is MedicationDispense => r.resourceType === 'MedicationDispense' && r.subject?.reference === `Patient/${demoPatientIdOf('pharmacy-mtl-centre', person)}`,
    );
    expect(raw.length).toBeGreaterThan(0);
    expect(records.get(person.nam)).toEqual(
      raw.map((d) => ({
        id: `pharmacy-mtl-centre/${d.id}`,
        din: d.medicationCodeableConcept!.coding![0].code,
        name: d.medicationCodeableConcept!.text,
        dosageInstruction: d.dosageInstruction![0].text,
        quantity: d.quantity!.value,
        daysSupply: d.daysSupply!.value,
        dispensedAt: d.whenHandedOver,
        pharmacy: { id: 'pharmacy-mtl-centre', name: 'Pharmacie du Plateau', region: 'Montréal', area: 'Centre' },
      })),
    );
  });

  test('the Trois-Rivières pharmacy answers by its own ids, and its offset-less times are read as Montréal time', async () => {
    const records = await sourceOf(sources['pharmacy-trois-rivieres'], 'medications').fetch(query(refsByLocalId(mauricie)));

    expect(idsByNam(records)).toEqual(expectedByNam('pharmacy-trois-rivieres', 'MedicationDispense', mauricie));
    const sent = dataset['pharmacy-trois-rivieres'].find((r): r is MedicationDispense => r.resourceType === 'MedicationDispense')!;
    expect(sent.whenHandedOver).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
    const mapped = [...records.values()].flat().find((r) => r.id === `pharmacy-trois-rivieres/${sent.id}`);
    expect(mapped?.dispensedAt).toBe(toOffsetDateTime(sent.whenHandedOver, 'America/Montreal'));
    expect(mapped?.dispensedAt).toMatch(/-0[45]:00$/);
  });

  test('a Mauricie person who also fills in Montréal is found at both pharmacies', async () => {
    const person = people.find(fillsInBothRegions)!;
    const inMontreal = await sourceOf(sources['pharmacy-mtl-centre'], 'medications').fetch(query([{ nam: person.nam }]));
    const inTroisRivieres = await sourceOf(sources['pharmacy-trois-rivieres'], 'medications').fetch(query(refsByLocalId([person])));

    expect(inMontreal.get(person.nam)?.length).toBeGreaterThan(0);
    expect(inTroisRivieres.get(person.nam)?.length).toBeGreaterThan(0);
  });

  test('the clinic answers its four kinds for everyone at once; struck-out doses stay out', async () => {
    const refs = refsByNam(montreal);
    const read = async (kind: 'encounters' | 'conditions' | 'allergies' | 'immunizations') => idsByNam(await sourceOf(sources['clinic-mtl-east'], kind).fetch(query(refs)));

    expect(await read('encounters')).toEqual(expectedByNam('clinic-mtl-east', 'Encounter', montreal));
    expect(await read('conditions')).toEqual(expectedByNam('clinic-mtl-east', 'Condition', montreal));
    expect(await read('allergies')).toEqual(expectedByNam('clinic-mtl-east', 'AllergyIntolerance', montreal));
    const given = (r: Resource) => r.resourceType === 'Immunization' && r.status === 'completed';
    const immunizations = await read('immunizations');
    expect(immunizations).toEqual(expectedByNam('clinic-mtl-east', 'Immunization', montreal, given));
    expect(dataset['clinic-mtl-east'].some((r) => r.resourceType === 'Immunization' && r.status === 'entered-in-error')).toBe(true);
  });

  test('people the demo systems know but hold nothing for come back with no records anywhere', async () => {
    const empty = people.filter(hasNoDemoRecords);
    expect(empty.length).toBeGreaterThanOrEqual(5);
    const everywhere = await Promise.all([
      sourceOf(sources['pharmacy-mtl-centre'], 'medications').fetch(query(refsByNam(empty))),
      sourceOf(sources['pharmacy-trois-rivieres'], 'medications').fetch(query(refsByLocalId(empty))),
      ...(['encounters', 'conditions', 'allergies', 'immunizations'] as const).map((kind) => sourceOf(sources['clinic-mtl-east'], kind).fetch(query(refsByNam(empty)))),
    ]);
    expect(everywhere.map((records) => records.size)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  test('since narrows the dispenses on the server and in the adapter alike', async () => {
    const records = await sourceOf(sources['pharmacy-mtl-centre'], 'medications').fetch(query(refsByNam(montreal), '2025-01-01'));

    const recent = (r: Resource) => r.resourceType === 'MedicationDispense' && new Date(r.whenHandedOver!) >= new Date('2025-01-01T00:00:00-05:00');
    const expected = expectedByNam('pharmacy-mtl-centre', 'MedicationDispense', montreal, recent);
    expect(Object.keys(expected).length).toBeGreaterThan(0);
    expect(idsByNam(records)).toEqual(expected);
  });
});
