import { startTestStack, type TestStack } from '../support/stack';
import { logRefusesWrites, logTakesWritesAgain, logWritesAtFullSpeed, logWritesSlowly } from './support/log-outage';

/** Reading a person's access log is itself logged (issue #8 §5), and the person can tell such entries apart. */

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
}, 60_000);
afterAll(() => stack?.stop());

const LOG = 'query($nam: NAM!) { accessLog(nam: $nam) { kind providerId role facility domains outcome } }';
const OFFICER = { role: 'privacy_officer', sub: 'PO-77', facility: 'ramq-privacy' };
const readings = (body: any) => body.data.accessLog.filter((e: any) => e.kind === 'ACCESS_LOG');
/** Everyone's entries for this person, straight from the database (counted, never shown). */
const storedReadings = async (nam: string) =>
  Number((await stack.platform.db.query<{ n: string }>(`SELECT count(*) AS n FROM access_log WHERE nam = $1 AND kind = 'ACCESS_LOG'`, [nam])).rows[0].n);

describe('reading an access log leaves an entry of its own', () => {
  test('a person reading their own log sees that reading in it, marked as a reading of the log, not a consultation of the record', async () => {
    const person = stack.people[10];
    const { body } = await stack.query(LOG, { nam: person.nam }, { role: 'person', sub: person.nam, facility: 'online' });
    expect(body.data.accessLog[0]).toEqual({ kind: 'ACCESS_LOG', providerId: person.nam, role: 'person', facility: 'online', domains: [], outcome: 'GRANTED' });
    expect(readings(body)).toHaveLength(1);
  });

  // PGlite is one connection: the read always queues behind the write there, so only PostgreSQL can show a race.
  const withPostgres = process.env.DATABASE_URL ? test : test.skip;
  const needsPostgres = process.env.DATABASE_URL ? '' : ' (skipped: needs DATABASE_URL, PGlite runs one statement at a time)';
  withPostgres(`the log as read always includes this very reading, even when the log is slow to write${needsPostgres}`, async () => {
    const person = stack.people[17];
    await logWritesSlowly(stack, 0.3);
    try {
      const { body } = await stack.query(LOG, { nam: person.nam }, OFFICER);
      expect(readings(body)).toEqual([expect.objectContaining({ providerId: 'PO-77', outcome: 'GRANTED' })]);
    } finally {
      await logWritesAtFullSpeed(stack);
    }
  });

  test("a privacy officer's reading is logged, and the person sees who read their log", async () => {
    const person = stack.people[11];
    await stack.query(LOG, { nam: person.nam }, OFFICER);
    const { body } = await stack.query(LOG, { nam: person.nam }, { role: 'person', sub: person.nam });
    expect(readings(body)).toContainEqual({ kind: 'ACCESS_LOG', providerId: 'PO-77', role: 'privacy_officer', facility: 'ramq-privacy', domains: [], outcome: 'GRANTED' });
  });

  test('a refused reading is logged DENIED, though it never reaches the patient index', async () => {
    const [person, other] = stack.people.slice(12, 14);
    for (const as of [{ role: 'physician', sub: 'MD-CURIOUS' }, { role: 'person', sub: other.nam }]) {
      const { body } = await stack.query(LOG, { nam: person.nam }, as);
      expect(body.errors[0].extensions.code).toBe('FORBIDDEN');
    }
    const { body } = await stack.query(LOG, { nam: person.nam }, OFFICER);
    expect(readings(body)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ providerId: 'MD-CURIOUS', role: 'physician', outcome: 'DENIED' }),
        expect.objectContaining({ providerId: other.nam, role: 'person', outcome: 'DENIED' }),
      ]),
    );
  });

  test('a reading is logged once, however many times one request asks for the same log', async () => {
    const person = stack.people[14];
    const before = await storedReadings(person.nam);
    await stack.query('query($nam: NAM!) { a: accessLog(nam: $nam) { kind } b: accessLog(nam: $nam) { outcome } }', { nam: person.nam }, OFFICER);
    expect((await storedReadings(person.nam)) - before).toBe(1);
  });

  test('if the reading cannot be logged, the log is not returned', async () => {
    const person = stack.people[15];
    await logRefusesWrites(stack);
    try {
      const { body } = await stack.query(LOG, { nam: person.nam }, OFFICER);
      expect(body.data ?? null).toBeNull();
      expect(body.errors).toEqual([expect.objectContaining({ extensions: { code: 'ACCESS_LOG_UNAVAILABLE' } })]);
    } finally {
      await logTakesWritesAgain(stack);
    }
  });

  test('readings are chained and verified like consultations', async () => {
    const person = stack.people[16];
    await stack.query(LOG, { nam: person.nam }, OFFICER);
    expect(await storedReadings(person.nam)).toBe(1);
    expect(await stack.platform.accessLog.verify()).toMatchObject({ ok: true, problems: [] });
  });
});
