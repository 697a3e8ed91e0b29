import { AccessLog, type AccessEntryInput } from '../../consent/access-log';
import { ConsentDecisions } from '../../consent/decide';
import { RefusalRegister } from '../../consent/refusal-register';
import { DEV_AUDIT_KEY } from '../../lib/config';
import { openTestDb } from '../support/db';

/**
 * The consent decision a request is given (QHR, issue #4 §3-4), read from PostgreSQL in one query:
 * open unless refused; after a refusal, open only to a provider who consulted the record strictly
 * before it took effect; a partial refusal opens what was recorded from its date on.
 */
const TREMBLAY = 'TRES93110110';
const GAGNON = 'GAGN44541911';
const ROY = 'ROYJ44541911';

let db: Awaited<ReturnType<typeof openTestDb>>;
let register: RefusalRegister;
let log: AccessLog;
let decisions: ConsentDecisions;
beforeEach(async () => {
  db = await openTestDb('decide');
  register = new RefusalRegister(db);
  log = new AccessLog(db, { key: DEV_AUDIT_KEY, checkpointIntervalMs: 0 });
  await register.migrate();
  await log.migrate();
  decisions = new ConsentDecisions(db);
});
afterEach(async () => {
  await log.close();
  await db.drop();
});

const entry = (extra: Partial<AccessEntryInput>): AccessEntryInput => ({ nam: TREMBLAY, providerId: 'md-1', role: 'physician', domains: ['MEDICATIONS'], outcome: 'GRANTED', ...extra });
const refuse = async (nam: string, collectedBefore?: string) =>
  Date.parse((await register.record({ nam, status: 'REFUSED', channel: 'MAIL', recordedBy: 'clerk-4', recordedRole: 'consent_clerk', collectedBefore })).effectiveAt!);

describe('the consent decision of a request', () => {
  test('a person who never refused has an open record', async () => {
    expect(await decisions.decide('md-1', [ROY])).toEqual(new Map([[ROY, { open: true, closedBefore: null, reason: 'active' }]]));
  });

  test('after a refusal, a provider who consulted strictly before it keeps access; after it, at the same instant, refused, or another person: no', async () => {
    const refusedAt = await refuse(TREMBLAY);
    await log.append([
      entry({ providerId: 'md-before', at: new Date(refusedAt - 1) }),
      entry({ providerId: 'md-after', at: new Date(refusedAt + 60_000) }),
      entry({ providerId: 'md-same-instant', at: new Date(refusedAt) }),
      entry({ providerId: 'md-denied', at: new Date(refusedAt - 60_000), outcome: 'DENIED' }),
      entry({ providerId: 'md-other-person', nam: GAGNON, at: new Date(refusedAt - 60_000) }),
    ]);
    const decided = async (provider: string) => (await decisions.decide(provider, [TREMBLAY])).get(TREMBLAY);
    expect(await decided('md-before')).toEqual({ open: true, closedBefore: null, reason: 'consulted-before-refusal' });
    for (const provider of ['md-after', 'md-same-instant', 'md-denied', 'md-other-person']) expect([provider, await decided(provider)]).toEqual([provider, { open: false, reason: 'refused' }]);
  });

  test("having read a person's access log is not having consulted their record: it opens nothing after a refusal", async () => {
    const refusedAt = await refuse(TREMBLAY);
    await log.append([entry({ kind: 'ACCESS_LOG', providerId: 'po-reader', role: 'privacy_officer', domains: [], at: new Date(refusedAt - 60_000) })]);
    expect((await decisions.decide('po-reader', [TREMBLAY])).get(TREMBLAY)).toEqual({ open: false, reason: 'refused' });
  });

  test('a partial refusal opens what sources recorded from its date on', async () => {
    await refuse(GAGNON, '2024-01-01');
    expect((await decisions.decide('md-1', [GAGNON])).get(GAGNON)).toEqual({ open: true, closedBefore: '2024-01-01', reason: 'partial-refusal' });
  });

  test('a whole panel is decided in one query, every NAM asked has a decision', async () => {
    await refuse(GAGNON);
    const decided = await decisions.decide('md-1', [TREMBLAY, GAGNON, ROY, TREMBLAY]);
    expect([...decided.keys()].sort()).toEqual([GAGNON, ROY, TREMBLAY].sort());
    expect(decided.get(GAGNON)).toEqual({ open: false, reason: 'refused' });
  });
});
