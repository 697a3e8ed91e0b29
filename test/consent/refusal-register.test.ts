import { RefusalRegister, type ConsentChangeInput } from '../../consent/refusal-register';
import { openTestDb } from '../support/db';

/** QHR refusal register: everyone has a record unless they refuse; every change is kept. */

type TestDb = Awaited<ReturnType<typeof openTestDb>>;
let db: TestDb;
let register: RefusalRegister;

beforeAll(async () => {
  db = await openTestDb('refusal_register');
  register = new RefusalRegister(db);
  await register.migrate();
});
afterAll(() => db.drop());

// Fictitious but well-formed NAMs: one per test, so tests never see each other's changes.
const LAVOIE = 'LAVM80010112';
const ROY = 'ROYJ75561212';
const CARON = 'CARP62030405';
const BOUCHER = 'BOUS90522809';
const GIRARD = 'GIRL55121501';
const PELLETIER = 'PELA01010101';

const byPhone = (nam: string, extra: Partial<ConsentChangeInput> = {}): ConsentChangeInput => ({
  nam,
  status: 'REFUSED',
  channel: 'PHONE',
  recordedBy: 'clerk-207',
  recordedRole: 'CONSENT_CLERK',
  ...extra,
});
const online = (nam: string, status: 'REFUSED' | 'ACTIVE'): ConsentChangeInput => ({
  nam,
  status,
  channel: 'ONLINE',
  recordedBy: nam,
  recordedRole: 'PERSON',
});

test('a person who never refused has a record', async () => {
  expect(await register.current(PELLETIER)).toEqual({ nam: PELLETIER, status: 'ACTIVE' });
  expect(await register.history(PELLETIER)).toEqual([]);
});

test('a refusal by phone is kept with who recorded it and when', async () => {
  const before = Date.now();
  const state = await register.record(byPhone(LAVOIE));
  const after = Date.now();

  expect(state).toMatchObject({ nam: LAVOIE, status: 'REFUSED', channel: 'PHONE' });
  expect(state.effectiveAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{2}:\d{2}$/);
  const effective = Date.parse(state.effectiveAt!);
  expect(effective).toBeGreaterThanOrEqual(before - 1000);
  expect(effective).toBeLessThanOrEqual(after + 1000);
  expect(await register.current(LAVOIE)).toEqual(state);
  expect(await register.history(LAVOIE)).toEqual([
    { nam: LAVOIE, status: 'REFUSED', channel: 'PHONE', recordedBy: 'clerk-207', recordedRole: 'CONSENT_CLERK', effectiveAt: state.effectiveAt },
  ]);
});

test("changing one's mind back and forth keeps every change", async () => {
  await register.record(online(ROY, 'REFUSED'));
  await register.record(online(ROY, 'ACTIVE'));
  await register.record({ ...byPhone(ROY), channel: 'MAIL', recordedBy: 'clerk-31' });
  const last = await register.record({ ...byPhone(ROY), status: 'ACTIVE' });

  const history = await register.history(ROY);
  expect(history.map((change) => [change.status, change.channel, change.recordedBy, change.recordedRole])).toEqual([
    ['REFUSED', 'ONLINE', ROY, 'PERSON'],
    ['ACTIVE', 'ONLINE', ROY, 'PERSON'],
    ['REFUSED', 'MAIL', 'clerk-31', 'CONSENT_CLERK'],
    ['ACTIVE', 'PHONE', 'clerk-207', 'CONSENT_CLERK'],
  ]);
  const times = history.map((change) => Date.parse(change.effectiveAt));
  expect([...times].sort((a, b) => a - b)).toEqual(times);
  // A withdrawal reopens the record to all: the person is ACTIVE again, as of the last change.
  expect(await register.current(ROY)).toEqual(last);
  expect(last).toMatchObject({ status: 'ACTIVE', channel: 'PHONE' });
});

test('recording the same refusal twice adds nothing', async () => {
  const first = await register.record(byPhone(CARON));
  const again = await register.record({ ...byPhone(CARON), channel: 'MAIL', recordedBy: 'clerk-99' });
  expect(again).toEqual(first);
  expect(await register.history(CARON)).toHaveLength(1);

  // A withdrawal by someone who never refused is the state they are already in.
  expect(await register.record(online(PELLETIER, 'ACTIVE'))).toEqual({ nam: PELLETIER, status: 'ACTIVE' });
  expect(await register.history(PELLETIER)).toEqual([]);
});

test('the same refusal sent many times at once is kept once', async () => {
  const states = await Promise.all(Array.from({ length: 8 }, () => register.record(byPhone(GIRARD))));
  expect(new Set(states.map((state) => state.effectiveAt)).size).toBe(1);
  expect(await register.history(GIRARD)).toHaveLength(1);
});

test('a partial refusal keeps its collected-before date', async () => {
  const partial = await register.record(byPhone(BOUCHER, { collectedBefore: '2020-01-01' }));
  expect(partial).toMatchObject({ status: 'REFUSED', collectedBefore: '2020-01-01' });
  expect(await register.current(BOUCHER)).toEqual(partial);

  // Same date again: nothing new. Another date, or a full refusal: a new change of scope.
  await register.record(byPhone(BOUCHER, { collectedBefore: '2020-01-01' }));
  await register.record(byPhone(BOUCHER, { collectedBefore: '2022-06-30' }));
  const full = await register.record(byPhone(BOUCHER));
  expect(full.collectedBefore).toBeUndefined();
  expect((await register.history(BOUCHER)).map((change) => change.collectedBefore)).toEqual(['2020-01-01', '2022-06-30', undefined]);
});

test('current state of several people is read at once, refused or not', async () => {
  const states = await register.currentMany([LAVOIE, PELLETIER, LAVOIE]);
  expect([...states.keys()].sort()).toEqual([LAVOIE, PELLETIER].sort());
  expect(states.get(LAVOIE)?.status).toBe('REFUSED');
  expect(states.get(PELLETIER)).toEqual({ nam: PELLETIER, status: 'ACTIVE' });
  expect(await register.currentMany([])).toEqual(new Map());
});

test('a recorded change can be neither rewritten nor erased', async () => {
  await expect(db.query(`UPDATE consent_changes SET status = 'ACTIVE' WHERE nam = $1`, [LAVOIE])).rejects.toThrow(/append-only/);
  await expect(db.query(`DELETE FROM consent_changes WHERE nam = $1`, [LAVOIE])).rejects.toThrow(/append-only/);
  await expect(db.query(`TRUNCATE consent_changes`)).rejects.toThrow(/append-only/);
  expect(await register.history(LAVOIE)).toHaveLength(1);
});

test('a malformed change is refused without naming the person', async () => {
  const attempts: ConsentChangeInput[] = [
    byPhone('LAVM80130112'), // no 13th month: not a NAM
    { ...byPhone(ROY), status: 'ACTIVE', collectedBefore: '2020-01-01' }, // a withdrawal has no scope
    byPhone(ROY, { collectedBefore: '2021-02-30' }),
    byPhone(ROY, { recordedBy: ' ' }),
    byPhone(ROY, { channel: 'FAX' as never }),
  ];
  for (const attempt of attempts) {
    const error = await register.record(attempt).then(() => undefined, (caught: Error) => caught);
    expect(error).toBeInstanceOf(Error);
    expect(error!.message).not.toContain(attempt.nam);
  }
  expect(await register.history(ROY)).toHaveLength(4);
});
