import { randomBytes } from 'node:crypto';
import type { Db } from '../../lib/db';
import { AccessLog, entryHash, type AccessEntryInput } from '../../consent/access-log';
import { AccessLogWriter } from '../../consent/access-log-writer';
import { auditKeys } from '../../consent/access-log-keys';
import { openTestDb } from '../support/db';

/**
 * The access log keeps each entry's request id (issue #10 §6), covered by the entry's link from
 * format v4 on: the id that ties an entry to its request's logs and trace cannot be changed or
 * added afterwards without verification saying so. Entries written before keep verifying.
 */

type TestDb = Awaited<ReturnType<typeof openTestDb>>;
const opened: TestDb[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((db) => db.drop()));
});

const AUDIT = { key: randomBytes(32), checkpointIntervalMs: 60_000 };
const LINK_KEY = auditKeys(AUDIT.key).link;
const NAM = 'TRES93110110';
const entry = (extra: Partial<AccessEntryInput> = {}): AccessEntryInput => ({ nam: NAM, providerId: 'md-1001', role: 'physician', domains: ['MEDICATIONS'], outcome: 'GRANTED', ...extra });

async function freshLog(): Promise<{ db: TestDb; log: AccessLog }> {
  const db = await openTestDb('access_log_request_id');
  opened.push(db);
  const log = new AccessLog(db, AUDIT);
  await log.migrate();
  return { db, log };
}

/** What someone holding the table (not the key) can do: with the append-only trigger disabled. */
async function asOwner(db: Db, sql: string, params: unknown[] = []): Promise<void> {
  await db.query(`ALTER TABLE access_log DISABLE TRIGGER access_log_no_rewrite`);
  await db.query(sql, params);
}

test('an entry keeps the id of the request that made it, and reads it back; one appended outside a request has none', async () => {
  const { log } = await freshLog();
  await log.append([entry({ requestId: '0b7e9a52-3c1f-4d0e-9a8b-1f2e3d4c5b6a' })]);
  await log.append([entry({ providerId: 'md-2002' })]);
  const entries = await log.forPerson(NAM);
  expect(entries.map((e) => [e.providerId, e.requestId])).toEqual(
    expect.arrayContaining([
      ['md-1001', '0b7e9a52-3c1f-4d0e-9a8b-1f2e3d4c5b6a'],
      ['md-2002', undefined],
    ]),
  );
  expect(await log.verify()).toMatchObject({ ok: true, entries: 2 });
});

test('the request id is covered by the link: changing it breaks the chain at that entry', async () => {
  const { db, log } = await freshLog();
  await log.append([entry({ requestId: 'req-00000001' }), entry({ requestId: 'req-00000002' }), entry({ requestId: 'req-00000003' })]);
  await asOwner(db, `UPDATE access_log SET request_id = 'req-forged-1' WHERE seq = 2`);
  expect(await log.verify()).toMatchObject({ ok: false, problems: [{ kind: 'broken-link', seq: 2, reason: 'hash mismatch' }] });
});

test('an id put afterwards on an entry written without one is caught too', async () => {
  const { db, log } = await freshLog();
  await log.append([entry(), entry()]);
  await asOwner(db, `UPDATE access_log SET request_id = 'req-added-01' WHERE seq = 1`);
  expect(await log.verify()).toMatchObject({ ok: false, problems: [{ kind: 'broken-link', seq: 1, reason: 'hash mismatch' }] });
});

test('entries of the previous format (v3, no request id) keep verifying, and one given an id afterwards is caught', async () => {
  const { db, log } = await freshLog();
  await new AccessLogWriter(db, 'gateway-v3', 'v3', LINK_KEY).append([entry(), entry()]);
  await log.append([entry({ requestId: 'req-00000001' })]);
  expect(await log.verify()).toMatchObject({ ok: true, entries: 3, chains: 2 });
  // A v3 link never covered a request id: the same link with one added still "matches", so the verifier refuses any.
  const { rows } = await db.query<Parameters<typeof entryHash>[0] & { hash: string }>(`SELECT * FROM access_log WHERE chain = 'gateway-v3' AND seq = 2`);
  expect(entryHash({ ...rows[0], request_id: 'req-added-01' }, 'v3', LINK_KEY)).toBe(rows[0].hash);
  await asOwner(db, `UPDATE access_log SET request_id = 'req-added-01' WHERE chain = 'gateway-v3' AND seq = 2`);
  expect(await log.verify()).toMatchObject({ ok: false, problems: [{ kind: 'broken-link', chain: 'gateway-v3', seq: 2, reason: 'hash mismatch' }] });
});

test('a request id that is not one safe token is refused before anything is written, without being quoted', async () => {
  const { db, log } = await freshLog();
  for (const requestId of ['short', 'has space 1234', 'TREM75561212', 'x'.repeat(65)]) {
    const failure = await log.append([entry({ requestId })]).then(() => undefined, (error: Error) => error);
    expect(failure?.message).toMatch(/request id/);
    expect(failure?.message).not.toContain(requestId);
  }
  expect((await db.query(`SELECT 1 FROM access_log`)).rows).toHaveLength(0);
});
