import { fillsInBothRegions, isFollowedAtClinic } from '../../demo/fhir-server';
import { isUnknownToSources, type DemoPerson } from '../../demo/people';
import { startTestStack, type TestStack } from '../support/stack';

// Issue #11: what the people's pages need of the API. The refusal register's history for a NAM
// (the person themself, a consent clerk, a privacy officer; every reading logged), and why a record
// is open to the provider reading it (the banner is driven by the consent decision, not guessed).
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
}, 60_000);
afterAll(() => stack?.stop());

const REGISTER = 'query($nam: NAM!) { consentRegister(nam: $nam) { nam recordStatus collectedBefore effectiveAt changes { recordStatus channel effectiveAt collectedBefore recordedBy recordedRole } } }';
const ACCESS = 'query($nam: NAM!) { patient(nam: $nam) { recordStatus access { basis closedBefore } } }';
const REFUSE = 'mutation($nam: NAM!, $channel: ConsentChannel!, $before: Date) { recordRefusal(nam: $nam, channel: $channel, collectedBefore: $before) { recordStatus } }';
const WITHDRAW = 'mutation($nam: NAM!, $channel: ConsentChannel!) { withdrawRefusal(nam: $nam, channel: $channel) { recordStatus } }';
const LOG = 'query($nam: NAM!) { accessLog(nam: $nam) { kind providerId role outcome } }';
const clerk = { role: 'consent_clerk', sub: 'CLERK-11' };
const officer = { role: 'privacy_officer', sub: 'PO-1' };

let next = 0;
const freshPerson = (): DemoPerson => {
  const candidates = stack.people.filter((p) => p.region === 'Montréal' && isFollowedAtClinic(p) && !isUnknownToSources(p) && !fillsInBothRegions(p));
  return candidates[next++];
};
const self = (person: DemoPerson) => ({ role: 'person', sub: person.nam });

describe("the refusal register's history for a NAM", () => {
  test('a person who never refused reads ACTIVE, no change, and no date of effect', async () => {
    const person = freshPerson();
    const { body } = await stack.query(REGISTER, { nam: person.nam }, self(person));
    expect(body.errors).toBeUndefined();
    expect(body.data.consentRegister).toEqual({ nam: person.nam, recordStatus: 'ACTIVE', collectedBefore: null, effectiveAt: null, changes: [] });
  });

  test('a clerk reads every change newest first, with who recorded it, by which channel and its scope', async () => {
    const person = freshPerson();
    await stack.query(REFUSE, { nam: person.nam, channel: 'ONLINE', before: '2024-01-01' }, self(person));
    await stack.query(WITHDRAW, { nam: person.nam, channel: 'PHONE' }, clerk);
    await stack.query(REFUSE, { nam: person.nam, channel: 'MAIL' }, clerk);
    const { body } = await stack.query(REGISTER, { nam: person.nam }, clerk);
    const register = body.data.consentRegister;
    expect(register).toMatchObject({ recordStatus: 'REFUSED', collectedBefore: null });
    expect(register.changes.map((c: { recordStatus: string; channel: string; collectedBefore: string | null; recordedBy: string; recordedRole: string }) => [c.recordStatus, c.channel, c.collectedBefore, c.recordedBy, c.recordedRole])).toEqual([
      ['REFUSED', 'MAIL', null, 'CLERK-11', 'consent_clerk'],
      ['ACTIVE', 'PHONE', null, 'CLERK-11', 'consent_clerk'],
      ['REFUSED', 'ONLINE', '2024-01-01', person.nam, 'person'],
    ]);
    expect(register.effectiveAt).toBe(register.changes[0].effectiveAt);
  });

  test('a partial refusal in force is told with its date', async () => {
    const person = freshPerson();
    await stack.query(REFUSE, { nam: person.nam, channel: 'ONLINE', before: '2023-06-30' }, self(person));
    const { body } = await stack.query(REGISTER, { nam: person.nam }, self(person));
    expect(body.data.consentRegister).toMatchObject({ recordStatus: 'REFUSED', collectedBefore: '2023-06-30' });
  });

  test('a privacy officer may read it; a physician, a pharmacist or another person may not', async () => {
    const [person, other] = [freshPerson(), freshPerson()];
    expect((await stack.query(REGISTER, { nam: person.nam }, officer)).body.errors).toBeUndefined();
    for (const as of [{ role: 'physician' }, { role: 'pharmacist' }, self(other)]) {
      const { body } = await stack.query(REGISTER, { nam: person.nam }, as);
      expect(body.data).toBeNull();
      expect(body.errors).toEqual([expect.objectContaining({ path: ['consentRegister'], extensions: { code: 'FORBIDDEN' } })]);
    }
  });

  test('every reading, granted or refused, is in the person\'s access log as CONSENT_REGISTER, and none counts as consulting the record', async () => {
    const person = freshPerson();
    await stack.query(REGISTER, { nam: person.nam }, clerk);
    await stack.query(REGISTER, { nam: person.nam }, { role: 'physician', sub: 'MD-NOSY1' });
    const { body } = await stack.query(LOG, { nam: person.nam }, officer);
    const registerReads = body.data.accessLog.filter((entry: { kind: string }) => entry.kind === 'CONSENT_REGISTER');
    expect(registerReads).toEqual(
      expect.arrayContaining([
        { kind: 'CONSENT_REGISTER', providerId: 'CLERK-11', role: 'consent_clerk', outcome: 'GRANTED' },
        { kind: 'CONSENT_REGISTER', providerId: 'MD-NOSY1', role: 'physician', outcome: 'DENIED' },
      ]),
    );
    // The clerk read the register before the refusal: that is not a prior consultation of the record.
    await stack.query(REFUSE, { nam: person.nam, channel: 'PHONE' }, clerk);
    expect((await stack.query(ACCESS, { nam: person.nam }, clerk)).body.errors[0].extensions.code).toBe('RECORD_REFUSED');
  });

  test('a malformed NAM is refused as bad input, and nothing is logged for it', async () => {
    const { body } = await stack.query(REGISTER, { nam: 'NOT-A-NAM' }, clerk);
    expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(body)).not.toContain('NOT-A-NAM');
  });
});

describe('why a record is open to the provider reading it', () => {
  test('a record nobody refused is open as NOT_REFUSED', async () => {
    const person = freshPerson();
    const { body } = await stack.query(ACCESS, { nam: person.nam });
    expect(body.data.patient).toEqual({ recordStatus: 'ACTIVE', access: { basis: 'NOT_REFUSED', closedBefore: null } });
  });

  test('a partly refused record is open as PARTIAL_REFUSAL with the date before which it is closed', async () => {
    const person = freshPerson();
    await stack.query(REFUSE, { nam: person.nam, channel: 'ONLINE', before: '2024-01-01' }, self(person));
    const { body } = await stack.query(ACCESS, { nam: person.nam });
    expect(body.data.patient).toEqual({ recordStatus: 'REFUSED', access: { basis: 'PARTIAL_REFUSAL', closedBefore: '2024-01-01' } });
  });

  test('a refused record stays open to a provider who consulted it before, as CONSULTED_BEFORE_REFUSAL; closed to another', async () => {
    const person = freshPerson();
    const before = { role: 'physician', sub: 'MD-BEFORE' };
    await stack.query(ACCESS, { nam: person.nam }, before);
    await stack.query(REFUSE, { nam: person.nam, channel: 'PHONE' }, clerk);
    const { body } = await stack.query(ACCESS, { nam: person.nam }, before);
    expect(body.data.patient).toEqual({ recordStatus: 'REFUSED', access: { basis: 'CONSULTED_BEFORE_REFUSAL', closedBefore: null } });
    const other = (await stack.query(ACCESS, { nam: person.nam }, { role: 'physician', sub: 'MD-AFTER' })).body;
    expect(other.data.patient).toBeNull();
    expect(other.errors[0].extensions.code).toBe('RECORD_REFUSED');
  });
});
