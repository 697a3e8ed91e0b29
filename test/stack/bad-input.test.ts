import { countingProxy, type FakeServer } from '../support/fake-sources';
import { startTestStack, type TestStack } from '../support/stack';

let stack: TestStack;
let proxy: FakeServer;

beforeAll(async () => {
  // Every FHIR call goes through a counting proxy in front of the demo FHIR server.
  stack = await startTestStack({
    sources: async (sources, systems) => {
      proxy = await countingProxy(systems.fhirUrl);
      return sources.map((s) => (s.protocol === 'fhir-r4' ? { ...s, url: `${proxy.url}${new URL(s.url!).pathname}` } : s));
    },
  });
}, 60_000);
afterAll(async () => {
  await stack?.stop();
  await proxy?.close();
});

const codeAt = (body: any, path: string) => body.errors?.find((e: any) => e.path?.join('.') === path)?.extensions?.code;

describe('bad input gets a clear error and changes nothing', () => {
  test('a malformed NAM is BAD_USER_INPUT and no source is asked', async () => {
    const before = proxy.requests.length;
    for (const nam of ['TREM7556121', 'TREM75133012', 'TREM75023012', '1234TREM5678']) {
      const { body } = await stack.query('query($nam: NAM!) { patient(nam: $nam) { medications { id } } }', { nam });
      expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(JSON.stringify(body.errors)).not.toContain(nam);
    }
    const { body } = await stack.query('{ patient(nam: "TREM75133012") { medications { id } } }');
    expect(codeAt(body, 'patient') ?? body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(body)).not.toContain('TREM75133012');
    expect(proxy.requests.length).toBe(before);
  });

  test('a well-formed NAM nobody holds is null, asking no source', async () => {
    const before = proxy.requests.length;
    const { body } = await stack.query('{ patient(nam: "ZZZZ99123199") { nam medications { id } } }');
    expect(body).toEqual({ data: { patient: null } });
    expect(proxy.requests.length).toBe(before);
  });

  test('patients answers in the order asked, with null where unknown', async () => {
    const [a, b] = stack.people;
    const { body } = await stack.query('query($n: [NAM!]!) { patients(nams: $n) { nam } }', { n: [b.nam, 'ZZZZ99123199', a.nam] });
    expect(body.data.patients).toEqual([{ nam: b.nam }, null, { nam: a.nam }]);
  });

  test('more people than a request may ask for is QUERY_TOO_COMPLEX (HTTP 400) and no source is asked', async () => {
    const before = proxy.requests.length;
    const nams = Array.from({ length: 101 }, () => stack.people[0].nam);
    const { status, body } = await stack.query('query($n: [NAM!]!) { patients(nams: $n) { nam medications { id } } }', { n: nams });
    expect(status).toBe(400);
    expect(body.errors[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
    expect(proxy.requests.length).toBe(before);
  });
});

describe('fifty people cost one search per FHIR source and resource type', () => {
  test('a 50-person panel sends one POST _search per pharmacy and per clinic resource type, whatever the paging', async () => {
    const panel = stack.people.slice(0, 50).map((p) => p.nam);
    proxy.requests.length = 0;
    const { body } = await stack.query(
      'query($n: [NAM!]!) { patients(nams: $n) { nam medications { id } encounters { id } conditions { id } allergies { id } immunizations { id } } }',
      { n: panel },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data.patients).toHaveLength(50);
    const searches = proxy.requests.filter((r) => r.startsWith('POST')).sort();
    expect(searches).toEqual([
      'POST /clinic-mtl-east/fhir/AllergyIntolerance/_search',
      'POST /clinic-mtl-east/fhir/Condition/_search',
      'POST /clinic-mtl-east/fhir/Encounter/_search',
      'POST /clinic-mtl-east/fhir/Immunization/_search',
      'POST /pharmacy-mtl-centre-west/fhir/MedicationDispense/_search',
      'POST /pharmacy-mtl-centre/fhir/MedicationDispense/_search',
      'POST /pharmacy-mtl-east/fhir/MedicationDispense/_search',
      'POST /pharmacy-mtl-north/fhir/MedicationDispense/_search',
      'POST /pharmacy-mtl-south-west/fhir/MedicationDispense/_search',
      'POST /pharmacy-mtl-west/fhir/MedicationDispense/_search',
      'POST /pharmacy-trois-rivieres/fhir/MedicationDispense/_search',
    ]);
    // Paging happened (the demo server pages by 20), and it is the only other traffic.
    expect(proxy.requests.filter((r) => !r.startsWith('POST')).every((r) => r.startsWith('GET'))).toBe(true);
  });
});
