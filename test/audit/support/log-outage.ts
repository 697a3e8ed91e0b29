import type { TestStack } from '../../support/stack';

/**
 * The access log unable to take entries while everything else works (the consent decisions still
 * read it): a trigger refuses every INSERT, as a full disk or a lost primary would.
 */
export async function logRefusesWrites(stack: TestStack): Promise<void> {
  await stack.platform.db.query(`CREATE OR REPLACE FUNCTION test_access_log_down() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'access log down'; END $$`);
  await stack.platform.db.query(`CREATE TRIGGER test_access_log_down BEFORE INSERT ON access_log FOR EACH STATEMENT EXECUTE FUNCTION test_access_log_down()`);
}

export async function logTakesWritesAgain(stack: TestStack): Promise<void> {
  await stack.platform.db.query(`DROP TRIGGER test_access_log_down ON access_log`);
}

/** Every write to the access log takes this long more (a slow disk, a distant primary). */
export async function logWritesSlowly(stack: TestStack, seconds: number): Promise<void> {
  await stack.platform.db.query(`CREATE OR REPLACE FUNCTION test_access_log_slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(${Number(seconds)}); RETURN NULL; END $$`);
  await stack.platform.db.query(`CREATE TRIGGER test_access_log_slow BEFORE INSERT ON access_log FOR EACH STATEMENT EXECUTE FUNCTION test_access_log_slow()`);
}

export async function logWritesAtFullSpeed(stack: TestStack): Promise<void> {
  await stack.platform.db.query(`DROP TRIGGER test_access_log_slow ON access_log`);
}
