import type { Condition, DiagnosticReport, Encounter, Observation, Resource } from '@medplum/fhirtypes';
import { stringify } from 'lossless-json';
import nock from 'nock';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { CrossReferenceFeed, PatientRef, RecordSource } from '../../../adapters/port';
import { DEMO_ER_HOSPITAL, DEMO_LAB_NAME } from '../../../demo/fhir/dataset';
import { demoFhirResources, demoPatientIdOf, FULL_FHIR_SEARCH, MEDPLUM_AS_SHIPPED, startDemoFhirServer, type DemoFhirBehaviour, type DemoFhirServer } from '../../../demo/fhir-server';
import { demoPeople, localPharmacyIdOf, type DemoPerson } from '../../../demo/people';
import { createLogger } from '../../../lib/logger';
import { parseSources, type SourceConfig } from '../../../lib/sources';
import { DEFAULT_TIME_ZONE } from '../../../lib/time';
import type { RecordKind, RecordsByKind } from '../../../schema/records';
import { query, sourceOf } from './support';

// nock patches Node's http module, which a jest worker shares with the next test file: undo it.
afterAll(() => nock.restore());

/**
 * The adapters over real HTTP against the demo FHIR server as HAPI FHIR behaves (chained search
 * and `_include`) and as Medplum's engine ships (neither): the same records either way.
 */
const people = demoPeople();
const dataset = demoFhirResources(people);
const montreal = people.filter((p) => p.region === 'Montréal');
const mauricie = people.filter((p) => p.region === 'Mauricie');
const servers: DemoFhirServer[] = [];

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  nock.enableNetConnect();
});

/** The demo FHIR sources of demo/sources.json, and the demo laboratory, at a server behaving so. */
async function demoSources(behaviour: DemoFhirBehaviour): Promise<Record<string, SourceConfig>> {
  const server = await startDemoFhirServer({ port: 0, people, behaviour });
  servers.push(server);
  const file = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'demo', 'sources.json'), 'utf8'));
  const listed = parseSources(file, { timeZone: DEFAULT_TIME_ZONE }).filter((s) => s.protocol === 'fhir-r4' && s.id !== 'lab-mtl-north');
  const [lab] = parseSources({ sources: [{ id: 'lab-mtl-north', name: DEMO_LAB_NAME, domain: 'LAB_RESULTS', protocol: 'fhir-r4', url: 'http://127.0.0.1/lab-mtl-north/fhir', region: 'Montréal', area: 'North' }] }, { timeZone: DEFAULT_TIME_ZONE });
  return Object.fromEntries([...listed, lab].map((s) => [s.id, { ...s, url: `${server.url}${new URL(s.url!).pathname}` }]));
}

function memoryXref(): CrossReferenceFeed & { links: { localId: string; nam: string }[] } {
  const links: { localId: string; nam: string }[] = [];
  return { links, linkMany: async (batch) => void links.push(...batch.map(({ localId, nam }) => ({ localId, nam }))) };
}

const refsByNam = (list: DemoPerson[]): PatientRef[] => list.map((p) => ({ nam: p.nam }));
const read = <K extends RecordKind>(source: RecordSource<K>, refs: PatientRef[]) => source.fetch(query(refs)) as Promise<Map<string, RecordsByKind[K][]>>;
const sorted = <T extends { id: string }>(records: Map<string, T[]>) => Object.fromEntries([...records].sort(([a], [b]) => a.localeCompare(b)).map(([nam, list]) => [nam, [...list].sort((x, y) => x.id.localeCompare(y.id))]));

let hapi: Record<string, SourceConfig>;
let medplum: Record<string, SourceConfig>;
beforeAll(async () => {
  [hapi, medplum] = await Promise.all([demoSources(FULL_FHIR_SEARCH), demoSources(MEDPLUM_AS_SHIPPED)]);
});

describe('a pharmacy on a server like Medplum as shipped (no chained search, no _include)', () => {
  test('gives every Montréal person the same dispenses as a server with chained search, in two steps', async () => {
    const chained = await read(sourceOf(hapi['pharmacy-mtl-centre'], 'medications'), refsByNam(montreal));
    const twoSteps = await read(sourceOf(medplum['pharmacy-mtl-centre'], 'medications'), refsByNam(montreal));

    expect(chained.size).toBeGreaterThan(20);
    expect(sorted(twoSteps)).toEqual(sorted(chained));
  });

  test('keeps the patient ids it found in the cross-reference, one link per person on file there', async () => {
    const xref = memoryXref();
    const asked = montreal.slice(0, 10);

    await read(sourceOf(medplum['pharmacy-mtl-centre'], 'medications', { xref }), refsByNam(asked));

    const onFile = asked.filter((p) => dataset['pharmacy-mtl-centre'].some((r) => r.resourceType === 'Patient' && r.id === demoPatientIdOf('pharmacy-mtl-centre', p)));
    expect(xref.links.sort((a, b) => a.nam.localeCompare(b.nam))).toEqual(onFile.map((p) => ({ localId: demoPatientIdOf('pharmacy-mtl-centre', p), nam: p.nam })).sort((a, b) => a.nam.localeCompare(b.nam)));
  });

  test("a pharmacy whose dispenses reference a Medication names each drug, whether the server includes it or it is read by _id", async () => {
    const refs = mauricie.map((p) => ({ nam: p.nam, localId: localPharmacyIdOf(p) }));
    const included = await read(sourceOf(hapi['pharmacy-trois-rivieres'], 'medications'), refs);
    const byId = await read(sourceOf(medplum['pharmacy-trois-rivieres'], 'medications'), refs);

    const all = [...included.values()].flat();
    expect(all.length).toBeGreaterThan(10);
    expect(all.every((r) => r.name && /^\d{8}$/.test(r.din ?? ''))).toBe(true);
    expect(sorted(byId)).toEqual(sorted(included));
  });
});

describe('a clinic on either kind of server', () => {
  test('shows emergency visits at the hospital that provided them, and the other visits at the clinic', async () => {
    for (const sources of [hapi, medplum]) {
      const records = await read(sourceOf(sources['clinic-mtl-east'], 'encounters'), refsByNam(montreal));
      const visits = [...records.values()].flat();
      const emergencies = visits.filter((v) => v.class === 'EMER');
      expect(emergencies.length).toBeGreaterThan(0);
      expect(emergencies.every((v) => v.facility.id === `clinic-mtl-east/Organization/${DEMO_ER_HOSPITAL.id}` && v.facility.name === DEMO_ER_HOSPITAL.name)).toBe(true);
      expect(visits.filter((v) => v.class !== 'EMER').every((v) => v.facility.id === 'clinic-mtl-east')).toBe(true);
    }
  });

  test("keeps a problem's onset to the month when that is all the chart says, and the clinician's text", async () => {
    const sent = dataset['clinic-mtl-east'].filter((r): r is Condition => r.resourceType === 'Condition');
    const monthOnly = sent.find((c) => c.onsetDateTime?.length === 7)!;
    expect(monthOnly).toBeDefined();

    const records = await read(sourceOf(medplum['clinic-mtl-east'], 'conditions'), refsByNam(montreal));

    const mapped = [...records.values()].flat().find((c) => c.id === `clinic-mtl-east/${monthOnly.id}`);
    expect(mapped).toMatchObject({ onset: monthOnly.onsetDateTime, text: monthOnly.code!.text });
  });
});

describe('the demo FHIR laboratory', () => {
  test('gives the same lab results by chained search with _include and in two steps with results read by _id', async () => {
    const chained = await read(sourceOf(hapi['lab-mtl-north'], 'labResults'), refsByNam(montreal));
    const twoSteps = await read(sourceOf(medplum['lab-mtl-north'], 'labResults'), refsByNam(montreal));

    expect(chained.size).toBeGreaterThan(20);
    expect(sorted(twoSteps)).toEqual(sorted(chained));
  });

  test('gives one result per Observation of each report, with its LOINC code, and decimals exactly as the laboratory wrote them', async () => {
    const observations = new Map(dataset['lab-mtl-north'].filter((r): r is Observation => r.resourceType === 'Observation').map((o) => [`Observation/${o.id}`, o]));
    const sentFor = (person: DemoPerson) =>
      dataset['lab-mtl-north']
        .filter((r): r is DiagnosticReport => r.resourceType === 'DiagnosticReport' && r.subject?.reference === `Patient/${demoPatientIdOf('lab-mtl-north', person)}`)
        .flatMap((report) => report.result!.map((ref) => observations.get(ref.reference!)!));
    const wireValue = (observation: Observation) => /"valueQuantity":\{"value":([^,}]+)/.exec(stringify(observation as Resource)!)![1];
    // Someone with a value JSON.parse would rewrite (5.0 read as 5).
    const person = montreal.find((p) => sentFor(p).some((o) => /\.\d*0$/.test(wireValue(o))))!;
    const sent = sentFor(person);

    const records = await read(sourceOf(hapi['lab-mtl-north'], 'labResults'), [{ nam: person.nam }]);

    const results = records.get(person.nam)!;
    expect(results.map((r) => r.id).sort()).toEqual(sent.map((o) => `lab-mtl-north/${o.id}`).sort());
    for (const observation of sent) {
      expect(results.find((r) => r.id === `lab-mtl-north/${observation.id}`)).toMatchObject({ code: observation.code!.coding![0].code, value: wireValue(observation), unit: observation.valueQuantity!.unit, status: 'F' });
    }
  });
});

describe('servers that state more than they do, or take GET only', () => {
  test('a server that states chained search but ignores it is unavailable for one view, then read in two steps', async () => {
    const sources = await demoSources({ chaining: false, include: true, postSearch: true });
    const source = sourceOf(sources['pharmacy-mtl-centre'], 'medications');

    await expect(read(source, refsByNam(montreal.slice(0, 5)))).rejects.toMatchObject({ failure: 'unattributable' });
    const records = await read(source, refsByNam(montreal.slice(0, 5)));
    const expected = await read(sourceOf(hapi['pharmacy-mtl-centre'], 'medications'), refsByNam(montreal.slice(0, 5)));

    expect(sorted(records)).toEqual(sorted(expected));
  });

  test('a server that takes no POST is searched by GET, and a log line says so without naming anyone', async () => {
    const sources = await demoSources({ chaining: true, include: true, postSearch: false });
    const lines: string[] = [];
    const logger = createLogger('info', new Writable({ write: (chunk, _, done) => (lines.push(String(chunk)), done()) }));

    const records = await read(sourceOf(sources['clinic-mtl-east'], 'encounters', { logger }), refsByNam(montreal));
    const expected = await read(sourceOf(hapi['clinic-mtl-east'], 'encounters'), refsByNam(montreal));

    expect(sorted(records)).toEqual(sorted(expected));
    expect(lines.some((line) => line.includes('GET only'))).toBe(true);
    expect(montreal.some((p) => lines.join('').includes(p.nam))).toBe(false);
  });
});

describe('the demo server as each kind of server describes itself', () => {
  test('like Medplum as shipped, its CapabilityStatement offers no _include; by default, each type offers its own', async () => {
    const statement = async (sources: Record<string, SourceConfig>) => (await fetch(`${sources['clinic-mtl-east'].url}/metadata`)).json();
    const full = await statement(hapi);
    const plain = await statement(medplum);

    const includesOf = (body: { rest: { resource: { type: string; searchInclude?: string[] }[] }[] }, type: string) => body.rest[0].resource.find((r) => r.type === type)?.searchInclude;
    expect(includesOf(full, 'Encounter')).toEqual(['Encounter:patient', 'Encounter:service-provider']);
    expect(includesOf(plain, 'Encounter')).toBeUndefined();
  });

  test('an encounter sent by either server names its serviceProvider by reference and display', () => {
    const emergency = dataset['clinic-mtl-east'].find((r): r is Encounter => r.resourceType === 'Encounter' && r.class?.code === 'EMER')!;
    expect(emergency.serviceProvider).toEqual({ reference: 'Organization/hmr', display: 'Hôpital Maisonneuve-Rosemont' });
  });
});
