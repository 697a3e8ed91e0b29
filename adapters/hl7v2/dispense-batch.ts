import type { Dispense } from './dispense';
import { arrayLiteral } from './lab-batch-statement';
import type { DispenseMessage } from './rds';

/**
 * The pure part of writing several RDS^O13 messages in one transaction (./dispense-store.ts):
 * which version of each dispense the batch leaves, and the one statement that writes them.
 */

/** One message waiting to be stored, as the receiver hands it over. */
export interface DispenseEntry {
  sourceId: string;
  message: DispenseMessage;
}

/** A dispense with what it is filed under: the row the upsert writes. */
export interface DispenseRowInput {
  sourceId: string;
  sender: string;
  controlId: string;
  nam?: string;
  localIds: string[];
  dispense: Dispense;
}

/**
 * The last version of each dispense among the entries (batch order is arrival order, and a
 * message's ORDER groups are in message order), as if they had been applied one after another:
 * an upsert cannot change one row twice in one statement. Sorted by id, so concurrent batches take
 * their row locks in one order and never deadlock.
 */
export function latestOfEachDispense(entries: readonly DispenseEntry[]): DispenseRowInput[] {
  const latest = new Map<string, DispenseRowInput>();
  for (const { sourceId, message } of entries) {
    for (const dispense of message.dispenses) {
      latest.set(dispense.id, { sourceId, sender: message.sender, controlId: message.controlId, nam: message.patient.nam, localIds: message.patient.localIds, dispense });
    }
  }
  return [...latest.values()].sort((a, b) => (a.dispense.id < b.dispense.id ? -1 : a.dispense.id > b.dispense.id ? 1 : 0));
}

/**
 * Every dispense of the batch in one statement, each column one array parameter (`unnest`), so the
 * SQL never changes with the batch's size. A dispense already stored is replaced by the newer
 * message's version; when nothing differs (same content, same action) the row is left as it is.
 */
export const DISPENSE_UPSERT = `
INSERT INTO pharmacy_dispenses (id, source_id, sender, control_id, nam, local_ids, din, name, dosage_instruction, quantity, quantity_unit, days_supply,
                                dispensed_at, dispensed_utc, cancelled, content_hash)
SELECT id, source_id, sender, control_id, nam, local_ids_literal::text[], din, name, dosage_instruction, quantity, quantity_unit, days_supply,
       dispensed_at, dispensed_at::timestamptz, cancelled, content_hash
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],
              $12::int[], $13::text[], $14::boolean[], $15::text[])
       AS u(id, source_id, sender, control_id, nam, local_ids_literal, din, name, dosage_instruction, quantity, quantity_unit, days_supply,
            dispensed_at, cancelled, content_hash)
ON CONFLICT (id) DO UPDATE SET
  sender = EXCLUDED.sender, control_id = EXCLUDED.control_id, nam = EXCLUDED.nam, local_ids = EXCLUDED.local_ids, din = EXCLUDED.din,
  name = EXCLUDED.name, dosage_instruction = EXCLUDED.dosage_instruction, quantity = EXCLUDED.quantity, quantity_unit = EXCLUDED.quantity_unit,
  days_supply = EXCLUDED.days_supply, dispensed_at = EXCLUDED.dispensed_at, dispensed_utc = EXCLUDED.dispensed_utc,
  cancelled = EXCLUDED.cancelled, content_hash = EXCLUDED.content_hash, updated_at = now()
WHERE pharmacy_dispenses.content_hash <> EXCLUDED.content_hash`;

/** The parameters of DISPENSE_UPSERT. */
export function dispenseParams(rows: readonly DispenseRowInput[]): unknown[][] {
  const columns: unknown[][] = Array.from({ length: 15 }, () => []);
  for (const { sourceId, sender, controlId, nam, localIds, dispense: d } of rows) {
    const row = [
      d.id, sourceId, sender, controlId, nam ?? null, arrayLiteral(localIds), d.din ?? null, d.name, d.dosageInstruction ?? null, d.quantity,
      d.quantityUnit ?? null, d.daysSupply ?? null, d.dispensedAt, d.action === 'cancel', d.contentHash,
    ];
    row.forEach((value, i) => columns[i].push(value));
  }
  return columns;
}
