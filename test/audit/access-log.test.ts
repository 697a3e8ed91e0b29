import { randomBytes } from 'node:crypto';
import { openDb, type Db } from '../../lib/db';
import { AccessLog, AccessLogWriteError, GENESIS_HASH, entryHash, type AccessEntryInput } from '../../consent/access-log';
import { AccessLogWriter } from '../../consent/access-log-writer';
import { auditKeys } from '../../consent/access-log-keys';
import { openTestDb } from '../support/db';

/** QHR access log: one entry per person per request, append-only, each entry chained to the one before. */

type TestDb = Awaited<ReturnType<typeof openTestDb>>;
const opened: TestDb[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((db) => db.drop()));
});

/** The gateway's audit settings: a key the database never sees, no checkpoints (see checkpoints.test.ts). */
const AUDIT = { key: randomBytes(32), checkpointIntervalMs: 60_000 };
const LINK_KEY = auditKeys(AUDIT.key).link;
const INTACT = { ok: true, problems: [] };

/** A log of its own per test: tampering in one test must not break the chain of another. */
async function freshLog(): Promise<{ db: TestDb; log: AccessLog }> {
  const db = await openTestDb('access_log');
  opened.push(db);
  const log = new AccessLog(db, AUDIT);
  await log.migrate();
  return { db, log };
}

const TREMBLAY = 'TRES93110110';
const GAGNON = 'GAGN44541911';
const at = (iso: string) => new Date(iso);
const entry = (extra: Partial<AccessEntryInput> = {}): AccessEntryInput => ({
  nam: TREMBLAY,
  providerId: 'md-1001',
  role: 'PHYSICIAN',
  facility: 'CLSC Rosemont',
  domains: ['MEDICATIONS', 'LAB_RESULTS'],
  outcome: 'GRANTED',
  ...extra,
});

async function appendMany(log: AccessLog, count: number): Promise<void> {
  for (let i = 0; i < count; i += 1) await log.append([entry({ providerId: `md-${i}`, nam: i % 2 ? GAGNON : TREMBLAY })]);
}

/** What an attacker with the table owner's rights can do: switch the append-only guard off. */
async function asOwner(db: Db, sql: string, params: unknown[] = []): Promise<void> {
  await db.query(`ALTER TABLE access_log DISABLE TRIGGER access_log_no_rewrite`);
  await db.query(sql, params);
}

test('every consultation is kept with who, where, what and the outcome, newest first', async () => {
  const { log } = await freshLog();
  await log.append([entry({ at: at('2024-03-01T09:00:00.250-05:00'), domains: ['LAB_RESULTS', 'MEDICATIONS', 'LAB_RESULTS'] })]);
  await log.append([
    entry({ at: at('2024-03-02T10:00:00-05:00'), providerId: 'ph-7', role: 'PHARMACIST', facility: undefined, domains: ['MEDICATIONS'], outcome: 'DENIED' }),
    entry({ nam: GAGNON, at: at('2024-03-02T10:00:00-05:00') }),
  ]);

  const mine = await log.forPerson(TREMBLAY);
  expect(mine).toEqual([
    { seq: 2, at: '2024-03-02T10:00:00.000-05:00', kind: 'RECORD', nam: TREMBLAY, providerId: 'ph-7', role: 'PHARMACIST', domains: ['MEDICATIONS'], outcome: 'DENIED' },
    {
      seq: 1,
      at: '2024-03-01T09:00:00.250-05:00',
      kind: 'RECORD',
      nam: TREMBLAY,
      providerId: 'md-1001',
      role: 'PHYSICIAN',
      facility: 'CLSC Rosemont',
      domains: ['MEDICATIONS', 'LAB_RESULTS'], // each once, in contract order
      outcome: 'GRANTED',
    },
  ]);
  expect((await log.forPerson(TREMBLAY, '2024-03-02')).map((e) => e.seq)).toEqual([2]);
  expect((await log.forPerson(TREMBLAY, '2024-03-01T09:00:00.251-05:00')).map((e) => e.seq)).toEqual([2]);
  expect((await log.forPerson(GAGNON)).map((e) => e.seq)).toEqual([3]);
  await expect(log.forPerson(TREMBLAY, '2024-03-01T09:00')).rejects.toThrow(RangeError);
});

test('an entry without a time is stamped when it is appended', async () => {
  const { log } = await freshLog();
  const before = Date.now();
  await log.append([entry()]);
  const [stamped] = await log.forPerson(TREMBLAY);
  expect(Math.abs(Date.parse(stamped.at) - before)).toBeLessThan(5000);
});

test('the log chains each entry to the one before', async () => {
  const { db, log } = await freshLog();
  await log.append([entry(), entry({ nam: GAGNON })]);
  await log.append([entry({ outcome: 'DENIED', facility: undefined })]);

  const { rows } = await db.query<Parameters<typeof entryHash>[0] & { hash: string }>(`SELECT * FROM access_log ORDER BY seq`);
  expect(rows.map((row) => Number(row.seq))).toEqual([1, 2, 3]);
  expect(rows[0].prev_hash).toBe(GENESIS_HASH);
  expect(rows[1].prev_hash).toBe(rows[0].hash);
  expect(rows[2].prev_hash).toBe(rows[1].hash);
  for (const row of rows) expect(entryHash(row, 'v4', LINK_KEY)).toBe(row.hash);
  expect(new Set(rows.map((row) => row.hash)).size).toBe(3);
  expect(await log.verify()).toMatchObject({ ...INTACT, entries: 3, chains: 1 });
});

test('the log refuses to have an entry changed or removed', async () => {
  const { db, log } = await freshLog();
  await log.append([entry()]);
  await expect(db.query(`UPDATE access_log SET outcome = 'DENIED'`)).rejects.toThrow(/append-only/);
  await expect(db.query(`DELETE FROM access_log`)).rejects.toThrow(/append-only/);
  await expect(db.query(`TRUNCATE access_log`)).rejects.toThrow(/append-only/);
  expect(await log.verify()).toMatchObject({ ...INTACT, entries: 1, chains: 1 });
});

test('audit verification reports the first altered entry', async () => {
  const { db, log } = await freshLog();
  await appendMany(log, 6);
  await asOwner(db, `UPDATE access_log SET outcome = 'DENIED' WHERE seq IN (3, 5)`);
  expect(await log.verify()).toMatchObject({ ok: false, entries: 2, problems: [{ kind: 'broken-link', seq: 3, reason: 'hash mismatch' }] });
});

test('an altered entry given a fresh link breaks the link of the next one', async () => {
  const { db, log } = await freshLog();
  await appendMany(log, 4);
  const { rows } = await db.query<Parameters<typeof entryHash>[0]>(`SELECT * FROM access_log WHERE seq = 2`);
  const forged = { ...rows[0], provider_id: 'md-someone-else' };
  await asOwner(db, `UPDATE access_log SET provider_id = $1, hash = $2 WHERE seq = 2`, [forged.provider_id, entryHash(forged, 'v4', LINK_KEY)]);
  expect(await log.verify()).toMatchObject({ ok: false, entries: 2, problems: [{ kind: 'broken-link', seq: 3, reason: 'link to the previous entry broken' }] });
});

test('an entry rewritten and the whole chain re-hashed by someone without the audit key is caught', async () => {
  const { db, log } = await freshLog();
  await appendMany(log, 4);
  const { rows } = await db.query<Parameters<typeof entryHash>[0] & { hash: string }>(`SELECT * FROM access_log ORDER BY seq`);
  // Everything the table holds, every link recomputed: only the key is missing (a guess, or plain sha256).
  for (const guess of [randomBytes(32), undefined]) {
    let prev = rows[0].hash;
    for (const row of rows.slice(1)) {
      const rewritten = { ...row, provider_id: row.seq === rows[1].seq ? 'md-someone-else' : row.provider_id, prev_hash: prev };
      prev = guess ? entryHash(rewritten, 'v3', guess) : entryHash(rewritten, 'v2');
      await asOwner(db, `UPDATE access_log SET provider_id = $1, prev_hash = $2, hash = $3 WHERE seq = $4`, [rewritten.provider_id, rewritten.prev_hash, prev, row.seq]);
    }
    expect(await log.verify()).toMatchObject({ ok: false, problems: [{ kind: 'broken-link', seq: 2, reason: 'hash mismatch' }] });
  }
});

test('a deleted entry breaks the chain', async () => {
  const { db, log } = await freshLog();
  await appendMany(log, 5);
  await asOwner(db, `DELETE FROM access_log WHERE seq = 2`);
  expect(await log.verify()).toMatchObject({ ok: false, entries: 1, problems: [{ kind: 'broken-link', seq: 2, reason: 'entry missing' }] });

  const other = await freshLog();
  await appendMany(other.log, 2);
  await asOwner(other.db, `DELETE FROM access_log WHERE seq = 1`);
  expect(await other.log.verify()).toMatchObject({ ok: false, entries: 0, problems: [{ kind: 'broken-link', seq: 1, reason: 'entry missing' }] });
});

test('verification reads the log in pages and follows the chain across them', async () => {
  const { db, log } = await freshLog();
  await log.append(Array.from({ length: 7 }, (_, i) => entry({ providerId: `md-${i}` })));
  const progress: number[] = [];
  expect(await log.verify({ pageSize: 2, onProgress: (checked) => progress.push(checked) })).toMatchObject({ ...INTACT, entries: 7, chains: 1 });
  expect(progress).toEqual([2, 4, 6, 7]);

  await asOwner(db, `UPDATE access_log SET role = 'NURSE' WHERE seq = 5`); // first entry of the third page
  expect(await log.verify({ pageSize: 2 })).toMatchObject({ ok: false, problems: [{ seq: 5 }] });
});

// PGlite is one connection in one process: two writers need a real PostgreSQL.
const withPostgres = process.env.DATABASE_URL ? test : test.skip;
const needsPostgres = process.env.DATABASE_URL ? '' : ' (skipped: needs DATABASE_URL, PGlite has a single connection)';
withPostgres(`two gateways appending at once each keep a chain of their own, and both verify${needsPostgres}`, async () => {
  const { db, log } = await freshLog();
  const second = await openDb({ url: process.env.DATABASE_URL, schema: db.schema });
  try {
    const writers = [log, new AccessLog(second, AUDIT)];
    const batches = writers.flatMap((writer, w) =>
      Array.from({ length: 25 }, (_, b) => writer.append([entry({ providerId: `w${w}-b${b}-0` }), entry({ nam: GAGNON, providerId: `w${w}-b${b}-1` })])),
    );
    await Promise.all(batches);
  } finally {
    await second.close();
  }
  expect(await log.verify()).toMatchObject({ ...INTACT, entries: 100, chains: 2 });
});

test('an entry that cannot be written throws, and names no one', async () => {
  const { db, log } = await freshLog();
  await log.append([entry()]);
  await db.query(`DROP TABLE access_log`);
  const lost = await log.append([entry({ nam: GAGNON })]).then(() => undefined, (error: Error) => error);
  expect(lost).toBeInstanceOf(AccessLogWriteError);
  expect(lost!.message).not.toContain(GAGNON);

  const closed = await openTestDb('access_log_closed');
  const closedLog = new AccessLog(closed, AUDIT);
  await closedLog.migrate();
  await closed.drop();
  await expect(closedLog.append([entry()])).rejects.toBeInstanceOf(AccessLogWriteError);
});

test('a malformed entry is refused and nothing is written', async () => {
  const { log } = await freshLog();
  await expect(log.append([entry(), entry({ domains: ['DENTAL' as never] })])).rejects.toBeInstanceOf(AccessLogWriteError);
  await expect(log.append([entry({ outcome: 'MAYBE' as never })])).rejects.toBeInstanceOf(AccessLogWriteError);
  await expect(log.append([entry({ providerId: '' })])).rejects.toBeInstanceOf(AccessLogWriteError);
  expect(await log.verify()).toMatchObject({ ...INTACT, entries: 0, chains: 0 });
});

/** Appends one entry and says why it was refused, or 'kept'. */
async function refusal(log: AccessLog, extra: Partial<AccessEntryInput>): Promise<string> {
  return log.append([entry(), entry(extra)]).then(
    () => 'kept',
    (error: Error) => (error instanceof AccessLogWriteError ? error.message : `unexpected ${error.name}`),
  );
}

test('only a valid, normalised NAM is kept: a malformed one, however long, is refused before anything is written, and not quoted', async () => {
  const { log } = await freshLog();
  for (const nam of ['TRES'.repeat(750), 'T'.repeat(1024 * 1024), 'tres 9311 0110', 'TRES93130110', '']) {
    const why = await refusal(log, { nam });
    expect(why).toBe('access log: an entry needs a valid, normalised NAM');
  }
  expect(await log.verify()).toMatchObject({ entries: 0 });
});

test('a provider id, role or facility longer than 128 characters is refused before anything is written', async () => {
  const { log } = await freshLog();
  for (const field of ['providerId', 'role', 'facility'] as const) {
    expect(await refusal(log, { [field]: 'x'.repeat(128) })).toBe('kept');
    expect(await refusal(log, { [field]: 'x'.repeat(129) })).toMatch(/at most 128 characters/);
  }
  expect(await log.verify()).toMatchObject({ entries: 6 });
});

test('a provider id, role or facility holding a control character (a line break, an escape) is refused before anything is written', async () => {
  const { log } = await freshLog();
  for (const field of ['providerId', 'role', 'facility'] as const) {
    for (const control of ['\n', '\r', '\u0000', '\u001b[31m', '\u0085']) {
      expect(await refusal(log, { [field]: `md-1${control}` })).toMatch(/without control characters/);
    }
  }
  expect(await log.verify()).toMatchObject({ entries: 0 });
});

test('a reading of the access log is an entry of its own kind, with no domains, chained like the others', async () => {
  const { log } = await freshLog();
  await log.append([entry()]);
  await log.append([entry({ kind: 'ACCESS_LOG', providerId: 'po-1', role: 'privacy_officer', domains: [] })]);
  expect((await log.forPerson(TREMBLAY)).map(({ kind, providerId, domains }) => ({ kind, providerId, domains }))).toEqual([
    { kind: 'ACCESS_LOG', providerId: 'po-1', domains: [] },
    { kind: 'RECORD', providerId: 'md-1001', domains: ['MEDICATIONS', 'LAB_RESULTS'] },
  ]);
  expect(await log.verify()).toMatchObject({ ...INTACT, entries: 2 });
  expect(await refusal(log, { kind: 'ACCESS_LOG', domains: ['MEDICATIONS'] })).toBe('access log: a reading of the access log asks no domain');
});

test('a reading of the refusal register is an entry of its own kind, with no domains, chained like the others (issue #11)', async () => {
  const { log } = await freshLog();
  await log.append([entry()]);
  await log.append([entry({ kind: 'CONSENT_REGISTER', providerId: 'clerk-1', role: 'consent_clerk', domains: [] })]);
  expect((await log.forPerson(TREMBLAY)).map(({ kind, providerId }) => ({ kind, providerId }))).toEqual([
    { kind: 'CONSENT_REGISTER', providerId: 'clerk-1' },
    { kind: 'RECORD', providerId: 'md-1001' },
  ]);
  expect(await log.verify()).toMatchObject({ ...INTACT, entries: 2 });
  expect(await refusal(log, { kind: 'CONSENT_REGISTER', domains: ['MEDICATIONS'] })).toBe('access log: a reading of the refusal register asks no domain');
});

test('an entry\'s kind is covered by its link: turning a consultation into a reading of the log is caught', async () => {
  const { db, log } = await freshLog();
  await appendMany(log, 3);
  await asOwner(db, `UPDATE access_log SET kind = 'ACCESS_LOG' WHERE seq = 2`);
  expect(await log.verify()).toMatchObject({ ok: false, problems: [{ kind: 'broken-link', seq: 2, reason: 'hash mismatch' }] });
});

test('the entries of requests arriving together are written in one statement, each request answered once it is', async () => {
  const { db } = await freshLog();
  let inserts = 0;
  const counting: Pick<Db, 'query' | 'transaction'> = {
    query: (sql, params) => {
      if (sql.startsWith('INSERT INTO access_log ')) inserts += 1;
      return db.query(sql, params);
    },
    transaction: db.transaction.bind(db),
  };
  const log = new AccessLog(counting, AUDIT);
  await Promise.all(Array.from({ length: 40 }, (_, i) => log.append([entry({ providerId: `md-${i}` })])));
  expect(inserts).toBeLessThanOrEqual(2);
  expect(await log.verify()).toMatchObject({ ...INTACT, entries: 40, chains: 1 });
});

test('after a write whose outcome was lost, the chain goes on from what the database holds', async () => {
  const { db } = await freshLog();
  let lose = false;
  const flaky: Pick<Db, 'query' | 'transaction'> = {
    query: async <Row,>(sql: string, params?: unknown[]) => {
      const result = await db.query<Row>(sql, params);
      // The INSERT committed, but the answer never came back (a connection lost on COMMIT).
      if (lose && sql.startsWith('INSERT INTO access_log ')) {
        lose = false;
        throw Object.assign(new Error('connection terminated'), { code: '08006' });
      }
      return result;
    },
    transaction: db.transaction.bind(db),
  };
  const log = new AccessLog(flaky, AUDIT);
  await log.append([entry()]);
  lose = true;
  await expect(log.append([entry({ nam: GAGNON })])).rejects.toBeInstanceOf(AccessLogWriteError);
  await log.append([entry({ providerId: 'md-next' })]);
  expect(await log.verify()).toMatchObject({ ...INTACT, entries: 3, chains: 1 });
});

test('chains written by earlier versions keep verifying as they were written: the single v1 chain "legacy", v2 and v3 chains, beside the new v4 ones', async () => {
  const db = await openTestDb('access_log_legacy');
  opened.push(db);
  await db.query(`CREATE TABLE access_log (seq bigint PRIMARY KEY CHECK (seq > 0), at timestamptz NOT NULL, nam text NOT NULL, provider_id text NOT NULL,
    role text NOT NULL, facility text, domains text[] NOT NULL, outcome text NOT NULL, prev_hash text NOT NULL, hash text NOT NULL)`);
  let prev = GENESIS_HASH;
  for (const seq of [1, 2]) {
    const row = { seq, at: new Date(`2025-01-0${seq}T10:00:00Z`), nam: TREMBLAY, provider_id: 'md-old', role: 'physician', facility: null, domains: ['MEDICATIONS'], outcome: 'GRANTED', prev_hash: prev };
    prev = entryHash(row, 'v1');
    await db.query('INSERT INTO access_log VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)', [seq, row.at, row.nam, row.provider_id, row.role, null, row.domains, row.outcome, row.prev_hash, prev]);
  }
  const log = new AccessLog(db, AUDIT);
  await log.migrate();
  // A gateway of the previous version (plain sha256 links, chain name included) wrote a chain of its own.
  await new AccessLogWriter(db, 'gateway-before-v3', 'v2').append([entry({ providerId: 'md-v2' }), entry({ providerId: 'md-v2', nam: GAGNON })]);
  // One of the version before request ids (keyed links, no request id: it keeps none even when given one).
  await new AccessLogWriter(db, 'gateway-before-v4', 'v3', LINK_KEY).append([entry({ providerId: 'md-v3', requestId: 'req-before-v4' })]);
  await log.append([entry({ requestId: 'req-now-0001' })]);
  expect(await log.verify()).toMatchObject({ ...INTACT, entries: 6, chains: 4 });
  const entries = await log.forPerson(TREMBLAY);
  expect(entries.map((e) => e.providerId).sort()).toEqual(['md-1001', 'md-old', 'md-old', 'md-v2', 'md-v3']);
  expect(entries.filter((e) => e.requestId).map((e) => [e.providerId, e.requestId])).toEqual([['md-1001', 'req-now-0001']]);
  const formats = await db.query<{ format: string }>(`SELECT format FROM access_log_chains ORDER BY format`);
  expect(formats.rows.map((row) => row.format)).toEqual(['v1', 'v2', 'v3', 'v4']);
});

test('a v2 chain still shows an altered entry', async () => {
  const { db, log } = await freshLog();
  await new AccessLogWriter(db, 'gateway-before-v3', 'v2').append([entry(), entry({ nam: GAGNON })]);
  await asOwner(db, `UPDATE access_log SET outcome = 'DENIED' WHERE seq = 2`);
  expect(await log.verify()).toMatchObject({ ok: false, problems: [{ kind: 'broken-link', chain: 'gateway-before-v3', seq: 2, reason: 'hash mismatch' }] });
});
