import { execFile } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../lib/config';
import { openDb, type Db } from '../../lib/db';
import { AccessLog, entryHash, type AccessEntryInput, type AuditSettings } from '../../consent/access-log';

/**
 * `npm run audit:verify` run as an operator would: a separate process that reads the gateway's
 * configuration. With DATABASE_URL it targets this suite's schema (DB_SCHEMA); without, an
 * embedded database on disk (DATA_DIR), closed here before the command opens it. The gateway and
 * the command share AUDIT_KEY and, unless a test says otherwise, AUDIT_CHECKPOINT_DIR.
 */

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const SCRIPT = join(ROOT, 'bin', 'audit-verify.ts');
const NAM = 'TRES93110110';
const url = process.env.DATABASE_URL;
const dirs: string[] = [];
const schemas: string[] = [];

interface Target {
  env: NodeJS.ProcessEnv;
  /** The gateway's audit settings, read from `env` as the gateway would. */
  audit: AuditSettings;
  /** Runs `work` on the target's database, then closes it (PGlite: one process at a time). */
  use<T>(work: (db: Db) => Promise<T>): Promise<T>;
}

async function newTarget(options: { checkpoints?: boolean } = {}): Promise<Target> {
  const schema = `t_audit_cli_${Math.random().toString(16).slice(2, 10)}`;
  schemas.push(schema);
  const dataDir = url ? undefined : mkdtempSync(join(tmpdir(), 'qhr-audit-'));
  if (dataDir) dirs.push(dataDir);
  const checkpointDir = options.checkpoints === false ? '' : join(mkdtempSync(join(tmpdir(), 'qhr-audit-checkpoints-')), 'checkpoints');
  if (checkpointDir) dirs.push(join(checkpointDir, '..'));
  const env = { ...process.env, DATABASE_URL: url ?? '', DATA_DIR: dataDir ?? '', DB_SCHEMA: schema, AUDIT_KEY: KEY, AUDIT_CHECKPOINT_DIR: checkpointDir };
  return {
    env,
    audit: loadConfig(env).audit,
    async use(work) {
      const db = await openDb({ url, dataDir, schema });
      try {
        return await work(db);
      } finally {
        await db.close();
      }
    },
  };
}

const KEY = 'a1'.repeat(32);

/** A gateway writing these entries, then stopping (its last checkpoint). */
async function gatewayWrites(db: Db, audit: AuditSettings, list: AccessEntryInput[]): Promise<void> {
  const log = new AccessLog(db, audit);
  await log.migrate();
  await log.append(list);
  await log.close();
}

/** What someone with the table owner's rights can do: switch the append-only guards off. */
async function asOwner(db: Db, sql: string, params: unknown[] = []): Promise<void> {
  await db.query(`ALTER TABLE access_log DISABLE TRIGGER access_log_no_rewrite`);
  await db.query(`ALTER TABLE access_log_chains DISABLE TRIGGER access_log_chains_no_rewrite`);
  await db.query(sql, params);
}

const CHAIN = '[0-9a-f-]{36}';

afterAll(async () => {
  if (url) {
    const db = await openDb({ url });
    for (const schema of schemas) await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db.close();
  }
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function runVerify(env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(TSX, [SCRIPT], { cwd: ROOT, env, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const entries = (count: number): AccessEntryInput[] =>
  Array.from({ length: count }, (_, i) => ({ nam: NAM, providerId: `md-${i}`, role: 'PHYSICIAN', domains: ['CLINICAL'], outcome: 'GRANTED' }));

test('audit:verify reports every chain intact and checked against its signed checkpoints, with progress on a long log, and exits 0', async () => {
  const target = await newTarget();
  await target.use((db) => gatewayWrites(db, target.audit, entries(10_001)));
  const run = await runVerify(target.env);
  expect(run).toMatchObject({ code: 0, stderr: '' });
  expect(run.stdout).toBe('audit: 10000 entries checked…\naudit: 10001 entries in 1 chain, every chain intact, checked against 1 signed checkpoint\n');
}, 120_000);

test('without a checkpoint directory, audit:verify says the chains could only be checked against themselves', async () => {
  const target = await newTarget({ checkpoints: false });
  await target.use((db) => gatewayWrites(db, target.audit, entries(3)));
  const run = await runVerify(target.env);
  expect(run).toMatchObject({ code: 0, stderr: '' });
  expect(run.stdout).toBe(
    'audit: 3 entries in 1 chain, every chain intact\naudit: no checkpoint directory (AUDIT_CHECKPOINT_DIR): the chains could only be checked against themselves\n',
  );
}, 60_000);

test('audit:verify names the first broken link, exits 1 and prints no NAM', async () => {
  const target = await newTarget();
  await target.use(async (db) => {
    await gatewayWrites(db, target.audit, entries(50));
    await asOwner(db, `UPDATE access_log SET outcome = 'DENIED' WHERE seq IN (42, 43)`);
  });
  const run = await runVerify(target.env);
  expect(run.code).toBe(1);
  expect(run.stdout).toMatch(new RegExp(`^audit: broken link at entry 42 of chain ${CHAIN}: hash mismatch\n$`));
  expect(run.stdout + run.stderr).not.toContain(NAM);
}, 60_000);

test('audit:verify catches an entry rewritten and the rest of the chain re-hashed without the key, exits 1 and prints no NAM', async () => {
  const target = await newTarget();
  await target.use(async (db) => {
    await gatewayWrites(db, target.audit, entries(5));
    const { rows } = await db.query<Parameters<typeof entryHash>[0] & { hash: string }>(`SELECT * FROM access_log ORDER BY seq`);
    let prev = rows[1].prev_hash;
    for (const row of rows.slice(1)) {
      const rewritten = { ...row, provider_id: 'md-innocent', prev_hash: prev };
      prev = entryHash(rewritten, 'v2');
      await asOwner(db, `UPDATE access_log SET provider_id = $1, prev_hash = $2, hash = $3 WHERE seq = $4`, [rewritten.provider_id, rewritten.prev_hash, prev, row.seq]);
    }
  });
  const run = await runVerify(target.env);
  expect(run.code).toBe(1);
  expect(run.stdout).toMatch(new RegExp(`^audit: broken link at entry 2 of chain ${CHAIN}: hash mismatch\n$`));
  expect(run.stdout + run.stderr).not.toContain(NAM);
}, 60_000);

test('audit:verify catches the newest entries deleted, against the signed checkpoint, exits 1 and prints no NAM', async () => {
  const target = await newTarget();
  await target.use(async (db) => {
    await gatewayWrites(db, target.audit, entries(8));
    await asOwner(db, `DELETE FROM access_log WHERE seq > 5`);
  });
  const run = await runVerify(target.env);
  expect(run.code).toBe(1);
  expect(run.stdout).toMatch(new RegExp(`^audit: chain ${CHAIN} ends at entry 5 but a signed checkpoint reaches entry 8: entries deleted from the end\n$`));
  expect(run.stdout + run.stderr).not.toContain(NAM);
}, 60_000);

test('audit:verify catches a chain relabelled v2 and re-hashed whole, against the signed checkpoint, exits 1 and prints no NAM', async () => {
  const target = await newTarget();
  await target.use(async (db) => {
    await gatewayWrites(db, target.audit, entries(4));
    const { rows } = await db.query<Parameters<typeof entryHash>[0] & { hash: string }>(`SELECT * FROM access_log ORDER BY seq`);
    await asOwner(db, `UPDATE access_log_chains SET format = 'v2'`);
    let prev = rows[0].prev_hash;
    for (const row of rows) {
      const rewritten = { ...row, outcome: 'DENIED', prev_hash: prev };
      prev = entryHash(rewritten, 'v2');
      await db.query(`UPDATE access_log SET outcome = $1, prev_hash = $2, hash = $3 WHERE seq = $4`, [rewritten.outcome, rewritten.prev_hash, prev, row.seq]);
    }
  });
  const run = await runVerify(target.env);
  expect(run.code).toBe(1);
  expect(run.stdout).toMatch(new RegExp(`^audit: entry 4 of chain ${CHAIN} is not the one its signed checkpoint names: the chain was rewritten\n$`));
  expect(run.stdout + run.stderr).not.toContain(NAM);
}, 60_000);

test('audit:verify catches a forged checkpoint, exits 1 and prints no NAM', async () => {
  const target = await newTarget();
  await target.use((db) => gatewayWrites(db, target.audit, entries(2)));
  const dir = target.audit.checkpointDir!;
  const [file] = readdirSync(dir);
  appendFileSync(join(dir, file), `${JSON.stringify({ chain: file.replace('.jsonl', ''), seq: 1, hash: '0'.repeat(64), at: new Date().toISOString(), sig: 'f'.repeat(64) })}\n`);
  const run = await runVerify(target.env);
  expect(run.code).toBe(1);
  expect(run.stdout).toMatch(new RegExp(`^audit: checkpoint file ${CHAIN}\\.jsonl, line 2: signature invalid: forged or altered checkpoint\n$`));
  expect(run.stdout + run.stderr).not.toContain(NAM);
}, 60_000);

test('audit:verify exits 2 when there is no access log to verify', async () => {
  const target = await newTarget();
  await target.use(async () => undefined);
  const run = await runVerify(target.env);
  expect(run.code).toBe(2);
  expect(run.stderr).toContain('audit: cannot verify: there is no access log in this database');
  expect(run.stdout).toBe('');
}, 60_000);
