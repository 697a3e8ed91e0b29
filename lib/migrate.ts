import type { Db } from './db';

/**
 * SQL taking a transaction-scoped advisory lock named `name`, scoped to the current schema so
 * separate deployments (and test suites) sharing one PostgreSQL never wait for each other.
 * Advisory locks need no table privilege, so the services' database role can stay limited to
 * INSERT and SELECT. `keyed` adds a `$1` parameter to the name (one lock per NAM, say).
 */
export function schemaLock(name: string, keyed = false): string {
  return `SELECT pg_advisory_xact_lock(hashtextextended('qhr.${name}:' || current_schema()${keyed ? " || ':' || $1" : ''}, 0))`;
}

/**
 * Runs a store's schema statements in one transaction under that store's migration lock, so
 * several instances starting at once against one database do not race on CREATE … IF NOT EXISTS.
 */
export async function migrate(db: Pick<Db, 'transaction'>, store: string, statements: readonly string[]): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(schemaLock(`${store}.migrate`));
    for (const statement of statements) await tx.query(statement);
  });
}
