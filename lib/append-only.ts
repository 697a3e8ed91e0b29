/**
 * SQL that makes a table append-only in the database itself: UPDATE, DELETE and TRUNCATE raise.
 * Used by the QHR's two registers that must never be rewritten (the refusal register and the
 * access log), so the rule holds even for code or people that bypass the stores.
 */
export function appendOnlyTriggers(table: string): string[] {
  return [
    `CREATE OR REPLACE FUNCTION ${table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN RAISE EXCEPTION '${table} is append-only: % refused', TG_OP; END $$`,
    `CREATE OR REPLACE TRIGGER ${table}_no_rewrite BEFORE UPDATE OR DELETE ON ${table}
     FOR EACH ROW EXECUTE FUNCTION ${table}_append_only()`,
    `CREATE OR REPLACE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table}
     FOR EACH STATEMENT EXECUTE FUNCTION ${table}_append_only()`,
  ];
}
