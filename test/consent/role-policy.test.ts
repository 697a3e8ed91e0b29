import { peopleInEveryDomain } from '../support/demo-choices';
import { startTestStack, type TestStack } from '../support/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
}, 60_000);
afterAll(() => stack?.stop());

const RECORD = `query($nam: NAM!) { patient(nam: $nam) {
  nam familyName
  medications { id } labResults { id } imagingStudies { studyInstanceUid } encounters { id } conditions { id } allergies { id } immunizations { id }
  sources { source { id } domain }
} }`;
const FIELDS = { medications: 'MEDICATIONS', labResults: 'LAB_RESULTS', imagingStudies: 'IMAGING', encounters: 'CLINICAL', conditions: 'CLINICAL', allergies: 'CLINICAL', immunizations: 'CLINICAL' } as const;

const fullPerson = () => peopleInEveryDomain(stack.people)[0];

async function readAs(role: string, sub?: string) {
  const person = fullPerson();
  const { body } = await stack.query(RECORD, { nam: person.nam }, { role, sub });
  const forbidden = (body.errors ?? []).filter((e: any) => e.extensions.code === 'FORBIDDEN').map((e: any) => e.path.join('.'));
  return { person, body, forbidden };
}

describe('who may see which domains (policy: physician all; nurse no imaging; pharmacist medications and lab)', () => {
  test.each([
    ['physician', ['MEDICATIONS', 'LAB_RESULTS', 'IMAGING', 'CLINICAL']],
    ['nurse', ['MEDICATIONS', 'LAB_RESULTS', 'CLINICAL']],
    ['pharmacist', ['MEDICATIONS', 'LAB_RESULTS']],
    ['consent_clerk', []],
    ['privacy_officer', []],
  ])('a %s sees exactly its domains; the others are null with FORBIDDEN at their path and their sources are not asked', async (role, domains) => {
    const { body, forbidden } = await readAs(role as string);
    for (const [field, domain] of Object.entries(FIELDS)) {
      if (domains.includes(domain)) {
        expect(Array.isArray(body.data.patient[field])).toBe(true);
      } else {
        expect(body.data.patient[field]).toBeNull();
        expect(forbidden).toContain(`patient.${field}`);
      }
    }
    expect(new Set(body.data.patient.sources.map((s: any) => s.domain))).toEqual(new Set(domains));
    // The rest of the record is returned.
    expect(body.data.patient.familyName).toBeDefined();
  });

  test('a person (token sub = their NAM) sees their own identity and no clinical domain', async () => {
    const person = fullPerson();
    const { body } = await stack.query(RECORD, { nam: person.nam }, { role: 'person', sub: person.nam });
    expect(body.data.patient.nam).toBe(person.nam);
    for (const field of Object.keys(FIELDS)) expect(body.data.patient[field]).toBeNull();
  });

  test("a person may not open someone else's record", async () => {
    const [me, other] = stack.people;
    const { body } = await stack.query(RECORD, { nam: other.nam }, { role: 'person', sub: me.nam });
    expect(body.data.patient).toBeNull();
    expect(body.errors[0]).toMatchObject({ path: ['patient'], extensions: { code: 'FORBIDDEN' } });
  });

  test('a role the policy does not list sees nothing at all (deny by default)', async () => {
    const { body } = await stack.query(RECORD, { nam: fullPerson().nam }, { role: 'receptionist' });
    expect(body.data.patient).toBeNull();
    expect(body.errors[0]).toMatchObject({ path: ['patient'], extensions: { code: 'FORBIDDEN' } });
  });

  test('a domain the role may not see costs no call to its source', async () => {
    const person = fullPerson();
    const before = stack.logs.filter((l) => l.includes('"source":"pacs-mtl-centre-west"')).length;
    await stack.query('query($nam: NAM!) { patient(nam: $nam) { imagingStudies { studyInstanceUid } } }', { nam: person.nam }, { role: 'nurse' });
    expect(stack.logs.filter((l) => l.includes('"source":"pacs-mtl-centre-west"')).length).toBe(before);
    // The control: a physician's read reaches the PACS (its cached answer from an earlier test dropped first).
    await stack.platform.cache.invalidate('pacs-mtl-centre-west', [person.nam]);
    await stack.query('query($nam: NAM!) { patient(nam: $nam) { imagingStudies { studyInstanceUid } } }', { nam: person.nam }, { role: 'physician' });
    expect(stack.logs.filter((l) => l.includes('"source":"pacs-mtl-centre-west"')).length).toBe(before + 1);
  });
});
