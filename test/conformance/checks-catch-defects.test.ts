import { httpFailureCases, RequestCounter, runConformance, type ConformanceSubject } from '../../adapters/conformance';
import { SourceError, type RecordQuery, type RecordSource } from '../../adapters/port';
import type { MedicationDispenseRecord } from '../../schema/records';
import { DEMO_HARNESSES, representativeSources, type RunningDemo } from './demo-harnesses';

/**
 * The suite catches the defects it is there for: each spec breaks the real FHIR adapter in one way
 * (against the demo pharmacy) and expects the one check that names that defect to fail.
 */
const counter = new RequestCounter();
let demo: RunningDemo;
let pharmacy: ConformanceSubject;
beforeAll(async () => {
  counter.install();
  const source = representativeSources('fhir-r4').find((s) => s.domain === 'MEDICATIONS' && s.patientId === 'nam')!;
  demo = await DEMO_HARNESSES['fhir-r4']([source]);
  pharmacy = demo.subjects.get(source.id)!;
}, 60_000);
afterAll(() => demo?.stop());

type Fetch = (real: RecordSource, query: RecordQuery, log: (line: object) => void) => ReturnType<RecordSource['fetch']>;

/** The demo pharmacy's adapter with its fetch replaced by `fetch` (given the real one). */
function broken(fetch: Fetch): ConformanceSubject {
  const recordSources: ConformanceSubject['recordSources'] = (source, logger) =>
    pharmacy.recordSources(source, logger).map((real) => ({ source: real.source, kind: real.kind, fetch: (query: RecordQuery) => fetch(real, query, (line) => logger.info(line, 'adapter')) }));
  // The broken copies of the source run the broken adapter too.
  return { ...pharmacy, recordSources, failures: httpFailureCases(pharmacy.source, recordSources, pharmacy.failures![0].bait) };
}

async function failedChecks(subject: ConformanceSubject): Promise<string[]> {
  const results = await runConformance(subject, { counter });
  return results.filter((r) => r.outcome === 'failed').map((r) => r.name);
}

test('the unbroken adapter fails no check', async () => {
  expect(await failedChecks(broken((real, query) => real.fetch(query)))).toEqual([]);
});

test('an adapter that asks the source once per person fails the batching check', async () => {
  const perPerson: Fetch = async (real, query) => {
    const all = new Map();
    for (const patient of query.patients) for (const [nam, records] of await real.fetch({ ...query, patients: [patient] })) all.set(nam, records);
    return all;
  };
  expect(await failedChecks(broken(perPerson))).toEqual([expect.stringMatching(/^a batch costs/)]);
});

test("an adapter that files records under someone not asked fails the first check, and the rest cannot pass on its answer", async () => {
  const stranger: Fetch = async (real, query) => {
    const answer = await real.fetch(query);
    answer.set('ZZZZ99999999', [...answer.values()][0]);
    return answer;
  };
  const failed = await failedChecks(broken(stranger));
  expect(failed[0]).toMatch(/only about the people asked/);
});

test('a record whose days supply is 2.5 or whose date has no offset fails the contract check', async () => {
  const unfit: Fetch = async (real, query) => {
    const answer = await real.fetch(query);
    const [first] = [...answer.values()];
    Object.assign(first[0] as MedicationDispenseRecord, { daysSupply: 2.5 });
    Object.assign(first[1] as MedicationDispenseRecord, { dispensedAt: '2024-03-01T10:00:00' });
    return answer;
  };
  const results = await runConformance(broken(unfit), { counter });
  const contract = results.find((r) => r.name.startsWith('every record has what the contract requires'))!;
  expect(contract.outcome).toBe('failed');
  expect(contract.detail).toContain('MedicationDispense.daysSupply is not a 32-bit whole number');
  expect(contract.detail).toContain('MedicationDispense.dispensedAt is not a DateTime');
});

test('an adapter that ignores `since` fails the since check', async () => {
  const ignoresSince: Fetch = (real, query) => real.fetch({ ...query, since: undefined });
  expect(await failedChecks(broken(ignoresSince))).toEqual([expect.stringMatching(/^`since`/)]);
});

test('an adapter that answers a query whose time is up fails the abort check', async () => {
  const ignoresAbort: Fetch = (real, query) => real.fetch({ ...query, signal: new AbortController().signal });
  // Without the never-answering source, which such an adapter would wait on until the check gives up (15 s).
  const failed = await failedChecks({ ...broken(ignoresAbort), failures: [] });
  expect(failed).toContain('a query whose time is already up fails at once as a timeout');
});

test("an adapter whose error quotes the source's answer fails the failure checks", async () => {
  const quotes: Fetch = async (real, query) => {
    const body = await fetch(`${real.source.url}/MedicationDispense`, { signal: query.signal }).then((r) => r.text(), () => 'no answer');
    return real.fetch(query).catch((error: SourceError) => {
      throw new SourceError(error.failure, `${error.message}: ${body}`);
    });
  };
  const failed = await failedChecks(broken(quotes));
  expect(failed).toEqual(expect.arrayContaining([expect.stringMatching(/answers HTTP 500.*quoting nothing it said/), expect.stringMatching(/page that is not the protocol's/)]));
});

test('an adapter that logs the NAMs it was asked fails the log check, however the NAM is written', async () => {
  const logs: Fetch = (real, query, log) => {
    log({ patient: query.patients[0].nam.replace(/^(.{4})(.{4})(.{4})$/, '$1 $2 $3') });
    return real.fetch(query);
  };
  expect(await failedChecks(broken(logs))).toEqual([expect.stringMatching(/^no log line/)]);
});
