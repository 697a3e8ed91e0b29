import { randomBytes } from 'node:crypto';
import { openDb, type Db } from '../../lib/db';

/**
 * A database for one test suite: the machine's PostgreSQL when DATABASE_URL is set (CI and
 * developers), in a schema of its own so suites running in parallel never see each other's
 * rows; the embedded PGlite otherwise.
 */
export async function openTestDb(label: string): Promise<Db & { schema: string; drop(): Promise<void> }> {
  const schema = `t_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const db = await openDb({ url: process.env.DATABASE_URL, schema });
  return Object.assign(db, {
    schema,
    async drop() {
      if (db.kind === 'postgres') await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await db.close();
    },
  });
}
