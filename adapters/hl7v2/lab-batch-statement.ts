import type { LabEntry } from './lab-batch';

/**
 * The one statement that writes a batch of lab messages (adapters/hl7v2/lab-store.ts), whatever its
 * size: each column travels as one array parameter and `unnest` turns them back into rows, so the
 * SQL text never changes and no batch can reach the protocol's 65,535 bind parameters (PostgreSQL
 * 15 §9.19 unnest; protocol 3.0 §55.7 Bind). In one statement, in this order of meaning:
 *
 * 1. `new_message`: one row per message, ON CONFLICT DO NOTHING; RETURNING says which keys are new.
 * 2. `pair`: the NAM <-> MR pairs of PID-3 of the new messages only (a refused message asserts nothing).
 * 3. the results of the new messages only. A result without a NAM (an MR-only PATIENT_RESULT group)
 *    takes the NAM a pair of this batch gives its MR, the earliest message winning.
 * 4. the earlier MR-only results of those MRs take the NAM too (what was one UPDATE per message),
 *    looked up by MR in the partial GIN index of unnamed rows. Rows inserted by (3) are not in
 *    this statement's snapshot, hence (3) naming them itself.
 *
 * The parent rows of (1) are visible to the foreign-key checks of (3): they run at the end of the
 * statement (§39.1, AFTER triggers).
 */
export const LAB_BATCH_STATEMENT = `
WITH new_message AS (
  INSERT INTO lab_messages (source_id, sender, control_id, content_hash, result_count)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[])
  ON CONFLICT (source_id, sender, control_id) DO NOTHING
  RETURNING source_id, sender, control_id
), pair AS (
  SELECT p.source_id, p.local_id, p.nam, p.ord
    FROM unnest($6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::int[]) AS p(source_id, sender, control_id, local_id, nam, ord)
    JOIN new_message USING (source_id, sender, control_id)
), result AS (
  SELECT u.*, u.local_ids_literal::text[] AS local_ids
    FROM unnest($12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[], $19::text[], $20::text[],
                $21::text[], $22::text[], $23::text[], $24::text[], $25::text[])
         AS u(id, source_id, sender, control_id, nam, local_ids_literal, code, display, value, unit, reference_range, abnormal_flag, status, observed_at)
    JOIN new_message USING (source_id, sender, control_id)
), inserted AS (
  INSERT INTO lab_results (id, source_id, sender, control_id, nam, local_ids, code, display, value, unit, reference_range, abnormal_flag, status, observed_at, observed_utc)
  SELECT id, source_id, sender, control_id,
         coalesce(nam, (SELECT pair.nam FROM pair WHERE pair.source_id = result.source_id AND pair.local_id = ANY (result.local_ids) ORDER BY pair.ord LIMIT 1)),
         local_ids, code, display, value, unit, reference_range, abnormal_flag, status, observed_at, observed_at::timestamptz
    FROM result
), unnamed AS MATERIALIZED (
  SELECT id, source_id, local_ids FROM lab_results WHERE nam IS NULL AND local_ids && ARRAY(SELECT local_id FROM pair)
), chosen AS (
  SELECT DISTINCT ON (u.id) u.id, pair.nam
    FROM unnamed u JOIN pair ON pair.source_id = u.source_id AND pair.local_id = ANY (u.local_ids)
   ORDER BY u.id, pair.ord
), named AS (
  UPDATE lab_results r SET nam = chosen.nam FROM chosen WHERE r.id = chosen.id AND r.nam IS NULL
)
SELECT source_id, sender, control_id FROM new_message`;

/** The parameters of LAB_BATCH_STATEMENT for the first entry of each key (`index`: its place in the batch). */
export function labBatchParams(firsts: readonly { index: number; entry: LabEntry }[]): unknown[] {
  const messages: unknown[][] = [[], [], [], [], []];
  const pairs: unknown[][] = [[], [], [], [], [], []];
  const results: unknown[][] = Array.from({ length: 14 }, () => []);
  for (const { index, entry } of firsts) {
    const { sourceId, message } = entry;
    const key = [sourceId, message.sender, message.controlId];
    const count = message.patients.reduce((n, group) => n + group.results.length, 0);
    push(messages, [...key, message.contentHash, count]);
    for (const { patient, results: observations } of message.patients) {
      if (patient.nam) for (const localId of patient.localIds) push(pairs, [...key, localId, patient.nam, index]);
      const localIds = arrayLiteral(patient.localIds);
      for (const r of observations) {
        push(results, [
          r.id, ...key, patient.nam ?? null, localIds, r.code, r.display ?? null, r.value ?? null, r.unit ?? null,
          r.referenceRange ?? null, r.abnormalFlag ?? null, r.status ?? null, r.observedAt ?? null,
        ]);
      }
    }
  }
  return [...messages, ...pairs, ...results];
}

function push(columns: unknown[][], row: readonly unknown[]): void {
  row.forEach((value, i) => columns[i].push(value));
}

/**
 * A text[] as its literal (PostgreSQL 15 §8.15.6, Array Input and Output Syntax): each element
 * double-quoted, `"` and `\` backslash-escaped, so commas, braces or quotes in an MR stay data.
 * A per-row array cannot travel inside a column array (unnest would flatten it), hence the literal.
 */
export function arrayLiteral(values: readonly string[]): string {
  return `{${values.map((value) => `"${value.replace(/[\\"]/g, '\\$&')}"`).join(',')}}`;
}
