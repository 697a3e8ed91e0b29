import { join } from 'node:path';
import type { Reference, Resource } from '@medplum/fhirtypes';
import { createRosterSources, PROTOCOL_ADAPTERS } from '../../adapters';
import { httpFailureCases, type ConformanceSubject, type FailureCase } from '../../adapters/conformance';
import { DispenseStore, LabStore } from '../../adapters/hl7v2';
import { startMllpReceiver } from '../../adapters/hl7v2/receiver';
import type { PatientRef } from '../../adapters/port';
import { DEMO_FHIR_TENANTS, demoFhirResources, demoPatientIdOf, startDemoFhirServer, type DemoFhirTenant } from '../../demo/fhir-server';
import { hasLabResults, startDemoLabSystem } from '../../demo/lab-system';
import { hasHl7Dispenses, startDemoPharmacySystem } from '../../demo/pharmacy-system';
import { demoStudies, startDemoPacs } from '../../demo/pacs-server';
import { demoPeople, type DemoPerson } from '../../demo/people';
import { createLogger, type Logger } from '../../lib/logger';
import type { Protocol } from '../../lib/protocols';
import { readSourcesFile, type SourceConfig } from '../../lib/sources';
import { XrefStore } from '../../locator/cross-reference';
import { openTestDb } from '../support/db';

/** How many people each subject asks: enough that a batch that is not one search shows. */
const PEOPLE_ASKED = 4;

/** The demo sources file `npm start` reads: the conformance specs run against its sources. */
export const DEMO_SOURCES = readSourcesFile(join(__dirname, '..', '..', 'demo', 'sources.json'), { timeZone: 'America/Montreal' });

/**
 * The demo sources the specs check for a protocol: one per domain and way of naming people
 * (`nam`, `local`), since those take different paths through an adapter; the rest are the same code
 * with another URL.
 */
export function representativeSources(protocol: Protocol): SourceConfig[] {
  const seen = new Set<string>();
  return DEMO_SOURCES.filter((source) => {
    const key = `${source.domain}/${source.patientId}`;
    if (source.protocol !== protocol || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The demo systems of one protocol, running, with a subject per source asked of them. */
export interface RunningDemo {
  subjects: Map<string, ConformanceSubject>;
  stop(): Promise<void>;
}

/**
 * How to stand up each protocol's demo source system for the conformance specs. One per protocol of
 * the registry: a protocol added to lib/protocols.ts without a demo harness here is a compile error,
 * and a protocol with no demo source fails the specs (test/conformance/demo-sources.test.ts).
 */
export const DEMO_HARNESSES = {
  'fhir-r4': startFhir,
  dicomweb: startDicomweb,
  'hl7v2-mllp': startHl7v2Lab,
} satisfies Record<Protocol, (sources: SourceConfig[]) => Promise<RunningDemo>>;

const people = demoPeople();

/** What the registry builds for a source, as the subgraphs get it; `labStore` only for push sources. */
const registryRecordSources = (stores: { labStore?: LabStore; dispenseStore?: DispenseStore }) => (source: SourceConfig, logger: Logger) => PROTOCOL_ADAPTERS[source.protocol].recordSources(source, { ...stores, logger });
const registryRoster = (source: SourceConfig, logger: Logger) => createRosterSources([source], { logger })[0];
const silentLogger = createLogger('silent');

const asRef = (person: DemoPerson, localId?: string): PatientRef => (localId ? { nam: person.nam, localId } : { nam: person.nam });
const namesOf = (asked: DemoPerson[]) => asked.flatMap((p) => [p.familyName, p.givenName]);
/** What a broken source says: a person asked, by NAM and name. */
const baitOf = (asked: DemoPerson[]) => [asked[0].nam, asked[0].familyName];

function pullSubject(source: SourceConfig, asked: DemoPerson[], localIdOf?: (p: DemoPerson) => string): ConformanceSubject {
  // A pull source has no store: the adapters refuse to read one for it.
  const recordSources = registryRecordSources({});
  return {
    source,
    mode: 'demo',
    recordSources,
    roster: registryRoster,
    people: asked.map((p) => asRef(p, localIdOf?.(p))),
    personalWords: namesOf(asked),
    failures: httpFailureCases(source, recordSources, baitOf(asked)),
  };
}

const moveTo = (url: string, base: string) => `${new URL(base).origin}${new URL(url).pathname}`;

async function startFhir(sources: SourceConfig[]): Promise<RunningDemo> {
  const server = await startDemoFhirServer({ port: 0, people });
  const dataset = demoFhirResources(people);
  const subjects = new Map<string, ConformanceSubject>();
  for (const source of sources) {
    const tenant = DEMO_FHIR_TENANTS.find((name) => new URL(source.url!).pathname.startsWith(`/${name}/`));
    if (!tenant) continue;
    const asked = fhirPeopleWithRecords(tenant, dataset[tenant]).slice(0, PEOPLE_ASKED);
    const moved = { ...source, url: moveTo(source.url!, server.url) };
    subjects.set(source.id, pullSubject(moved, asked, source.patientId === 'local' ? (p) => demoPatientIdOf(tenant, p) : undefined));
  }
  return { subjects, stop: server.close };
}

/** The people a demo FHIR tenant holds records for (some resource refers to their Patient). */
function fhirPeopleWithRecords(tenant: DemoFhirTenant, resources: Resource[]): DemoPerson[] {
  const referenced = new Set<string>();
  for (const resource of resources) {
    const ref = ((resource as { subject?: Reference }).subject ?? (resource as { patient?: Reference }).patient)?.reference;
    if (resource.resourceType !== 'Patient' && ref) referenced.add(ref.replace(/^.*Patient\//, ''));
  }
  return people.filter((p) => referenced.has(demoPatientIdOf(tenant, p)));
}

async function startDicomweb(sources: SourceConfig[]): Promise<RunningDemo> {
  const pacs = await startDemoPacs({ port: 0, people });
  const imaged = new Set(demoStudies(people).map((study) => study.person.index));
  const asked = people.filter((p) => imaged.has(p.index)).slice(0, PEOPLE_ASKED);
  const subjects = new Map(sources.map((source) => [source.id, pullSubject({ ...source, url: moveTo(source.url!, pacs.url) }, asked)]));
  return { subjects, stop: pacs.close };
}

/**
 * The demo laboratory sends its ORU^R01 messages to our MLLP listener, which stores them as the
 * lab-listener service does; the record source then reads them back. Its broken copy is the store
 * failing (the database down), with the person's NAM in the database's message.
 */
async function startHl7v2Lab(sources: SourceConfig[]): Promise<RunningDemo> {
  const db = await openTestDb('conformance_lab');
  const xref = new XrefStore(db);
  const store = new LabStore(db, { xref });
  const dispenses = new DispenseStore(db, { xref });
  await store.migrate();
  await dispenses.migrate();
  await xref.migrate();
  const subjects = new Map<string, ConformanceSubject>();
  try {
    for (const source of sources) {
      // A laboratory sends ORU^R01 results, a pharmacy RDS^O13 dispenses: each demo sender to its listener.
      const pharmacy = source.domain === 'MEDICATIONS';
      const asked = people.filter(pharmacy ? hasHl7Dispenses : hasLabResults).slice(0, PEOPLE_ASKED);
      const receiver = await startMllpReceiver({ source: { ...source, port: 0 }, store, dispenses, xref, logger: silentLogger, host: '127.0.0.1', port: 0 });
      try {
        const sender = pharmacy
          ? await startDemoPharmacySystem({ host: '127.0.0.1', port: receiver.port, people: asked, source })
          : await startDemoLabSystem({ host: '127.0.0.1', port: receiver.port, people: asked, source });
        await sender.close();
      } finally {
        await receiver.close();
      }
      const lost = () => Promise.reject(new Error(`connection lost while reading ${asked[0].nam} ${asked[0].familyName}`));
      const storeDown: FailureCase = {
        name: 'store cannot be read (the database is down)',
        expected: 'store',
        bait: baitOf(asked),
        start: async (logger) => {
          const broken = { labStore: { resultsFor: lost } as unknown as LabStore, dispenseStore: { dispensesFor: lost } as unknown as DispenseStore };
          return { recordSources: registryRecordSources(broken)(source, logger), close: async () => undefined };
        },
      };
      subjects.set(source.id, {
        source,
        mode: 'demo',
        recordSources: registryRecordSources({ labStore: store, dispenseStore: dispenses }),
        roster: registryRoster,
        people: asked.map((p) => asRef(p)),
        personalWords: namesOf(asked),
        failures: [storeDown],
      });
    }
  } catch (error) {
    await db.drop();
    throw error;
  }
  return { subjects, stop: () => db.drop() };
}
