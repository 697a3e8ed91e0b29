import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb, type Db } from '../../lib/db';
import { AccessLog, type AccessEntryInput } from '../../consent/access-log';

/**
 * `npm run audit:verify` run as an operator would: a separate process that reads the gateway's
 * configuration. With DATABASE_URL it targets this suite's schema (DB_SCHEMA); without, an
 * embedded database on disk (DATA_DIR), closed here before the command opens it.
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
  /** Runs `work` on the target's database, then closes it (PGlite: one process at a time). */
  use<T>(work: (db: Db) => Promise<T>): Promise<T>;
}

async function newTarget(): Promise<Target> {
  const schema = `t_audit_cli_${Math.random().toString(16).slice(2, 10)}`;
  schemas.push(schema);
  const dataDir = url ? undefined : mkdtempSync(join(tmpdir(), 'qhr-audit-'));
  if (dataDir) dirs.push(dataDir);
  return {
    env: { ...process.env, DATABASE_URL: url ?? '', DATA_DIR: dataDir ?? '', DB_SCHEMA: schema },
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

test('audit:verify reports an intact chain, with progress on a long log, and exits 0', async () => {
  const target = await newTarget();
  await target.use(async (db) => {
    const log = new AccessLog(db);
    await log.migrate();
    await log.append(entries(10_001));
  });
  const run = await runVerify(target.env);
  expect(run).toMatchObject({ code: 0, stderr: '' });
  expect(run.stdout).toBe('audit: 10000 entries checked…\naudit: 10001 entries in 1 chain, every chain intact\n');
}, 120_000);

test('audit:verify names the first broken link, exits 1 and prints no NAM', async () => {
  const target = await newTarget();
  await target.use(async (db) => {
    const log = new AccessLog(db);
    await log.migrate();
    await log.append(entries(50));
    await db.query(`ALTER TABLE access_log DISABLE TRIGGER access_log_no_rewrite`);
    await db.query(`UPDATE access_log SET outcome = 'DENIED' WHERE seq IN (42, 43)`);
  });
  const run = await runVerify(target.env);
  expect(run.code).toBe(1);
  expect(run.stdout).toMatch(/^audit: broken link at entry 42 of chain [0-9a-f-]{36}: hash mismatch\n$/);
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
