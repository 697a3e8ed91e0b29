import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { demoLabMessages } from '../../demo/lab-system';
import { demoStudies } from '../../demo/pacs-studies';
import { demoFhirResources, demoPatientIdOf, fillsInBothRegions, hasNoDemoRecords, type DemoFhirTenant } from '../../demo/fhir-server';
import { areaPharmacyOf } from '../../demo/fhir/dataset';
import { isUnknownToSources, labMrnOf, type DemoPerson } from '../../demo/people';
import { peopleInEveryDomain } from '../support/demo-choices';
import { startTestStack, type TestStack } from '../support/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
}, 60_000);
afterAll(() => stack?.stop());

const RECORD = `query($nam: NAM!) { patient(nam: $nam) {
  nam familyName givenName birthDate recordStatus
  medications { id din name dispensedAt pharmacy { id name region area } }
  labResults { id code display value unit abnormalFlag status observedAt laboratory { id } }
  imagingStudies { studyInstanceUid modalities description startedAt accessionNumber seriesCount instanceCount facility { id } }
  encounters { id class start facility { id } }
  conditions { id display }
  allergies { id substance }
  immunizations { id vaccine occurredAt }
  sources { source { id } domain state }
} }`;

/** What the demo FHIR server holds for a person in one tenant, as record ids the graph would give. */
function fhirIds(person: DemoPerson, tenant: DemoFhirTenant, type: string): string[] {
  const subject = `Patient/${demoPatientIdOf(tenant, person)}`;
  return demoFhirResources(stack.people)
    [tenant].filter((r: any) => r.resourceType === type && (r.subject?.reference ?? r.patient?.reference) === subject && !['entered-in-error', 'cancelled'].includes(r.status))
    .map((r) => `${tenant}/${r.id}`)
    .sort();
}

/** How many OBX results the demo laboratory sent for a person (by NAM or by their MRN alone). */
const labResultCount = (person: DemoPerson) =>
  demoLabMessages(stack.people)
    .filter((m) => m.includes(`|${person.nam}^`) || m.includes(`|${labMrnOf(person)}^`) || m.includes(`~${labMrnOf(person)}^`))
    .reduce((n, m) => n + m.split('\r').filter((s) => s.startsWith('OBX|')).length, 0);

describe("a provider reads a person's merged record through the gateway", () => {
  test('one response holds what the pharmacies, laboratories, PACS and clinic hold, each over its own protocol', async () => {
    const studies = demoStudies(stack.people);
    // Someone of the Centre area with a FHIR laboratory report: two pharmacies' worth of protocols
    // would blur which source gave what, so not a North (HL7 pharmacy) or area-pharmacy customer.
    const person = peopleInEveryDomain(stack.people).find((p) => fhirIds(p, 'pharmacy-mtl-centre', 'MedicationDispense').length > 0 && !areaPharmacyOf(p) && p.area !== 'North' && fhirIds(p, 'lab-mtl-north', 'Observation').length > 0)!;
    const { body } = await stack.query(RECORD, { nam: person.nam });
    expect(body.errors).toBeUndefined();
    const record = body.data.patient;
    expect(record).toMatchObject({ nam: person.nam, familyName: person.familyName, givenName: person.givenName, birthDate: person.birthDate, recordStatus: 'ACTIVE' });

    expect(record.medications.map((m: any) => m.id).sort()).toEqual(fhirIds(person, 'pharmacy-mtl-centre', 'MedicationDispense'));
    expect(record.medications[0].pharmacy).toEqual({ id: 'pharmacy-mtl-centre', name: 'Pharmacie du Plateau', region: 'Montréal', area: 'Centre' });
    // Results over HL7 v2 (ORU^R01, OBX) and over FHIR (DiagnosticReport with its Observations).
    const overHl7 = record.labResults.filter((r: any) => r.laboratory.id === 'lab-mtl-centre');
    const overFhir = record.labResults.filter((r: any) => r.laboratory.id === 'lab-mtl-north');
    expect(overHl7).toHaveLength(labResultCount(person));
    expect(overHl7[0]).toMatchObject({ code: expect.stringMatching(/^\d+-\d$/), status: 'F' });
    expect(overFhir.map((r: any) => r.id).sort()).toEqual(fhirIds(person, 'lab-mtl-north', 'Observation'));
    expect(overHl7.length + overFhir.length).toBe(record.labResults.length);
    expect(record.imagingStudies.map((s: any) => s.studyInstanceUid).sort()).toEqual(studies.filter((s) => s.person.index === person.index).map((s) => s.studyInstanceUid).sort());
    expect(record.encounters.map((e: any) => e.id).sort()).toEqual(fhirIds(person, 'clinic-mtl-east', 'Encounter'));

    expect(record.sources).toEqual([
      { source: { id: 'pharmacy-mtl-centre' }, domain: 'MEDICATIONS', state: 'OK' },
      { source: { id: 'clinic-mtl-east' }, domain: 'CLINICAL', state: 'OK' },
      { source: { id: 'pacs-mtl-centre-west' }, domain: 'IMAGING', state: 'OK' },
      { source: { id: 'lab-mtl-centre' }, domain: 'LAB_RESULTS', state: 'OK' },
      { source: { id: 'lab-mtl-north' }, domain: 'LAB_RESULTS', state: 'OK' },
    ]);
  });

  test('records come newest first, with date-times carrying the offset of Montréal on that day', async () => {
    const person = stack.people.find((p) => fhirIds(p, 'pharmacy-mtl-centre', 'MedicationDispense').length > 2)!;
    const { body } = await stack.query(RECORD, { nam: person.nam });
    const times = body.data.patient.medications.map((m: any) => m.dispensedAt);
    expect(times.map(Date.parse)).toEqual([...times.map(Date.parse)].sort((a, b) => b - a));
    for (const time of times) expect(time).toMatch(/[+-]0[45]:00$/);
  });

  test('a person who fills prescriptions in Montréal and in Mauricie sees both pharmacies, the local-id one through the cross-reference', async () => {
    const person = stack.people.find((p) => fillsInBothRegions(p) && !hasNoDemoRecords(p))!;
    const { body } = await stack.query(RECORD, { nam: person.nam });
    const expected = [...fhirIds(person, 'pharmacy-mtl-centre', 'MedicationDispense'), ...fhirIds(person, 'pharmacy-trois-rivieres', 'MedicationDispense')].sort();
    expect(body.data.patient.medications.map((m: any) => m.id).sort()).toEqual(expected);
    expect(new Set(body.data.patient.medications.map((m: any) => m.pharmacy.id))).toEqual(new Set(['pharmacy-mtl-centre', 'pharmacy-trois-rivieres']));
    expect(body.data.patient.sources).toEqual(
      expect.arrayContaining([
        { source: { id: 'pharmacy-mtl-centre' }, domain: 'MEDICATIONS', state: 'OK' },
        { source: { id: 'pharmacy-trois-rivieres' }, domain: 'MEDICATIONS', state: 'OK' },
      ]),
    );
  });

  test('someone in the registry whom no source knows has an empty record, not null', async () => {
    const person = stack.people.find(isUnknownToSources)!;
    const { body } = await stack.query(RECORD, { nam: person.nam });
    expect(body.data.patient).toMatchObject({ nam: person.nam, medications: [], labResults: [], imagingStudies: [], encounters: [] });
  });

  test('the running gateway satisfies the public contract (../shared/contract/check.mjs)', async () => {
    // Asynchronously: this process serves the gateway the check is reading.
    const { stdout } = await promisify(execFile)('node', ['../shared/contract/check.mjs', stack.platform.gatewayUrl, '--token', await stack.token()], { cwd: join(__dirname, '../..') });
    expect(stdout).toContain('contract: satisfied');
  });

  test('the logs written while serving these records name no person: no NAM, no name', async () => {
    for (const person of stack.people.slice(0, 20)) await stack.query(RECORD, { nam: person.nam });
    const logs = stack.logs.join('\n');
    expect(stack.logs.length).toBeGreaterThan(20);
    for (const person of stack.people) {
      expect(logs).not.toContain(person.nam);
      expect(logs).not.toContain(labMrnOf(person));
      expect(logs).not.toMatch(new RegExp(`\\b${person.familyName}\\b`));
      expect(logs).not.toContain(`${person.givenName} ${person.familyName}`);
    }
  });
});
