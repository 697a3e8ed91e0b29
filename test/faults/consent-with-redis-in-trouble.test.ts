import { ownRedis, type OwnRedis } from '../cache/support/own-redis';
import type { TestStack } from '../support/stack';
import { startTestStack } from '../support/stack';
import { codeOf, peopleWithRecords, RECORD_READ } from './support/faults';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy';

// Two gateway instances share state only through PostgreSQL; each reaches a redis-server of this
// suite's own (the shared one is never killed or paused), the first through a proxy it can cut.
const shared = !!process.env.DATABASE_URL;
const describeShared = shared ? describe : describe.skip;

let redis: OwnRedis;
let pathOfFirst: TcpProxy;
/** Where consent changes are recorded. */
let first: TestStack;
/** Where records are read. */
let second: TestStack;

beforeAll(async () => {
  if (!shared) return;
  redis = await ownRedis();
  await redis.start();
  pathOfFirst = await startTcpProxy({ host: '127.0.0.1', port: redis.port });
  first = await startTestStack({ env: { REDIS_URL: pathOfFirst.urlFor(redis.url) } });
  second = await startTestStack({ dbSchema: first.dbSchema, env: { REDIS_URL: redis.url } });
}, 120_000);
afterEach(async () => {
  if (!shared) return;
  redis.resume();
  if (!(await answers(redis.port))) await redis.start();
  pathOfFirst.heal();
});
afterAll(async () => {
  await second?.stop();
  await first?.stop();
  await pathOfFirst?.close();
  await redis?.dispose();
});

/** Whether the suite's redis-server is up (after a kill it is started again for the next test). */
async function answers(port: number): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

let next = 0;
/** A person of their own for each test (refusals stay in the register). */
const nextPerson = () => peopleWithRecords(first)[next++];
const clerk = { role: 'consent_clerk', sub: 'CLERK-REDIS' };
const refuse = (nam: string) => first.query('mutation($nam: NAM!) { recordRefusal(nam: $nam, channel: PHONE) { recordStatus } }', { nam }, clerk);
const withdraw = (nam: string) => first.query('mutation($nam: NAM!) { withdrawRefusal(nam: $nam, channel: PHONE) { recordStatus } }', { nam }, clerk);
/** A physician who never consulted the record before (a prior consultation would keep it open). */
const readOnSecond = (nam: string, sub: string) => second.query(RECORD_READ, { nam }, { role: 'physician', sub });

const faults: [string, () => Promise<void> | void][] = [
  ['the redis-server killed', () => redis.kill()],
  ['the redis-server frozen (SIGSTOP: connections accepted, nothing answered)', () => redis.pause()],
  ['the redis-server up but out of reach of the instance recording the change', () => pathOfFirst.blackhole()],
];

describeShared.each(faults)('consent never fails open, with %s (issue #8 §1)', (_fault, breakRedis) => {
  test('a refusal recorded through one instance is enforced by the other on its very next read', async () => {
    const person = nextPerson();
    // The reading instance has read (and cached whatever it caches of) the open record.
    expect((await readOnSecond(person.nam, 'MD-WARMS-CACHES')).body.data.patient.recordStatus).toBe('ACTIVE');
    await breakRedis();
    expect((await refuse(person.nam)).body.data.recordRefusal.recordStatus).toBe('REFUSED');
    const { body } = await readOnSecond(person.nam, 'MD-NEVER-BEFORE');
    expect(body.data.patient).toBeNull();
    expect(codeOf(body)).toBe('RECORD_REFUSED');
  });

  test('a withdrawal recorded through one instance reopens the record on the other at once, with its records', async () => {
    const person = nextPerson();
    await refuse(person.nam);
    expect(codeOf((await readOnSecond(person.nam, 'MD-SEES-REFUSAL')).body)).toBe('RECORD_REFUSED');
    await breakRedis();
    expect((await withdraw(person.nam)).body.data.withdrawRefusal.recordStatus).toBe('ACTIVE');
    const { body } = await readOnSecond(person.nam, 'MD-AFTER-WITHDRAWAL');
    expect(body.errors).toBeUndefined();
    expect(body.data.patient.recordStatus).toBe('ACTIVE');
    expect(body.data.patient.medications.length).toBeGreaterThan(0);
  });

  test('an open record is still read from the sources by an instance that cannot use its cache', async () => {
    const person = nextPerson();
    await breakRedis();
    const { body } = await first.query(RECORD_READ, { nam: person.nam }, { role: 'physician', sub: 'MD-DURING-OUTAGE' });
    expect(body.errors).toBeUndefined();
    expect(body.data.patient.medications.length).toBeGreaterThan(0);
  });
});

if (!shared) test.skip('two instances need DATABASE_URL (and redis-server on the PATH)', () => undefined);
