import { RefusalRegister } from '../../consent/refusal-register';
import { fillsInBothRegions, isFollowedAtClinic } from '../../demo/fhir-server';
import { isUnknownToSources, type DemoPerson } from '../../demo/people';
import { startTestStack, type TestStack } from '../support/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
}, 60_000);
afterAll(() => stack?.stop());

const READ = 'query($nam: NAM!) { patient(nam: $nam) { nam recordStatus medications { id dispensedAt } encounters { id } sources { source { id } } } }';
const REFUSE = 'mutation($nam: NAM!, $channel: ConsentChannel!, $before: Date) { recordRefusal(nam: $nam, channel: $channel, collectedBefore: $before) { nam recordStatus channel effectiveAt collectedBefore } }';
const WITHDRAW = 'mutation($nam: NAM!, $channel: ConsentChannel!) { withdrawRefusal(nam: $nam, channel: $channel) { nam recordStatus channel effectiveAt } }';
const clerk = { role: 'consent_clerk', sub: 'CLERK-7' };
const physicianA = { role: 'physician', sub: 'MD-AAAAA' };
const physicianB = { role: 'physician', sub: 'MD-BBBBB' };

/** Montréal people with dispenses and clinic data, one per test so the tests do not share state. */
let next = 0;
const freshPerson = (): DemoPerson => {
  const candidates = stack.people.filter((p) => p.region === 'Montréal' && isFollowedAtClinic(p) && !isUnknownToSources(p) && !fillsInBothRegions(p));
  return candidates[next++];
};
const sourceCalls = () => stack.logs.filter((line) => line.includes('source answered') || line.includes('source unavailable')).length;

describe('anyone has a record unless they refuse (QHR)', () => {
  test('a refusal by phone, recorded by a consent clerk, closes the record: RECORD_REFUSED and no source asked', async () => {
    const person = freshPerson();
    const { body: recorded } = await stack.query(REFUSE, { nam: person.nam, channel: 'PHONE' }, clerk);
    expect(recorded.data.recordRefusal).toMatchObject({ nam: person.nam, recordStatus: 'REFUSED', channel: 'PHONE', collectedBefore: null });
    const calls = sourceCalls();
    const { body } = await stack.query(READ, { nam: person.nam }, physicianB);
    expect(body.data.patient).toBeNull();
    expect(body.errors).toEqual([expect.objectContaining({ path: ['patient'], extensions: { code: 'RECORD_REFUSED' } })]);
    expect(sourceCalls()).toBe(calls);
  });

  test('a refusal by mail is recorded by a consent clerk', async () => {
    const person = freshPerson();
    const { body } = await stack.query(REFUSE, { nam: person.nam, channel: 'MAIL' }, clerk);
    expect(body.data.recordRefusal).toMatchObject({ recordStatus: 'REFUSED', channel: 'MAIL' });
    expect((await stack.query(READ, { nam: person.nam }, physicianB)).body.errors[0].extensions.code).toBe('RECORD_REFUSED');
  });

  test('a refusal online is made by the person, for their own record only', async () => {
    const [person, other] = [freshPerson(), freshPerson()];
    const { body } = await stack.query(REFUSE, { nam: person.nam, channel: 'ONLINE' }, { role: 'person', sub: person.nam });
    expect(body.data.recordRefusal).toMatchObject({ recordStatus: 'REFUSED', channel: 'ONLINE' });
    const { body: forOther } = await stack.query(REFUSE, { nam: other.nam, channel: 'ONLINE' }, { role: 'person', sub: person.nam });
    expect(forOther.errors[0].extensions.code).toBe('FORBIDDEN');
    expect((await stack.query(READ, { nam: other.nam }, physicianB)).body.data.patient.recordStatus).toBe('ACTIVE');
  });

  test('nobody else may record a refusal: a clerk online, a physician by phone, a person by mail', async () => {
    const person = freshPerson();
    for (const [as, channel] of [[clerk, 'ONLINE'], [physicianA, 'PHONE'], [{ role: 'person', sub: person.nam }, 'MAIL']] as const) {
      const { body } = await stack.query(REFUSE, { nam: person.nam, channel }, as);
      expect(body.data).toBeNull();
      expect(body.errors[0].extensions.code).toBe('FORBIDDEN');
    }
    const register = new RefusalRegister(stack.platform.db);
    expect(await register.history(person.nam)).toEqual([]);
  });

  test('recording the same refusal twice changes nothing (idempotent)', async () => {
    const person = freshPerson();
    const first = (await stack.query(REFUSE, { nam: person.nam, channel: 'PHONE' }, clerk)).body.data.recordRefusal;
    const second = (await stack.query(REFUSE, { nam: person.nam, channel: 'PHONE' }, clerk)).body.data.recordRefusal;
    expect(second).toEqual(first);
    expect(await new RefusalRegister(stack.platform.db).history(person.nam)).toHaveLength(1);
  });

  test('a provider who consulted the record before the refusal keeps access; another does not', async () => {
    const person = freshPerson();
    const before = (await stack.query(READ, { nam: person.nam }, physicianA)).body;
    expect(before.data.patient.medications.length).toBeGreaterThan(0);
    await stack.query(REFUSE, { nam: person.nam, channel: 'PHONE' }, clerk);
    const afterA = (await stack.query(READ, { nam: person.nam }, physicianA)).body;
    expect(afterA.errors).toBeUndefined();
    expect(afterA.data.patient).toMatchObject({ recordStatus: 'REFUSED', medications: before.data.patient.medications });
    const afterB = (await stack.query(READ, { nam: person.nam }, physicianB)).body;
    expect(afterB.errors[0].extensions.code).toBe('RECORD_REFUSED');
  });

  test("reading a person's access log is not consulting their record: a privacy officer who read it keeps no access after the refusal", async () => {
    const person = freshPerson();
    const officer = { role: 'privacy_officer', sub: 'PO-READER' };
    const log = await stack.query('query($nam: NAM!) { accessLog(nam: $nam) { at } }', { nam: person.nam }, officer);
    expect(log.body.errors).toBeUndefined();
    await stack.query(REFUSE, { nam: person.nam, channel: 'MAIL' }, clerk);
    const after = (await stack.query('query($nam: NAM!) { patient(nam: $nam) { familyName birthDate } }', { nam: person.nam }, officer)).body;
    expect(after.data.patient).toBeNull();
    expect(after.errors[0].extensions.code).toBe('RECORD_REFUSED');
  });

  test('the person may change their mind back and forth; the register keeps every change', async () => {
    const person = freshPerson();
    const states: string[] = [];
    for (const [step, mutation] of [REFUSE, WITHDRAW, REFUSE, WITHDRAW].entries()) {
      await stack.query(mutation, { nam: person.nam, channel: 'ONLINE' }, { role: 'person', sub: person.nam });
      // A provider who never consulted this record, so the prior-consultation exception plays no part.
      const { body } = await stack.query(READ, { nam: person.nam }, { role: 'physician', sub: `MD-NEW-${step}` });
      states.push(body.data.patient ? `open:${body.data.patient.recordStatus}` : body.errors[0].extensions.code);
    }
    expect(states).toEqual(['RECORD_REFUSED', 'open:ACTIVE', 'RECORD_REFUSED', 'open:ACTIVE']);
    const history = await new RefusalRegister(stack.platform.db).history(person.nam);
    expect(history.map((c) => [c.status, c.channel, c.recordedBy, c.recordedRole])).toEqual([
      ['REFUSED', 'ONLINE', person.nam, 'person'],
      ['ACTIVE', 'ONLINE', person.nam, 'person'],
      ['REFUSED', 'ONLINE', person.nam, 'person'],
      ['ACTIVE', 'ONLINE', person.nam, 'person'],
    ]);
  });

  test('a partial refusal closes only what the sources recorded before its date', async () => {
    const person = freshPerson();
    const all = (await stack.query(READ, { nam: person.nam }, physicianA)).body.data.patient.medications as { id: string; dispensedAt: string }[];
    const sorted = [...all].sort((a, b) => Date.parse(a.dispensedAt) - Date.parse(b.dispensedAt));
    expect(sorted.length).toBeGreaterThan(1);
    const cut = sorted[Math.floor(sorted.length / 2)].dispensedAt.slice(0, 10);
    await stack.query(REFUSE, { nam: person.nam, channel: 'MAIL', before: cut }, clerk);
    const { body } = await stack.query(READ, { nam: person.nam }, physicianB);
    expect(body.errors).toBeUndefined();
    const shown = body.data.patient.medications as { dispensedAt: string }[];
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.length).toBeLessThan(all.length);
    for (const dispense of shown) expect(dispense.dispensedAt.slice(0, 10) >= cut).toBe(true);
  });

  test('a provider who consulted while the record was reopened keeps access after the next refusal', async () => {
    const person = freshPerson();
    await stack.query(REFUSE, { nam: person.nam, channel: 'PHONE' }, clerk);
    await stack.query(WITHDRAW, { nam: person.nam, channel: 'PHONE' }, clerk);
    expect((await stack.query(READ, { nam: person.nam }, physicianA)).body.errors).toBeUndefined();
    await stack.query(REFUSE, { nam: person.nam, channel: 'PHONE' }, clerk);
    expect((await stack.query(READ, { nam: person.nam }, physicianA)).body.data.patient.recordStatus).toBe('REFUSED');
    expect((await stack.query(READ, { nam: person.nam }, physicianB)).body.errors[0].extensions.code).toBe('RECORD_REFUSED');
  });

  test('a withdrawal reopens the record to everyone at once', async () => {
    const person = freshPerson();
    await stack.query(REFUSE, { nam: person.nam, channel: 'PHONE' }, clerk);
    expect((await stack.query(READ, { nam: person.nam }, physicianB)).body.errors[0].extensions.code).toBe('RECORD_REFUSED');
    const { body } = await stack.query(WITHDRAW, { nam: person.nam, channel: 'PHONE' }, clerk);
    expect(body.data.withdrawRefusal).toMatchObject({ recordStatus: 'ACTIVE', channel: 'PHONE' });
    expect((await stack.query(READ, { nam: person.nam }, physicianB)).body.data.patient.recordStatus).toBe('ACTIVE');
  });

  test('in a patients list, a refused person is null with RECORD_REFUSED at their place; the others are returned', async () => {
    const [open, refused] = [freshPerson(), freshPerson()];
    await stack.query(REFUSE, { nam: refused.nam, channel: 'PHONE' }, clerk);
    const { body } = await stack.query('query($n: [NAM!]!) { patients(nams: $n) { nam medications { id } } }', { n: [open.nam, refused.nam] }, physicianB);
    expect(body.data.patients[0].nam).toBe(open.nam);
    expect(body.data.patients[1]).toBeNull();
    expect(body.errors).toEqual([expect.objectContaining({ path: ['patients', 1], extensions: { code: 'RECORD_REFUSED' } })]);
  });
});
