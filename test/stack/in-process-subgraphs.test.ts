import { peopleInEveryDomain } from '../support/demo-choices';
import { startTestStack, type TestStack } from '../support/stack';

/**
 * GATEWAY_SUBGRAPHS=in-process: each gateway process runs the five subgraphs itself (issue #7 §4,
 * "in process where services share one"). What a provider reads must not depend on where the
 * subgraphs run: same records, same source statuses, same consent, same errors.
 */
let remote: TestStack;
let local: TestStack;
beforeAll(async () => {
  remote = await startTestStack({ env: { SOURCE_CACHE: 'off' } });
  local = await startTestStack({ env: { SOURCE_CACHE: 'off', GATEWAY_SUBGRAPHS: 'in-process' } });
}, 120_000);
afterAll(async () => {
  await local?.stop();
  await remote?.stop();
});

const VIEW = `query($nams: [NAM!]!) { patients(nams: $nams) {
  nam familyName recordStatus
  medications { id din dispensedAt pharmacy { id } } labResults { id value } imagingStudies { studyInstanceUid }
  encounters { id start } conditions { id } allergies { id } immunizations { id }
  sources { source { id } domain state asked selectedBy }
} }`;

describe('subgraphs run inside the gateway process', () => {
  test('a panel reads the same records and source statuses as through subgraph services', async () => {
    const nams = peopleInEveryDomain(remote.people).slice(0, 5).map((p) => p.nam);
    const [a, b] = await Promise.all([remote.query(VIEW, { nams }), local.query(VIEW, { nams })]);
    expect(b.body.errors).toBeUndefined();
    expect(b.body).toEqual(a.body);
  });

  test('no subgraph service listens: there is nothing to call but the gateway', () => {
    expect(local.platform.subgraphUrls).toBeUndefined();
  });

  test('a refused record is refused the same way, and a role sees the same domains', async () => {
    const person = peopleInEveryDomain(local.people)[6];
    await local.query('mutation($nam: NAM!) { recordRefusal(nam: $nam, channel: PHONE) { recordStatus } }', { nam: person.nam }, { role: 'consent_clerk', sub: 'CLERK-LOCAL' });
    const refused = await local.query('query($nam: NAM!) { patient(nam: $nam) { nam } }', { nam: person.nam });
    expect(refused.body.errors[0].extensions.code).toBe('RECORD_REFUSED');
    const other = peopleInEveryDomain(local.people)[7];
    const nurse = await local.query('query($nam: NAM!) { patient(nam: $nam) { medications { id } imagingStudies { studyInstanceUid } } }', { nam: other.nam }, { role: 'nurse' });
    expect(nurse.body.data.patient.imagingStudies).toBeNull();
    expect(nurse.body.errors).toEqual([expect.objectContaining({ path: ['patient', 'imagingStudies'], extensions: { code: 'FORBIDDEN' } })]);
  });
});
