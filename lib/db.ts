import type { PGlite } from '@electric-sql/pglite';
import { mkdirSync } from 'node:fs';
import type { Pool, PoolClient, PoolConfig } from 'pg';
import { dbFailureOf, isDatabaseUnavailable, translated } from './db-unavailable';
import type { Logger } from './logger';

/**
 * The one database port every store uses: PostgreSQL through `pg` when DATABASE_URL is set, the
 * embedded PGlite (the same SQL dialect, in process) otherwise. Stores write plain SQL with $n
 * parameters so both run the same statements.
 *
 * On PostgreSQL, a database that is down, restarting or too slow rejects with a DatabaseUnavailable
 * (./db-unavailable.ts) within the connect or statement timeout, and never ends the process; once
 * it is back, the next statement opens a new connection (pg's Pool reconnects on demand).
 */
export interface Db {
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: Row[] }>;
  /** Runs `work` in one transaction on one connection. */
  transaction<T>(work: (tx: Pick<Db, 'query'>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  readonly kind: 'postgres' | 'pglite';
}

/** lib/config.ts `db` (DB_POOL_MAX, DB_CONNECT_TIMEOUT_MS, DB_STATEMENT_TIMEOUT_MS). */
export interface DbSettings {
  poolMax: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
}

export interface DbOptions {
  url?: string;
  /** Isolates a test run or an instance: tables live in this schema (created when missing). */
  schema?: string;
  /** PGlite data directory; in memory when unset. */
  dataDir?: string;
  /** PostgreSQL pool size and timeouts; unset (tools, tests), 10 connections and no timeouts. */
  settings?: DbSettings;
  /** The service these connections serve, shown to operators as application_name ("qhr-gateway@schema"). */
  service?: string;
  /** Told (by SQLSTATE or class) when a connection is lost while idle. */
  logger?: Pick<Logger, 'warn'>;
}

const SAFE_SCHEMA = /^[a-z_][a-z0-9_]*$/;

/**
 * How long after the server's statement_timeout the client gives up on its own: the server's
 * cancel normally comes first (SQLSTATE 57014); this catches a connection that no longer answers
 * at all (a blackholed network, a frozen server), which the server cannot cancel.
 */
const CLIENT_GRACE_MS = 500;

export async function openDb(options: DbOptions = {}): Promise<Db> {
  const schema = options.schema;
  if (schema && !SAFE_SCHEMA.test(schema)) throw new Error('database schema names are lower-case letters, digits and _');
  return options.url ? openPostgres(options.url, options) : openPglite(options.dataDir, schema);
}

/** PostgreSQL truncates application_name to 63 bytes; the schema tells instance groups apart. */
export function applicationNameOf(service = 'service', schema?: string): string {
  return `qhr-${service}${schema ? `@${schema}` : ''}`.slice(0, 63);
}

/** The pg Pool settings for these options (pure: what a service's connections will be). */
export function poolConfigOf(url: string, options: DbOptions): PoolConfig {
  const { settings, schema } = options;
  const statementMs = settings?.statementTimeoutMs || 0;
  return {
    connectionString: url,
    max: settings?.poolMax || 10,
    application_name: applicationNameOf(options.service, schema),
    // The kernel notices a peer that vanished without a FIN (failover, cut network) on idle connections.
    keepAlive: true,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
    // Bounds both opening a connection and waiting for a free one in a full pool.
    ...(settings?.connectTimeoutMs ? { connectionTimeoutMillis: settings.connectTimeoutMs } : {}),
    ...(statementMs > 0
      ? {
          statement_timeout: statementMs,
          query_timeout: statementMs + CLIENT_GRACE_MS,
          // A client frozen mid-transaction must not hold its locks (migration, lab batch) longer than any statement may run.
          idle_in_transaction_session_timeout: 2 * statementMs,
        }
      : {}),
  };
}

type Queryable = Pick<Pool | PoolClient, 'query'>;

/** A statement through the port: driver errors that mean "no answer" become DatabaseUnavailable. */
const queryOn =
  (target: Queryable): Db['query'] =>
  async (sql, params) => {
    try {
      return (await target.query(sql, params as unknown[])) as never;
    } catch (error) {
      throw translated(error);
    }
  };

async function openPostgres(url: string, options: DbOptions): Promise<Db> {
  const { Pool } = await import('pg');
  const pool: Pool = new Pool(poolConfigOf(url, options));
  // pg-pool has already discarded the idle connection that failed (a restart, a failover,
  // pg_terminate_backend); an 'error' event nobody listens to would end the whole process.
  pool.on('error', (error) => options.logger?.warn({ failure: dbFailureOf(error) }, 'idle database connection lost; discarded'));
  const query = queryOn(pool);
  if (options.schema) await query(`CREATE SCHEMA IF NOT EXISTS ${options.schema}`);
  return {
    kind: 'postgres',
    query,
    transaction: (work) => inTransaction(pool, work, options.logger),
    close: () => pool.end(),
  };
}

async function inTransaction<T>(pool: Pool, work: (tx: Pick<Db, 'query'>) => Promise<T>, logger?: DbOptions['logger']): Promise<T> {
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw translated(error);
  }
  // While checked out, a lost connection is an 'error' on the client with no pool listener, which
  // would end the process; the statement in flight (or the next one) fails with it anyway.
  const lost = (error: Error) => logger?.warn({ failure: dbFailureOf(error) }, 'database connection lost during a transaction');
  client.on('error', lost);
  const query = queryOn(client);
  let discard: Error | undefined;
  try {
    await query('BEGIN');
    const result = await work({ query });
    await query('COMMIT');
    return result;
  } catch (error) {
    discard = await rollBack(query, error);
    throw error;
  } finally {
    client.removeListener('error', lost);
    // Released with an error, pg-pool closes the connection instead of handing it out again.
    client.release(discard);
  }
}

/**
 * Rolls back after a failed statement, and says whether the connection must be discarded: when
 * the database did not answer, its state is unknown and a ROLLBACK would only queue behind the
 * statement that hung (the server rolls back when the connection closes).
 */
async function rollBack(query: Db['query'], error: unknown): Promise<Error | undefined> {
  if (isDatabaseUnavailable(error)) return error;
  try {
    await query('ROLLBACK');
    return undefined;
  } catch (failure) {
    return failure as Error;
  }
}

async function openPglite(dataDir?: string, schema?: string): Promise<Db> {
  const { PGlite } = await import('@electric-sql/pglite');
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const db: PGlite = await PGlite.create(dataDir);
  if (schema) await db.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}; SET search_path TO ${schema}`);
  // PGlite is one connection: transactions are serialised by its own queue.
  return {
    kind: 'pglite',
    query: async (sql, params) => db.query(sql, params) as never,
    transaction: (work) => db.transaction((tx) => work({ query: async (sql, params) => tx.query(sql, params) as never })),
    close: () => db.close(),
  };
}
