import type { Db } from '../../lib/db';
import { keyOf, type KeyedEntry } from './lab-batch';

/** The message tables keyed by (source, sender, control id) with the body hash kept under each key. */
export type MessageTable = 'lab_messages' | 'pharmacy_messages';

/**
 * The body hash kept under each key of these entries that was not new to a batch, in one query,
 * for telling a resend (`duplicate`) from another body under the same key (`conflict`): see
 * ./lab-batch.ts outcomesOf. Not read in a batch's insert statement: its snapshot predates a
 * concurrent writer whose row made ON CONFLICT skip ours.
 */
export async function keptHashes(tx: Pick<Db, 'query'>, table: MessageTable, entries: readonly KeyedEntry[]): Promise<Map<string, string>> {
  if (entries.length === 0) return new Map();
  const { rows } = await tx.query<{ source_id: string; sender: string; control_id: string; content_hash: string }>(
    `SELECT m.source_id, m.sender, m.control_id, m.content_hash
       FROM ${table} m JOIN unnest($1::text[], $2::text[], $3::text[]) AS k(source_id, sender, control_id) USING (source_id, sender, control_id)`,
    [entries.map((e) => e.sourceId), entries.map((e) => e.message.sender), entries.map((e) => e.message.controlId)],
  );
  return new Map(rows.map((row) => [keyOf(row.source_id, row.sender, row.control_id), row.content_hash]));
}
