import { isUnknownToSources } from '../../demo/people';
import { startTestStack, type TestStack } from '../support/stack';

// Two gateway instances share state only through PostgreSQL; PGlite is one process, so without it, skip, and say so.
const shared = !!process.env.DATABASE_URL;
const describeShared = shared ? describe : describe.skip;

let first: TestStack;
let second: TestStack;
beforeAll(async () => {
  if (!shared) return;
  first = await startTestStack();
  second = await startTestStack({ dbSchema: first.dbSchema });
}, 90_000);
afterAll(async () => {
  await second?.stop();
  await first?.stop();
});

const READ = 'query($nam: NAM!) { patient(nam: $nam) { recordStatus medications { id } } }';
const clerk = { role: 'consent_clerk', sub: 'CLERK-9' };
const physician = { role: 'physician', sub: 'MD-SECOND' };

describeShared('two gateway instances against one PostgreSQL (needs DATABASE_URL)', () => {
  test('a refusal through the first instance is enforced by the second on its very next request', async () => {
    const person = first.people.find((p) => p.region === 'Montréal' && !isUnknownToSources(p))!;
    // The second instance has read (and cached) the open record before the refusal.
    const provider = { role: 'physician', sub: 'MD-NEVER-BEFORE' };
    expect((await second.query(READ, { nam: person.nam }, physician)).body.data.patient.recordStatus).toBe('ACTIVE');
    await first.query('mutation($nam: NAM!) { recordRefusal(nam: $nam, channel: PHONE) { recordStatus } }', { nam: person.nam }, clerk);
    const { body } = await second.query(READ, { nam: person.nam }, provider);
    expect(body.data.patient).toBeNull();
    expect(body.errors[0].extensions.code).toBe('RECORD_REFUSED');
  });

  test('a withdrawal through the second instance reopens the record on the first at once', async () => {
    const person = first.people.filter((p) => p.region === 'Montréal' && !isUnknownToSources(p))[1];
    await second.query('mutation($nam: NAM!) { recordRefusal(nam: $nam, channel: MAIL) { recordStatus } }', { nam: person.nam }, clerk);
    expect((await first.query(READ, { nam: person.nam }, { role: 'physician', sub: 'MD-X' })).body.errors[0].extensions.code).toBe('RECORD_REFUSED');
    await second.query('mutation($nam: NAM!) { withdrawRefusal(nam: $nam, channel: MAIL) { recordStatus } }', { nam: person.nam }, clerk);
    expect((await first.query(READ, { nam: person.nam }, { role: 'physician', sub: 'MD-Y' })).body.data.patient.recordStatus).toBe('ACTIVE');
  });

  test('each instance appends to a chain of its own, and every chain verifies', async () => {
    await Promise.all([first.platform.accessLog.drained(), second.platform.accessLog.drained()]);
    const verdict = await first.platform.accessLog.verify();
    expect(verdict).toMatchObject({ ok: true, chains: 2 });
    expect(verdict.entries).toBeGreaterThanOrEqual(4);
  });
});

if (!shared) test.skip('two instances need DATABASE_URL (set by .ci/run)', () => undefined);
