import { demoStudies } from '../../demo/pacs-studies';
import { demoFhirResources, demoPatientIdOf } from '../../demo/fhir-server';
import { isUnknownToSources, type DemoPerson } from '../../demo/people';
import { INTERNAL_HEADER, signInternalToken, type Caller } from '../../lib/internal-token';
import { startTestStack, type TestStack } from '../support/stack';

let stack: TestStack;
let imaged: DemoPerson;
let refused: DemoPerson;

beforeAll(async () => {
  stack = await startTestStack();
  const studies = demoStudies(stack.people);
  imaged = stack.people.find((p) => p.region === 'Montréal' && studies.some((s) => s.person.index === p.index))!;
  refused = stack.people.find((p) => p.region === 'Montréal' && !isUnknownToSources(p) && p !== imaged && p.familyName.length > 4)!;
  await stack.query('mutation($nam: NAM!) { recordRefusal(nam: $nam, channel: PHONE) { recordStatus } }', { nam: refused.nam }, { role: 'consent_clerk', sub: 'CLERK-1' });
}, 60_000);
afterAll(() => stack?.stop());

/** Every value a denied answer must not contain: study UIDs and descriptions, dispense ids and drug names, names. */
const imagingValues = () => demoStudies(stack.people).filter((s) => s.person.index === imaged.index).flatMap((s) => [s.studyInstanceUid, s.accessionNumber]);
const refusedValues = () => {
  const subject = `Patient/${demoPatientIdOf('pharmacy-mtl-centre', refused)}`;
  const dispenses = demoFhirResources(stack.people)['pharmacy-mtl-centre'].filter((r: any) => r.subject?.reference === subject);
  return [refused.familyName, refused.birthDate, ...dispenses.map((r) => `pharmacy-mtl-centre/${r.id}`)];
};
const expectNoneIn = (text: string, values: string[]) => {
  expect(values.length).toBeGreaterThan(0);
  for (const value of values) expect(text).not.toContain(value);
};

const NURSE = { role: 'nurse', sub: 'N-1' };
const STRANGER = { role: 'physician', sub: 'MD-STRANGER' };

describe('nothing denied leaks', () => {
  test.each([
    ['an alias', 'query($n: NAM!) { patient(nam: $n) { scans: imagingStudies { uid: studyInstanceUid accessionNumber } } }'],
    ['a named fragment', 'query($n: NAM!) { patient(nam: $n) { ...Img } } fragment Img on Patient { imagingStudies { studyInstanceUid accessionNumber } }'],
    ['an inline fragment', 'query($n: NAM!) { patient(nam: $n) { ... on Patient { imagingStudies { studyInstanceUid accessionNumber } } } }'],
    ['a patients list', 'query($n: NAM!) { patients(nams: [$n, $n]) { imagingStudies { studyInstanceUid accessionNumber } } }'],
    ['two aliases of the record', 'query($n: NAM!) { a: patient(nam: $n) { nam } b: patient(nam: $n) { imagingStudies { studyInstanceUid accessionNumber } } }'],
  ])("a nurse asking for imaging through %s gets FORBIDDEN and none of the studies", async (_how, query) => {
    const { body } = await stack.query(query, { n: imaged.nam }, NURSE);
    expect(body.errors.every((e: any) => e.extensions.code === 'FORBIDDEN')).toBe(true);
    expectNoneIn(JSON.stringify(body), imagingValues());
  });

  test.each([
    ['an alias', 'query($n: NAM!) { mine: patient(nam: $n) { familyName birthDate meds: medications { id } } }'],
    ['a fragment', 'query($n: NAM!) { patient(nam: $n) { ...P } } fragment P on Patient { familyName birthDate medications { id } }'],
    ['a patients list', 'query($n: NAM!) { patients(nams: [$n]) { familyName birthDate medications { id } } }'],
    ['only the record status', 'query($n: NAM!) { patient(nam: $n) { recordStatus familyName } }'],
  ])('a refused record asked through %s gives RECORD_REFUSED and nothing of the person', async (_how, query) => {
    const { body } = await stack.query(query, { n: refused.nam }, STRANGER);
    expect(body.errors.map((e: any) => e.extensions.code)).toEqual(['RECORD_REFUSED']);
    expectNoneIn(JSON.stringify(body), refusedValues());
  });

  test('the gateway does not expose _entities or _service to callers', async () => {
    const { body } = await stack.query('{ _entities(representations: [{ __typename: "Patient", nam: "TREM75561212" }]) { ... on Patient { familyName } } }');
    expect(body.data).toBeUndefined();
    expect(body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  describe('a subgraph called directly, even with a genuine gateway signature', () => {
    const callSubgraph = async (name: 'patient-index' | 'pharmacy' | 'imaging', caller: Caller, query: string, variables = {}) => {
      const token = await signInternalToken(caller, name, stack.config.internalSecret);
      const response = await fetch(stack.platform.subgraphUrls![name], { method: 'POST', headers: { 'content-type': 'application/json', [INTERNAL_HEADER]: token }, body: JSON.stringify({ query, variables }) });
      return (await response.json()) as any;
    };
    const entities = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Patient { familyName medications { id } } } }';
    const representation = (nam: string) => ({ r: [{ __typename: 'Patient', nam, sourceIds: [] }] });

    test('answers nothing for a record the consent rules did not grant in that request', async () => {
      const caller = { providerId: 'MD-1', role: 'physician', domains: ['MEDICATIONS'], grants: {} };
      const index = await callSubgraph('patient-index', caller, entities.replace(' medications { id }', ''), representation(refused.nam));
      expect(index.errors[0].extensions.code).toBe('RECORD_REFUSED');
      const pharmacy = await callSubgraph('pharmacy', caller, 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Patient { medications { id } } } }', representation(refused.nam));
      expect(pharmacy.errors[0].extensions.code).toBe('RECORD_REFUSED');
      expectNoneIn(JSON.stringify([index, pharmacy]), refusedValues());
    });

    test('answers nothing of a domain the role may not see', async () => {
      const caller = { providerId: 'N-1', role: 'nurse', domains: ['MEDICATIONS', 'LAB_RESULTS', 'CLINICAL'], grants: { [imaged.nam]: null } };
      const answer = await callSubgraph('imaging', caller, 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Patient { imagingStudies { studyInstanceUid } } } }', representation(imaged.nam));
      expect(answer.errors[0].extensions.code).toBe('FORBIDDEN');
      expectNoneIn(JSON.stringify(answer), imagingValues());
    });

    test('still answers _service, so federation tooling keeps working', async () => {
      const caller = { providerId: 'gateway', role: 'physician', domains: [], grants: {} };
      const answer = await callSubgraph('pharmacy', caller, '{ _service { sdl } }');
      expect(answer.data._service.sdl).toContain('medications');
    });
  });

  test('the logs hold none of the denied values', () => {
    const logs = stack.logs.join('\n');
    expectNoneIn(logs, [...imagingValues(), ...refusedValues(), imaged.nam, refused.nam]);
  });
});
