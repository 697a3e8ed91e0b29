import type { PGlite } from '@electric-sql/pglite';
import { mkdirSync } from 'node:fs';
import type { Pool } from 'pg';

/**
 * The one database port every store uses: PostgreSQL through `pg` when DATABASE_URL is set, the
 * embedded PGlite (the same SQL dialect, in process) otherwise. Stores write plain SQL with $n
 * parameters so both run the same statements.
 */
export interface Db {
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: Row[] }>;
  /** Runs `work` in one transaction on one connection. */
  transaction<T>(work: (tx: Pick<Db, 'query'>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  readonly kind: 'postgres' | 'pglite';
}

export interface DbOptions {
  url?: string;
  /** Isolates a test run or an instance: tables live in this schema (created when missing). */
  schema?: string;
  /** PGlite data directory; in memory when unset. */
  dataDir?: string;
}

const SAFE_SCHEMA = /^[a-z_][a-z0-9_]*$/;

export async function openDb(options: DbOptions = {}): Promise<Db> {
  const schema = options.schema;
  if (schema && !SAFE_SCHEMA.test(schema)) throw new Error('database schema names are lower-case letters, digits and _');
  return options.url ? openPostgres(options.url, schema) : openPglite(options.dataDir, schema);
}

async function openPostgres(url: string, schema?: string): Promise<Db> {
  const { Pool } = await import('pg');
  const pool: Pool = new Pool({ connectionString: url, max: 10, ...(schema ? { options: `-c search_path=${schema}` } : {}) });
  if (schema) await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  return {
    kind: 'postgres',
    query: async (sql, params) => pool.query(sql, params as unknown[]) as never,
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work({ query: async (sql, params) => client.query(sql, params as unknown[]) as never });
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
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
