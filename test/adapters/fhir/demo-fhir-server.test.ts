import type { Bundle, Medication, MedicationDispense, Patient } from '@medplum/fhirtypes';
import { get } from 'node:http';
import { DEFAULT_PAGE_SIZE, demoFhirResources, demoPatientIdOf, startDemoFhirServer, type DemoFhirServer } from '../../../demo/fhir-server';
import { demoPeople, localPharmacyIdOf } from '../../../demo/people';
import { DEFAULT_NAM_SYSTEM } from '../../../lib/sources';

const people = demoPeople();
const dataset = demoFhirResources(people);
let server: DemoFhirServer;
const base = (tenant: string) => `${server.url}/${tenant}/fhir`;

beforeAll(async () => {
  server = await startDemoFhirServer({ port: 0, people });
});
afterAll(() => server.close());

async function getJson(url: string, init?: RequestInit): Promise<{ status: number; type: string | null; body: any }> {
  const response = await fetch(url, init);
  return { status: response.status, type: response.headers.get('content-type'), body: await response.json() };
}

const postForm = (url: string, form: Record<string, string>) =>
  getJson(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });

const dispensesOf = (tenant: 'pharmacy-mtl-centre' | 'pharmacy-trois-rivieres') => dataset[tenant].filter((r): r is MedicationDispense => r.resourceType === 'MedicationDispense');

describe('the demo FHIR server', () => {
  test('listens on a free port when asked for port 0', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.url.endsWith(':0')).toBe(false);
  });

  test('pages a search by 20 when no _count is given, and the next links lead through every match', async () => {
    let page = await getJson(`${base('pharmacy-mtl-centre')}/MedicationDispense`);
    expect(page.type).toMatch(/^application\/fhir\+json/);
    expect(page.body).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: dispensesOf('pharmacy-mtl-centre').length });
    const seen: string[] = [];
    for (let pages = 1; ; pages++) {
      expect(page.body.entry.length).toBeLessThanOrEqual(DEFAULT_PAGE_SIZE);
      seen.push(...page.body.entry.map((e: { resource: { id: string } }) => e.resource.id));
      const next = (page.body as Bundle).link?.find((l) => l.relation === 'next')?.url;
      if (!next) break;
      expect(pages).toBeLessThan(100);
      page = await getJson(next);
    }
    expect(seen).toEqual(dispensesOf('pharmacy-mtl-centre').map((d) => d.id));
  });

  test('builds its links on the address the client used (a container name, a proxy), not the one it bound', async () => {
    const { port } = new URL(server.url);
    const body = await new Promise<Bundle>((resolve, reject) => {
      get({ host: '127.0.0.1', port, path: '/clinic-mtl-east/fhir/Immunization', headers: { host: 'fhir-demo:4110', accept: 'application/fhir+json' } }, (response) => {
        let text = '';
        response.setEncoding('utf8').on('data', (chunk) => (text += chunk)).on('end', () => resolve(JSON.parse(text)));
      }).on('error', reject);
    });

    expect(body.link?.find((l) => l.relation === 'next')?.url).toMatch(/^http:\/\/fhir-demo:4110\/clinic-mtl-east\/fhir\?_getpages=/);
    expect(body.entry?.[0].fullUrl).toMatch(/^http:\/\/fhir-demo:4110\/clinic-mtl-east\/fhir\/Immunization\//);
  });

  test('answers a POST _search by chained NAM with the matches and, once per page, their included Patients', async () => {
    const person = people[0];
    const { status, body } = await postForm(`${base('pharmacy-mtl-centre')}/MedicationDispense/_search`, {
      'patient.identifier': `${DEFAULT_NAM_SYSTEM}|${person.nam}`,
      _include: 'MedicationDispense:patient',
      _count: '100',
    });

    const patientId = demoPatientIdOf('pharmacy-mtl-centre', person);
    expect(status).toBe(200);
    const matches = body.entry.filter((e: any) => e.search.mode === 'match');
    const includes = body.entry.filter((e: any) => e.search.mode === 'include');
    expect(matches.map((e: any) => e.resource.subject.reference)).toEqual(dispensesOf('pharmacy-mtl-centre').filter((d) => d.subject?.reference === `Patient/${patientId}`).map(() => `Patient/${patientId}`));
    expect(includes).toHaveLength(1);
    expect(includes[0].fullUrl).toBe(`${base('pharmacy-mtl-centre')}/Patient/${patientId}`);
    expect((includes[0].resource as Patient).identifier).toContainEqual(expect.objectContaining({ system: DEFAULT_NAM_SYSTEM, value: person.nam }));
  });

  test('files Trois-Rivières people under the local id, with no NAM anywhere on them', async () => {
    const person = people.find((p) => p.region === 'Mauricie')!;
    const { body } = await getJson(`${base('pharmacy-trois-rivieres')}/Patient/${localPharmacyIdOf(person)}`);

    expect(body.resourceType).toBe('Patient');
    expect(JSON.stringify(body)).not.toContain(person.nam);
    expect(JSON.stringify(dataset['pharmacy-trois-rivieres'])).not.toContain(DEFAULT_NAM_SYSTEM);
  });

  test('selects by patient id, "Patient/x" or "x", comma meaning OR', async () => {
    const [a, b] = people.filter((p) => p.region === 'Mauricie');
    const { body } = await getJson(`${base('pharmacy-trois-rivieres')}/MedicationDispense?patient=Patient/${localPharmacyIdOf(a)},${localPharmacyIdOf(b)}&_count=100`);

    const wanted = new Set([`Patient/${localPharmacyIdOf(a)}`, `Patient/${localPharmacyIdOf(b)}`]);
    expect(body.total).toBe(dispensesOf('pharmacy-trois-rivieres').filter((d) => wanted.has(d.subject!.reference!)).length);
    expect(body.total).toBeGreaterThan(0);
  });

  test.each([
    ['ge', (t: number, at: number) => t >= at],
    ['lt', (t: number, at: number) => t < at],
  ])('filters whenhandedover with the %s prefix, dates meaning Montréal days', async (prefix, keep) => {
    const { body } = await getJson(`${base('pharmacy-mtl-centre')}/MedicationDispense?whenhandedover=${prefix}2025-01-01&_count=1`);

    const at = Date.parse('2025-01-01T00:00:00-05:00');
    expect(body.total).toBe(dispensesOf('pharmacy-mtl-centre').filter((d) => keep(Date.parse(d.whenHandedOver!), at)).length);
  });

  test.each([
    ['an unknown resource type', 404, '/pharmacy-mtl-centre/fhir/Observation'],
    ['a tenant that does not exist', 404, '/pharmacie-inconnue/fhir/MedicationDispense'],
    ['a path outside any FHIR base', 404, '/index.html'],
    ['a resource id not on file', 404, '/clinic-mtl-east/fhir/Encounter/nope'],
    ['a malformed date', 400, '/clinic-mtl-east/fhir/Encounter?date=ge2024-13-45'],
    ['an unsupported date prefix', 400, '/clinic-mtl-east/fhir/Encounter?date=ap2024-01-01'],
    ['a _count that is not a number', 400, '/clinic-mtl-east/fhir/Encounter?_count=beaucoup'],
    ['a page of a search it does not know (expired)', 410, '/clinic-mtl-east/fhir?_getpages=inconnu&_getpagesoffset=20'],
  ])('answers %s with %i and an OperationOutcome', async (_, status, path) => {
    const answer = await getJson(`${server.url}${path}`);

    expect(answer.status).toBe(status);
    expect(answer.type).toMatch(/^application\/fhir\+json/);
    expect(answer.body.resourceType).toBe('OperationOutcome');
  });

  test('ignores search parameters it does not know, as lenient servers do', async () => {
    const { status, body } = await getJson(`${base('clinic-mtl-east')}/Condition?_count=1&code:text=diab%C3%A8te&_sort=-date`);

    expect(status).toBe(200);
    expect(body.total).toBe(dataset['clinic-mtl-east'].filter((r) => r.resourceType === 'Condition').length);
  });

  test('refuses a _search body that is not a form, and writes of any kind', async () => {
    const json = await getJson(`${base('clinic-mtl-east')}/Encounter/_search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const create = await getJson(`${base('clinic-mtl-east')}/Encounter`, { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: '{}' });

    expect([json.status, create.status]).toEqual([415, 405]);
  });

  test('describes itself in a CapabilityStatement, per tenant and at the root', async () => {
    const tenant = await getJson(`${base('clinic-mtl-east')}/metadata`);
    const root = await getJson(`${server.url}/metadata`);

    expect(tenant.body).toMatchObject({ resourceType: 'CapabilityStatement', fhirVersion: '4.0.1', kind: 'instance' });
    expect(tenant.body.rest[0].resource.map((r: { type: string }) => r.type)).toEqual(['Patient', 'Encounter', 'Condition', 'AllergyIntolerance', 'Immunization', 'Organization']);
    expect(root.body.rest[0].resource.map((r: { type: string }) => r.type)).toContain('MedicationDispense');
  });
});

describe('the demo dataset', () => {
  test('is the same on every call: every process of the demo agrees on who has what', () => {
    expect(demoFhirResources(people)).toEqual(dataset);
  });

  test('uses real eight-digit DINs, French directions, and both ways of writing date-times', () => {
    const dispenses = [...dispensesOf('pharmacy-mtl-centre'), ...dispensesOf('pharmacy-trois-rivieres')];
    // Trois-Rivières files each drug once as a Medication its dispenses reference.
    const medications = new Map(dataset['pharmacy-trois-rivieres'].filter((r): r is Medication => r.resourceType === 'Medication').map((m) => [`Medication/${m.id}`, m]));
    const conceptOf = (d: MedicationDispense) => d.medicationCodeableConcept ?? medications.get(d.medicationReference!.reference!)!.code!;
    const dins = new Set(dispenses.map((d) => conceptOf(d).coding![0].code));
    expect([...dins].every((din) => /^\d{8}$/.test(din!))).toBe(true);
    expect(dins).toContain('02099233'); // Glucophage 500 mg
    expect(dispenses.some((d) => /comprimé/.test(d.dosageInstruction![0].text!))).toBe(true);
    expect(dispenses.some((d) => /[+-]\d{2}:\d{2}$/.test(d.whenHandedOver!))).toBe(true);
    expect(dispenses.some((d) => /T\d{2}:\d{2}:\d{2}$/.test(d.whenHandedOver!))).toBe(true);
    const years = dispenses.map((d) => Number(d.whenHandedOver!.slice(0, 4)));
    expect(Math.min(...years)).toBeGreaterThanOrEqual(2019);
    expect(Math.max(...years)).toBeLessThanOrEqual(2026);
  });
});
