import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Db } from '../../lib/db';
import { AccessLog, entryHash, type AccessEntryInput, type AuditSettings } from '../../consent/access-log';
import { checkpointFileName } from '../../consent/access-log-checkpoint';
import { readCheckpoints } from '../../consent/access-log-checkpoint-files';
import { auditKeys } from '../../consent/access-log-keys';
import { AccessLogWriter } from '../../consent/access-log-writer';
import { openTestDb } from '../support/db';

/**
 * Signed checkpoints of each chain's head, kept outside the database (issue #8 §5): what shows
 * that the newest entries were deleted, or a chain rewritten whole, by someone who holds the table.
 */

type TestDb = Awaited<ReturnType<typeof openTestDb>>;
const opened: TestDb[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((db) => db.drop()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const KEY = randomBytes(32);
const HOUR = 3_600_000;
const entry = (providerId: string, extra: Partial<AccessEntryInput> = {}): AccessEntryInput => ({ nam: 'TRES93110110', providerId, role: 'physician', domains: ['CLINICAL'], outcome: 'GRANTED', ...extra });

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'qhr-checkpoints-'));
  dirs.push(dir);
  return dir;
}

/** A database of its own and the gateway's audit settings, with a checkpoint directory of its own. */
async function fresh(settings: Partial<AuditSettings> = {}): Promise<{ db: TestDb; audit: AuditSettings }> {
  const db = await openTestDb('access_log_checkpoints');
  opened.push(db);
  const audit: AuditSettings = { key: KEY, checkpointDir: join(tempDir(), 'checkpoints'), checkpointIntervalMs: HOUR, ...settings };
  await new AccessLog(db, audit).migrate();
  return { db, audit };
}

/** A gateway's writer that appends these entries one request at a time, then stops (its last checkpoint). */
async function gatewayWrites(db: Db, audit: AuditSettings, count: number): Promise<string> {
  const chains = async () => (await db.query<{ chain: string }>(`SELECT chain FROM access_log_chains`)).rows.map((row) => row.chain);
  const before = new Set(await chains());
  const log = new AccessLog(db, audit);
  for (let i = 1; i <= count; i += 1) await log.append([entry(`md-${i}`)]);
  await log.close();
  return (await chains()).find((chain) => !before.has(chain))!;
}

/** What someone with the table owner's rights can do: switch the append-only guards off. */
async function asOwner(db: Db, sql: string, params: unknown[] = []): Promise<void> {
  await db.query(`ALTER TABLE access_log DISABLE TRIGGER access_log_no_rewrite`);
  await db.query(`ALTER TABLE access_log_chains DISABLE TRIGGER access_log_chains_no_rewrite`);
  await db.query(sql, params);
}

const verify = (db: Db, audit: AuditSettings, now?: Date) => new AccessLog(db, audit).verify({ now });

test('when the writer stops, it checkpoints its head, signed, in a file of its chain in a directory it creates', async () => {
  const { db, audit } = await fresh();
  expect(existsSync(audit.checkpointDir!)).toBe(false);
  const chain = await gatewayWrites(db, audit, 3);
  const head = await db.query<{ hash: string }>(`SELECT hash FROM access_log WHERE seq = 3`);
  expect(readdirSync(audit.checkpointDir!)).toEqual([checkpointFileName(chain)]);
  const read = await readCheckpoints(audit.checkpointDir!, auditKeys(KEY).checkpoint);
  expect(read.byChain.get(chain)).toEqual([{ chain, seq: 3, hash: head.rows[0].hash, at: expect.any(String) }]);
  expect(read.forged).toEqual([]);
});

test('a running writer checkpoints its head every interval, only when it moved', async () => {
  const { db, audit } = await fresh({ checkpointIntervalMs: 40 });
  const log = new AccessLog(db, audit);
  await log.append([entry('md-1'), entry('md-2')]);
  const file = () => (existsSync(audit.checkpointDir!) ? readdirSync(audit.checkpointDir!).map((name) => readFileSync(join(audit.checkpointDir!, name), 'utf8')).join('') : '');
  for (let waited = 0; file() === '' && waited < 5000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
  await new Promise((resolve) => setTimeout(resolve, 200)); // several intervals, the head unchanged
  expect(file().trim().split('\n').map((line) => JSON.parse(line).seq)).toEqual([2]);
  await log.close();
});

test('a checkpoint that cannot be written holds no request up: the entries are written, and the failure is told', async () => {
  const { db, audit } = await fresh();
  const notADirectory = join(tempDir(), 'a-file');
  writeFileSync(notADirectory, '');
  const told: string[] = [];
  const log = new AccessLog(db, { ...audit, checkpointDir: join(notADirectory, 'checkpoints') }, { onCheckpointError: (chain) => told.push(chain) });
  await log.append([entry('md-1')]);
  await log.close();
  const { rows } = await db.query<{ chain: string }>(`SELECT chain FROM access_log`);
  expect(rows).toHaveLength(1);
  expect(told).toEqual([rows[0].chain]);
});

test('an untouched log verifies against its checkpoints', async () => {
  const { db, audit } = await fresh();
  await gatewayWrites(db, audit, 4);
  await gatewayWrites(db, audit, 2);
  expect(await verify(db, audit)).toEqual({ ok: true, entries: 6, chains: 2, checkpoints: 2, problems: [] });
});

test('deleting the newest entries is caught: the chain ends before its signed checkpoint', async () => {
  const { db, audit } = await fresh();
  const chain = await gatewayWrites(db, audit, 5);
  await asOwner(db, `DELETE FROM access_log WHERE seq > 3`);
  expect(await verify(db, audit)).toMatchObject({ ok: false, problems: [{ kind: 'truncated', chain, lastSeq: 3, checkpointSeq: 5 }] });
});

test('deleting a whole chain, entries and registration, is caught against its checkpoint', async () => {
  const { db, audit } = await fresh();
  const chain = await gatewayWrites(db, audit, 2);
  await asOwner(db, `DELETE FROM access_log WHERE chain = $1`, [chain]);
  await db.query(`DELETE FROM access_log_chains WHERE chain = $1`, [chain]);
  expect(await verify(db, audit)).toMatchObject({ ok: false, problems: [{ kind: 'truncated', chain, lastSeq: 0, checkpointSeq: 2 }] });
});

test('a chain relabelled v2 and re-hashed throughout, consistent without the key, is caught: its entries are not those the checkpoint signed', async () => {
  const { db, audit } = await fresh();
  const chain = await gatewayWrites(db, audit, 3);
  const { rows } = await db.query<Parameters<typeof entryHash>[0] & { seq: string }>(`SELECT * FROM access_log ORDER BY seq`);
  await asOwner(db, `UPDATE access_log_chains SET format = 'v2'`);
  let prev = rows[0].prev_hash;
  for (const row of rows) {
    const rewritten = { ...row, outcome: row.seq === rows[0].seq ? 'DENIED' : row.outcome, prev_hash: prev };
    prev = entryHash(rewritten, 'v2');
    await db.query(`UPDATE access_log SET outcome = $1, prev_hash = $2, hash = $3 WHERE seq = $4`, [rewritten.outcome, rewritten.prev_hash, prev, row.seq]);
  }
  expect(await new AccessLog(db, { ...audit, checkpointDir: undefined }).verify()).toMatchObject({ ok: true }); // against itself, it holds
  expect(await verify(db, audit)).toMatchObject({ ok: false, problems: [{ kind: 'rewritten', chain, seq: 3 }] });
});

test('a forged checkpoint is caught, and vouches for nothing', async () => {
  const { db, audit } = await fresh();
  const chain = await gatewayWrites(db, audit, 2);
  const file = join(audit.checkpointDir!, checkpointFileName(chain));
  const [genuine] = readFileSync(file, 'utf8').trim().split('\n');
  // Claims the chain reached entry 9: altered from a genuine line, or signed with a key of one's own.
  appendFileSync(file, `${genuine.replace('"seq":2', '"seq":9')}\n`);
  appendFileSync(file, `${JSON.stringify({ ...JSON.parse(genuine), seq: 9, sig: randomBytes(32).toString('hex') })}\n`);
  expect(await verify(db, audit)).toMatchObject({
    ok: false,
    checkpoints: 1,
    problems: [
      { kind: 'forged-checkpoint', file: checkpointFileName(chain), line: 2 },
      { kind: 'forged-checkpoint', file: checkpointFileName(chain), line: 3 },
    ],
  });
});

test('a chain whose entries are older than one interval and has no checkpoint is reported; a younger one is not yet', async () => {
  const { db, audit } = await fresh();
  const log = new AccessLog(db, { ...audit, checkpointDir: undefined }); // a writer that never checkpointed
  await log.append([entry('md-1', { at: new Date('2025-06-01T12:00:00Z') })]);
  const { rows } = await db.query<{ chain: string }>(`SELECT chain FROM access_log`);
  // One interval (an hour here), and a few seconds for the checkpoint to reach the disk.
  expect(await verify(db, audit, new Date('2025-06-01T13:00:05Z'))).toMatchObject({ ok: true });
  expect(await verify(db, audit, new Date('2025-06-01T13:00:06Z'))).toMatchObject({ ok: false, problems: [{ kind: 'not-checkpointed', chain: rows[0].chain, lastSeq: 1 }] });
});

test('a chain without a checkpoint is not excused by entries dated in the future', async () => {
  const { db, audit } = await fresh();
  await new AccessLog(db, { ...audit, checkpointDir: undefined }).append([entry('md-1', { at: new Date('2099-01-01T00:00:00Z') })]);
  expect(await verify(db, audit, new Date('2025-06-01T12:00:00Z'))).toMatchObject({ ok: false, problems: [{ kind: 'not-checkpointed', lastSeq: 1 }] });
});

test('a checkpoint line cut short by a crash while it was written is not taken for a forgery', async () => {
  const { db, audit } = await fresh();
  const chain = await gatewayWrites(db, audit, 2);
  const file = join(audit.checkpointDir!, checkpointFileName(chain));
  appendFileSync(file, readFileSync(file, 'utf8').slice(0, 50)); // no newline: the append never finished
  expect(await verify(db, audit)).toMatchObject({ ok: true, checkpoints: 1, problems: [] });
});

test('chains written before checkpoints existed (v2) are sealed by the first checkpoint, so deleting their newest entries shows too', async () => {
  const { db, audit } = await fresh();
  await new AccessLogWriter(db, 'gateway-before-v3', 'v2').append([entry('md-1'), entry('md-2'), entry('md-3')]);
  await gatewayWrites(db, audit, 1);
  expect(await verify(db, audit)).toMatchObject({ ok: true, chains: 2, checkpoints: 2 });
  await asOwner(db, `DELETE FROM access_log WHERE chain = 'gateway-before-v3' AND seq = 3`);
  expect(await verify(db, audit)).toMatchObject({ ok: false, problems: [{ kind: 'truncated', chain: 'gateway-before-v3', lastSeq: 2, checkpointSeq: 3 }] });
});

test('a v2 chain that appears once checkpoints are kept (links anyone can compute) is reported as vouched for by nothing', async () => {
  const { db, audit } = await fresh();
  await gatewayWrites(db, audit, 1);
  await new AccessLogWriter(db, 'made-up-later', 'v2').append([entry('md-x', { at: new Date(Date.now() - 2 * HOUR) })]);
  await gatewayWrites(db, audit, 1); // a later writer does not seal it: the directory was in use already
  expect(await verify(db, audit)).toMatchObject({ ok: false, problems: [{ kind: 'not-checkpointed', chain: 'made-up-later' }] });
});

test('without a checkpoint directory, the chains are checked against themselves only, and the result says so', async () => {
  const { db, audit } = await fresh({ checkpointDir: undefined });
  await gatewayWrites(db, audit, 2);
  const result = await verify(db, audit);
  expect(result).toEqual({ ok: true, entries: 2, chains: 1, problems: [] });
  expect(result.checkpoints).toBeUndefined();
});
