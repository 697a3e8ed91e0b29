import type { MedicationDispense, Patient } from '@medplum/fhirtypes';
import { fillsInBothRegions, isFollowedAtClinic } from '../../demo/fhir-server';
import { isUnknownToSources } from '../../demo/people';
import { DEFAULT_NAM_SYSTEM, isConnected } from '../../lib/sources';
import { countingProxy, type FakeServer } from '../support/fake-sources';
import { startTestStack, type TestStack } from '../support/stack';

/**
 * The record locator (issue #7 §1): a view asks the sources that hold the person, not every source
 * of a domain. The demo FHIR server sits behind a counting proxy, so what reaches it is counted.
 */
let stack: TestStack;
let proxy: FakeServer;
/** The connected FHIR servers behind the proxy, by the tenant path their requests carry. */
let fhirTenants: string[] = [];
beforeAll(async () => {
  stack = await startTestStack({
    env: { ROSTER_INTERVAL_MS: '1000', SOURCE_CACHE: 'off' },
    sources: async (sources, systems) => {
      proxy = await countingProxy(systems.fhirUrl);
      fhirTenants = [...new Set(sources.filter((s) => s.protocol === 'fhir-r4' && isConnected(s, new Date())).map((s) => new URL(s.url!).pathname.split('/')[1]))];
      return [
        ...sources.map((s) => (s.protocol === 'fhir-r4' ? { ...s, url: s.url!.replace(systems.fhirUrl, proxy.url) } : s)),
        // The same clinic again, but the locator never reads its roster: every view must ask it.
        { ...sources.find((s) => s.id === 'clinic-mtl-east')!, id: 'clinic-unread', name: 'Clinique sans registre', url: `${proxy.url}/clinic-mtl-east/fhir`, rosterIntervalMs: 0 },
      ];
    },
  });
}, 90_000);
afterAll(async () => {
  await stack?.stop();
  await proxy?.close();
});

const VIEW = `query($nam: NAM!, $all: Boolean) { patient(nam: $nam, allSources: $all) {
  medications { id } encounters { id } conditions { id } allergies { id } immunizations { id }
  sources { source { id } domain state asked selectedBy locatorReadAt }
} }`;

/** FHIR searches that reached each demo tenant while `work` ran (not its CapabilityStatement, read once per source). */
async function requestsDuring(work: () => Promise<unknown>): Promise<Record<string, number>> {
  const before = proxy.requests.length;
  await work();
  const counts: Record<string, number> = {};
  for (const line of proxy.requests.slice(before)) {
    const tenant = /^\w+ \/([^/]+)\/fhir/.exec(line)?.[1];
    if (tenant && !line.includes('/Patient') && !line.includes('/metadata')) counts[tenant] = (counts[tenant] ?? 0) + 1;
  }
  return counts;
}

/** The tenants whose CapabilityStatement has been read so far. */
const statementsRead = () => new Set(proxy.requests.flatMap((line) => /^GET \/([^/]+)\/fhir\/metadata/.exec(line)?.[1] ?? []));

describe("the sources' servers are known before anyone is viewed", () => {
  test("each FHIR server's CapabilityStatement is read when the service starts, so a first view asks for records at once", async () => {
    for (let waited = 0; fhirTenants.some((t) => !statementsRead().has(t)); waited += 100) {
      if (waited > 20_000) throw new Error(`statements read for ${[...statementsRead()].join(', ')} of ${fhirTenants.join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const before = proxy.requests.length;
    const { body } = await stack.query(VIEW, { nam: montrealerNotAtClinic().nam });
    expect(body.errors).toBeUndefined();
    const during = proxy.requests.slice(before);
    expect(during.some((line) => line.includes('/_search'))).toBe(true);
    expect(during.filter((line) => line.includes('/metadata'))).toEqual([]);
  });
});

const montrealerNotAtClinic = () => stack.people.find((p) => p.region === 'Montréal' && !isFollowedAtClinic(p) && !isUnknownToSources(p))!;

describe('a view asks only the sources that hold the person', () => {
  test('a Montrealer not followed at the clinic costs the clinic nothing: one search at their pharmacy, and only the unread clinic besides', async () => {
    const person = montrealerNotAtClinic();
    const counts = await requestsDuring(async () => {
      const { body } = await stack.query(VIEW, { nam: person.nam });
      expect(body.errors).toBeUndefined();
    });
    // MedicationDispense at the pharmacy; the clinic the locator never read answers its four searches.
    expect(counts).toEqual({ 'pharmacy-mtl-centre': 1, 'clinic-mtl-east': 4 });
  });

  test("Patient.sources says why each source was asked and how fresh the locator's knowledge of it is", async () => {
    const person = montrealerNotAtClinic();
    const { body } = await stack.query(VIEW, { nam: person.nam });
    const sources = body.data.patient.sources;
    expect(sources).toContainEqual({ source: { id: 'pharmacy-mtl-centre' }, domain: 'MEDICATIONS', state: 'OK', asked: true, selectedBy: 'LOCATOR', locatorReadAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) });
    expect(sources).toContainEqual({ source: { id: 'clinic-unread' }, domain: 'CLINICAL', state: 'OK', asked: true, selectedBy: 'NOT_COVERED', locatorReadAt: null });
    expect(sources.map((s: { source: { id: string } }) => s.source.id)).not.toContain('clinic-mtl-east');
  });

  test('a provider who doubts the locator asks every source with allSources: true', async () => {
    const person = montrealerNotAtClinic();
    const counts = await requestsDuring(() => stack.query(VIEW, { nam: person.nam, all: true }));
    // Four searches by the clinic and four by its unread twin, which is served by the same tenant.
    expect(counts['clinic-mtl-east']).toBe(8);
    const { body } = await stack.query(VIEW, { nam: person.nam, all: true });
    expect(body.data.patient.sources).toContainEqual(expect.objectContaining({ source: { id: 'clinic-mtl-east' }, selectedBy: 'ALL_SOURCES', asked: true }));
  });

  test('something new at a pharmacy that did not hold the person shows in the record within one roster interval', async () => {
    const person = stack.people.find((p) => p.region === 'Mauricie' && !fillsInBothRegions(p) && !isUnknownToSources(p))!;
    const before = await stack.query(VIEW, { nam: person.nam });
    expect(before.body.data.patient.medications.map((m: { id: string }) => m.id).filter((id: string) => id.startsWith('pharmacy-mtl-centre/'))).toEqual([]);

    const patient: Patient = { resourceType: 'Patient', id: 'visitor-1', identifier: [{ system: DEFAULT_NAM_SYSTEM, value: person.nam }] };
    const dispense: MedicationDispense = {
      resourceType: 'MedicationDispense',
      id: 'visitor-dispense-1',
      status: 'completed',
      subject: { reference: 'Patient/visitor-1' },
      medicationCodeableConcept: { coding: [{ system: 'http://hl7.org/fhir/NamingSystem/ca-hc-din', code: '02246624', display: 'Amoxicilline 500 mg' }], text: 'Amoxicilline 500 mg' },
      whenHandedOver: '2026-11-20T10:00:00-05:00',
    };
    stack.systems.fhir.update('pharmacy-mtl-centre', dispense);
    stack.systems.fhir.update('pharmacy-mtl-centre', patient);

    const deadline = Date.now() + 6_000;
    let ids: string[] = [];
    while (Date.now() < deadline && !ids.includes('pharmacy-mtl-centre/visitor-dispense-1')) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      ids = (await stack.query(VIEW, { nam: person.nam })).body.data.patient.medications.map((m: { id: string }) => m.id);
    }
    expect(ids).toContain('pharmacy-mtl-centre/visitor-dispense-1');
  });

  test('the locator never appears in the logs: no NAM of anyone viewed is logged', () => {
    const nams = stack.people.map((p) => p.nam);
    expect(stack.logs.filter((line) => nams.some((nam) => line.includes(nam)))).toEqual([]);
  });
});
