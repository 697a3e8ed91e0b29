import { garbageSource, silentSource, type FakeServer } from '../support/fake-sources';
import { startTestStack, type TestStack } from '../support/stack';

let stack: TestStack;
let garbage: FakeServer;
let silent: FakeServer;

beforeAll(async () => {
  garbage = await garbageSource();
  silent = await silentSource();
  stack = await startTestStack({
    sources: (sources) => [
      ...sources.map((s) => (s.id === 'clinic-mtl-east' ? { ...s, url: `${garbage.url}/fhir` } : s)),
      { ...sources.find((s) => s.id === 'pharmacy-mtl-centre')!, id: 'pharmacy-silent', name: 'Pharmacie Silencieuse', url: `${silent.url}/fhir` },
    ],
  });
}, 60_000);
afterAll(async () => {
  await stack?.stop();
  await garbage?.close();
  await silent?.close();
});

const RECORD = `query($nam: NAM!) { patient(nam: $nam) {
  medications { id pharmacy { id } }
  encounters { id }
  sources { source { id name } domain state }
} }`;

/** A Montréal person the demo Montréal pharmacy has dispenses for. */
const montrealPatient = async () => {
  for (const person of stack.people.filter((p) => p.region === 'Montréal')) {
    const { body } = await stack.query(RECORD, { nam: person.nam });
    if (body.data?.patient?.medications?.length) return { person, body };
  }
  throw new Error('no Montréal person with dispenses in the demo');
};

describe('when a source fails, the rest of the record still comes back', () => {
  test('a pharmacy that never answers is UNAVAILABLE; the other pharmacy’s dispenses are returned with SOURCE_UNAVAILABLE at medications', async () => {
    const { body } = await montrealPatient();
    expect(body.data.patient.medications.every((m: { pharmacy: { id: string } }) => m.pharmacy.id === 'pharmacy-mtl-centre')).toBe(true);
    const error = body.errors.find((e: any) => e.path.join('.') === 'patient.medications');
    expect(error.extensions).toEqual({ code: 'SOURCE_UNAVAILABLE', sources: ['pharmacy-silent'] });
    expect(body.data.patient.sources).toEqual(
      expect.arrayContaining([
        { source: { id: 'pharmacy-mtl-centre', name: 'Pharmacie du Plateau' }, domain: 'MEDICATIONS', state: 'OK' },
        { source: { id: 'pharmacy-silent', name: 'Pharmacie Silencieuse' }, domain: 'MEDICATIONS', state: 'UNAVAILABLE' },
      ]),
    );
  });

  test('a clinic answering garbage makes encounters null with SOURCE_UNAVAILABLE, and nothing of its answer reaches the caller', async () => {
    const { body } = await montrealPatient();
    expect(body.data.patient.encounters).toBeNull();
    const error = body.errors.find((e: any) => e.path.join('.') === 'patient.encounters');
    expect(error.extensions.code).toBe('SOURCE_UNAVAILABLE');
    expect(body.data.patient.sources).toContainEqual({ source: { id: 'clinic-mtl-east', name: 'GMF Hochelaga-Maisonneuve' }, domain: 'CLINICAL', state: 'UNAVAILABLE' });
    const text = JSON.stringify(body);
    expect(text).not.toMatch(/Maintenance|<html|TREM75561212|stack|Tremblay/);
  });

  test('each unavailable source says why in general terms (no answer in time, an answer that cannot be read), and one that answered says nothing', async () => {
    const { person } = await montrealPatient();
    const { body } = await stack.query(`query($nam: NAM!) { patient(nam: $nam) { medications { id } encounters { id } sources { source { id } state failure } } }`, { nam: person.nam });
    const failureOf = (id: string) => body.data.patient.sources.find((s: { source: { id: string } }) => s.source.id === id)?.failure;
    // After a few views, a source that keeps failing has its circuit opened: it is not waited on.
    expect(['TIMEOUT', 'CIRCUIT_OPEN']).toContain(failureOf('pharmacy-silent'));
    expect(['MALFORMED', 'CIRCUIT_OPEN']).toContain(failureOf('clinic-mtl-east'));
    expect(failureOf('pharmacy-mtl-centre')).toBeNull();
  });

  test('no error carries a stack trace or a source’s raw response, and the logs name the failure only by kind', async () => {
    await montrealPatient();
    const failures = stack.logs.filter((line) => line.includes('source unavailable'));
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.join('\n')).toMatch(/"failure":"(malformed|timeout|circuit-open)"/);
    expect(stack.logs.join('\n')).not.toMatch(/Maintenance|<html/);
  });
});
