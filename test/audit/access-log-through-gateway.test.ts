import { isUnknownToSources } from '../../demo/people';
import { startTestStack, type TestStack } from '../support/stack';
import { logRefusesWrites, logTakesWritesAgain } from './support/log-outage';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
}, 60_000);
afterAll(() => stack?.stop());

const LOG = 'query($nam: NAM!, $since: DateTime) { accessLog(nam: $nam, since: $since) { at kind providerId role facility domains outcome } }';
const READ = 'query($nam: NAM!) { patient(nam: $nam) { nam medications { id } labResults { id } } }';
const people = () => stack.people.filter((p) => p.region === 'Montréal' && !isUnknownToSources(p));
/** The consultations of the record in a log as read (reading the log is logged too: reading-the-log.test.ts). */
const consultations = (body: any) => body.data.accessLog.filter((e: any) => e.kind === 'RECORD');

describe('every access is logged, and the person may read who consulted their record', () => {
  test('a consultation writes one entry per person with provider, role, facility, domains asked and GRANTED', async () => {
    const person = people()[0];
    await stack.query(READ, { nam: person.nam }, { role: 'physician', sub: 'MD-11111', facility: 'clinic-mtl-east' });
    const { body } = await stack.query(LOG, { nam: person.nam }, { role: 'privacy_officer', sub: 'PO-1' });
    expect(consultations(body)).toEqual([
      { at: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*[+-]\d\d:\d\d$/), kind: 'RECORD', providerId: 'MD-11111', role: 'physician', facility: 'clinic-mtl-east', domains: ['MEDICATIONS', 'LAB_RESULTS'], outcome: 'GRANTED' },
    ]);
  });

  test('a refused consultation is logged DENIED, with the domains that were asked', async () => {
    const person = people()[1];
    await stack.query('mutation($nam: NAM!) { recordRefusal(nam: $nam, channel: PHONE) { recordStatus } }', { nam: person.nam }, { role: 'consent_clerk', sub: 'CLERK-1' });
    await stack.query(READ, { nam: person.nam }, { role: 'nurse', sub: 'N-22222' });
    const { body } = await stack.query(LOG, { nam: person.nam }, { role: 'privacy_officer', sub: 'PO-1' });
    expect(consultations(body)).toEqual([expect.objectContaining({ providerId: 'N-22222', role: 'nurse', domains: ['MEDICATIONS', 'LAB_RESULTS'], outcome: 'DENIED' })]);
  });

  test('a patients list logs each person once; a lookup of a NAM nobody has is logged too, for privacy officers to see probing', async () => {
    const [a, b] = people().slice(2, 4);
    await stack.query('query($n: [NAM!]!) { patients(nams: $n) { nam } x: patients(nams: $n) { medications { id } } }', { n: [a.nam, b.nam, 'ZZZZ99123199'] }, { role: 'pharmacist', sub: 'PH-3' });
    for (const person of [a, b]) {
      const { body } = await stack.query(LOG, { nam: person.nam }, { role: 'privacy_officer', sub: 'PO-1' });
      expect(consultations(body)).toEqual([expect.objectContaining({ providerId: 'PH-3', domains: ['MEDICATIONS'], outcome: 'GRANTED' })]);
    }
    const { body } = await stack.query(LOG, { nam: 'ZZZZ99123199' }, { role: 'privacy_officer', sub: 'PO-1' });
    expect(consultations(body)).toEqual([expect.objectContaining({ providerId: 'PH-3', outcome: 'GRANTED' })]);
  });

  test('the person reads their own log, newest first, and may filter by time', async () => {
    const person = people()[4];
    await stack.query(READ, { nam: person.nam }, { role: 'physician', sub: 'MD-1' });
    await stack.query(READ, { nam: person.nam }, { role: 'nurse', sub: 'N-2' });
    const { body } = await stack.query(LOG, { nam: person.nam }, { role: 'person', sub: person.nam });
    expect(consultations(body).map((e: any) => e.providerId)).toEqual(['N-2', 'MD-1']);
    const since = consultations(body)[0].at;
    const { body: recent } = await stack.query(LOG, { nam: person.nam, since }, { role: 'person', sub: person.nam });
    expect(consultations(recent).map((e: any) => e.providerId)).toEqual(['N-2']);
  });

  test("the log answers no one else: not a physician, not another person", async () => {
    const [person, other] = people().slice(5, 7);
    for (const as of [{ role: 'physician', sub: 'MD-1' }, { role: 'consent_clerk', sub: 'C-1' }, { role: 'person', sub: other.nam }]) {
      const { body } = await stack.query(LOG, { nam: person.nam }, as);
      expect(body.data).toBeNull();
      expect(body.errors[0].extensions.code).toBe('FORBIDDEN');
    }
  });

  test('if the entry cannot be written, no record data is returned, and the answer says to retry (503)', async () => {
    const person = people()[7];
    await logRefusesWrites(stack);
    try {
      const { status, body } = await stack.query(READ, { nam: person.nam });
      expect(status).toBe(503);
      expect(body.data).toBeNull();
      expect(body.errors).toEqual([expect.objectContaining({ extensions: { code: 'ACCESS_LOG_UNAVAILABLE' } })]);
      expect(JSON.stringify(body)).not.toContain(person.nam);
    } finally {
      await logTakesWritesAgain(stack);
    }
    const { body } = await stack.query(READ, { nam: person.nam });
    expect(body.data.patient.nam).toBe(person.nam);
  });
});
