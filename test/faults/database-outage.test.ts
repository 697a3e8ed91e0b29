import pg from 'pg';
import type { TestStack } from '../support/stack';
import { codeOf, OUTAGE_ANSWER_BOUND_MS, peopleWithRecords, RECORD_READ, stackBehindProxy, STATEMENT_TIMEOUT_MS, timed, timeUntil } from './support/faults';
import type { TcpProxy } from './support/tcp-proxy';

// The stack reaches the machine's PostgreSQL through a proxy of this suite's own, the only thing it breaks.
const onPostgres = !!process.env.DATABASE_URL;
const describeOnPostgres = onPostgres ? describe : describe.skip;

let stack: TestStack;
let proxy: TcpProxy;
const figures: Record<string, string> = {};

beforeAll(async () => {
  if (!onPostgres) return;
  ({ stack, proxy } = await stackBehindProxy());
}, 90_000);
afterEach(async () => {
  if (!onPostgres) return;
  // Each test starts on a healthy database.
  proxy.heal();
  await timeUntil(async () => !!(await read(person(0))).body.data?.patient, 15_000);
}, 20_000);
afterAll(async () => {
  if (Object.keys(figures).length > 0) console.info(`database faults, measured:\n${Object.entries(figures).map(([what, value]) => `  ${what}: ${value}`).join('\n')}`);
  await stack?.stop();
  await proxy?.close();
});

const person = (n: number) => peopleWithRecords(stack)[n];
const read = (who: { nam: string }, as = { role: 'physician', sub: 'MD-FAULTS' }) => stack.query(RECORD_READ, { nam: who.nam }, as);
const clerk = { role: 'consent_clerk', sub: 'CLERK-FAULTS' };
const ms = (value: number) => `${Math.round(value)} ms`;

describeOnPostgres('the database restarts, fails over or stops answering (issue #8 §1)', () => {
  test('when every database connection is dropped at once, no service goes down and the next read returns the record', async () => {
    expect(proxy.connections).toBeGreaterThan(0);
    proxy.dropAll();
    const { ms: took, result } = await timed(() => read(person(1)));
    figures['first read after every connection was dropped'] = ms(took);
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data.patient.recordStatus).toBe('ACTIVE');
    // Operators are told, by class only.
    expect(stack.logs.some((line) => line.includes('idle database connection lost') && line.includes('CONNECTION_LOST'))).toBe(true);
  });

  test('while the database restarts, a record read answers CONSENT_UNAVAILABLE at once and returns nothing', async () => {
    proxy.refuse();
    const { ms: took, result } = await timed(() => read(person(2)));
    figures['read while the database refuses connections'] = ms(took);
    expect(codeOf(result.body)).toBe('CONSENT_UNAVAILABLE');
    expect(result.body.data ?? null).toBeNull();
    expect(took).toBeLessThan(1000);
  });

  test('the first read once the database is back succeeds, without restarting anything', async () => {
    proxy.refuse();
    expect(codeOf((await read(person(3))).body)).toBe('CONSENT_UNAVAILABLE');
    proxy.heal();
    const { ms: took, result } = await timed(() => read(person(3)));
    figures['first read once the database is back'] = ms(took);
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data.patient.recordStatus).toBe('ACTIVE');
  });

  test('a refusal a consent clerk records while the database is down is answered SERVICE_UNAVAILABLE, so the clerk knows it was not recorded', async () => {
    proxy.refuse();
    const { body } = await stack.query('mutation($nam: NAM!) { recordRefusal(nam: $nam, channel: PHONE) { recordStatus } }', { nam: person(4).nam }, clerk);
    expect(codeOf(body)).toBe('SERVICE_UNAVAILABLE');
    expect(body.data?.recordRefusal ?? null).toBeNull();
  });

  test('when the database stops answering (connections accepted, nothing comes back), reads answer CONSENT_UNAVAILABLE within the timeouts instead of hanging', async () => {
    proxy.blackhole();
    const answers = await Promise.all([5, 6, 7, 8, 9].map((n) => timed(() => read(person(n)))));
    const slowest = Math.max(...answers.map((answer) => answer.ms));
    figures['five reads at once, database silent (slowest)'] = `${ms(slowest)} (bound ${ms(OUTAGE_ANSWER_BOUND_MS)})`;
    for (const { result } of answers) {
      expect(codeOf(result.body)).toBe('CONSENT_UNAVAILABLE');
      expect(result.body.data ?? null).toBeNull();
    }
    expect(slowest).toBeLessThan(OUTAGE_ANSWER_BOUND_MS);
  });

  test('when the database answers slower than the statement timeout, a refused record stays closed: CONSENT_UNAVAILABLE, never the record', async () => {
    const refused = person(10);
    await stack.query('mutation($nam: NAM!) { recordRefusal(nam: $nam, channel: PHONE) { recordStatus } }', { nam: refused.nam }, clerk);
    expect(codeOf((await read(refused, { role: 'physician', sub: 'MD-NEVER-CONSULTED' })).body)).toBe('RECORD_REFUSED');
    proxy.delay(STATEMENT_TIMEOUT_MS + 1000);
    const { ms: took, result } = await timed(() => read(refused, { role: 'physician', sub: 'MD-NEVER-CONSULTED' }));
    figures['read of a refused record, database slower than the statement timeout'] = ms(took);
    expect(codeOf(result.body)).toBe('CONSENT_UNAVAILABLE');
    expect(result.body.data ?? null).toBeNull();
    expect(took).toBeLessThan(OUTAGE_ANSWER_BOUND_MS);
  });

  test("a failover that ends this instance's server sessions (pg_terminate_backend) is survived, and reads go on", async () => {
    // Only this suite's sessions: the stack names its connections qhr-<service>@<schema>.
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    try {
      const ended = await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE $1`, [`qhr-%@${stack.dbSchema}`]);
      expect(ended.rowCount).toBeGreaterThan(0);
      await timeUntil(async () => (await admin.query(`SELECT 1 FROM pg_stat_activity WHERE application_name LIKE $1 AND state IS NOT NULL`, [`qhr-%@${stack.dbSchema}`])).rowCount === 0, 5000, 20);
    } finally {
      await admin.end();
    }
    const recovery = await timeUntil(async () => !!(await read(person(11))).body.data?.patient, 5000, 50);
    figures['reads back after pg_terminate_backend of every session'] = ms(recovery);
    // The sessions were ended by an administrator's command (SQLSTATE 57P01), and the log says only that.
    expect(stack.logs.some((line) => line.includes('idle database connection lost') && line.includes('57P01'))).toBe(true);
  });
});

if (!onPostgres) test.skip('database faults need DATABASE_URL (a PostgreSQL to put a proxy in front of)', () => undefined);
