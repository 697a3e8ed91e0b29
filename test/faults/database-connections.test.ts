import { randomBytes } from 'node:crypto';
import { openDb, type Db } from '../../lib/db';
import { DatabaseUnavailable } from '../../lib/db-unavailable';
import { startTcpProxy, targetOf, type TcpProxy } from './support/tcp-proxy';
import { timed } from './support/faults';

// One service's connections (lib/db.ts) through a proxy of this suite's own in front of the machine's PostgreSQL.
const databaseUrl = process.env.DATABASE_URL;
const describeOnPostgres = databaseUrl ? describe : describe.skip;

const SETTINGS = { poolMax: 2, connectTimeoutMs: 500, statementTimeoutMs: 1000 };
const schema = `faults_db_${randomBytes(4).toString('hex')}`;
let proxy: TcpProxy;
let db: Db;
const warnings: unknown[] = [];

beforeAll(async () => {
  if (!databaseUrl) return;
  proxy = await startTcpProxy(targetOf(databaseUrl));
  db = await openDb({ url: proxy.urlFor(databaseUrl), schema, settings: SETTINGS, service: 'faults', logger: { warn: (fields: unknown) => void warnings.push(fields) } as never });
});
afterEach(() => proxy?.heal());
afterAll(async () => {
  await db?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
  await db?.close();
  await proxy?.close();
});

const failureOf = async (work: Promise<unknown>) => work.then(() => 'no failure', (error: unknown) => (error instanceof DatabaseUnavailable ? error.code : `other: ${(error as Error).name}`));

describeOnPostgres('a service’s database connections (issue #8 §1)', () => {
  test('a statement that runs past the statement timeout is cancelled by the server itself (SQLSTATE 57014)', async () => {
    const { ms, result } = await timed(() => failureOf(db.query('SELECT pg_sleep(5)')));
    expect(result).toBe('57014');
    expect(ms).toBeLessThan(SETTINGS.statementTimeoutMs + 400);
  });

  test('a request waits for a free connection of a full pool no longer than the connect timeout', async () => {
    const held = [db.query('SELECT pg_sleep(0.9)'), db.query('SELECT pg_sleep(0.9)')];
    const { ms, result } = await timed(() => failureOf(db.query('SELECT 1')));
    await Promise.all(held);
    expect(result).toBe('CONNECT_TIMEOUT');
    expect(ms).toBeLessThan(SETTINGS.connectTimeoutMs + 300);
  });

  test('a connection lost in the middle of a transaction fails that transaction only, and the next statement gets a new connection', async () => {
    let resume!: () => void;
    let begun!: () => void;
    const paused = new Promise<void>((resolve) => (resume = resolve));
    const started = new Promise<void>((resolve) => (begun = resolve));
    const transaction = db.transaction(async (tx) => {
      await tx.query('SELECT 1');
      begun();
      await paused;
      await tx.query('SELECT 2');
    });
    await started;
    proxy.dropAll();
    // The connection learns it was lost while no statement of it runs.
    await new Promise((resolve) => setTimeout(resolve, 200));
    resume();
    expect(await failureOf(transaction)).toBe('CONNECTION_LOST');
    expect((await db.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  test('an idle connection the server drops is discarded and reported by class, without its message', async () => {
    await db.query('SELECT 1');
    warnings.length = 0;
    proxy.dropAll();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(warnings).toContainEqual({ failure: 'CONNECTION_LOST' });
    expect(JSON.stringify(warnings)).not.toMatch(/terminated/i);
  });

  test('a transaction left idle longer than twice the statement timeout is ended by the server (its locks with it)', async () => {
    warnings.length = 0;
    const failure = await failureOf(
      db.transaction(async (tx) => {
        await tx.query('SELECT 1');
        await new Promise((resolve) => setTimeout(resolve, 2 * SETTINGS.statementTimeoutMs + 500));
        await tx.query('SELECT 2');
      }),
    );
    expect(failure).toBe('CONNECTION_LOST');
    // Why, as the server said it: idle_in_transaction_session_timeout.
    expect(warnings).toContainEqual({ failure: '25P03' });
  });

  test('operators can tell this service’s connections apart: application_name is qhr-<service>@<schema>', async () => {
    const { rows } = await db.query<{ name: string }>('SELECT current_setting($1) AS name', ['application_name']);
    expect(rows[0].name).toBe(`qhr-faults@${schema}`);
  });
});

if (!databaseUrl) test.skip('database connection faults need DATABASE_URL', () => undefined);
