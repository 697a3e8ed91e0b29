import { DateTime } from 'luxon';
import type { Db } from '../../lib/db';
import type { Logger } from '../../lib/logger';
import { migrate } from '../../lib/migrate';
import type { SourceConfig } from '../../lib/sources';
import type { MedicationDispenseRecord } from '../../schema/records';
import { facilityOf, type AnswerInvalidation, type LocatorFeed, type PatientRef } from '../port';
import { dispenseParams, DISPENSE_UPSERT, latestOfEachDispense, type DispenseEntry } from './dispense-batch';
import { failureOf } from './handler';
import { GroupCommit } from './group-commit';
import { invalidateAfterCommit } from './invalidate';
import { keptHashes } from './kept-hashes';
import { recordWhereFiled, stalePeople, type FiledPatient } from './filed-patients';
import { firstOfEachKey, keyOf, outcomesOf, type SaveOutcome } from './lab-batch';
import type { CrossReferenceLinks } from './lab-store';
import type { DispenseMessage } from './rds';

/** What the receiver needs from the store (tests give it failing or slow ones). */
export interface DispenseMessageStore {
  saveMessage(sourceId: string, message: DispenseMessage): Promise<SaveOutcome>;
}

export interface DispenseStoreOptions {
  /** Gets PID-3's links in the same transaction as the dispenses. */
  xref?: CrossReferenceLinks;
  /** Gets every NAM in the same transaction, so a stored dispense is never invisible to the locator. */
  locator?: LocatorFeed;
  /** Told after the commit, before the ACK, whose cached answers of a source are stale. */
  invalidation?: AnswerInvalidation;
  logger?: Logger;
  /** Most messages in one transaction. */
  maxBatch?: number;
  invalidationTimeoutMs?: number;
}

type Tx = Pick<Db, 'query'>;

interface DispenseRow {
  id: string;
  nam: string | null;
  local_ids: string[];
  din: string | null;
  name: string;
  dosage_instruction: string | null;
  quantity: string;
  days_supply: number | null;
  dispensed_at: string;
}

/**
 * The pharmacy dispenses received over MLLP (RDS^O13), durable before they are acknowledged, by
 * the lab store's design (./lab-store.ts): messages saved at the same time from any connection go
 * into one transaction of a fixed number of statements (./group-commit.ts), with PID-3's
 * cross-reference links and the record locator's entries; the answer cache is told before the ACK.
 *
 * Two keys:
 * - the message, (source, MSH-3|MSH-4, MSH-10): a resend is a `duplicate` (acknowledged again,
 *   applied once), the same key with another body a `conflict` (AE), as for lab messages;
 * - the dispense, (source, RXD-7, RXD-1): the same dispense in a later message replaces it (a
 *   correction), or withdraws it (ORC-1 OC/CR: kept, marked cancelled, no longer served). The same
 *   content again changes nothing.
 */
export class DispenseStore implements DispenseMessageStore {
  private readonly committer: GroupCommit<DispenseEntry, SaveOutcome>;

  constructor(
    private readonly db: Db,
    private readonly options: DispenseStoreOptions = {},
  ) {
    this.committer = new GroupCommit((entries) => this.commitBatch(entries), {
      maxBatch: options.maxBatch,
      onBatchFailure: (error, size) => options.logger?.warn({ messages: size, failure: failureOf(error) }, 'pharmacy batch failed; storing its messages one by one'),
    });
  }

  async migrate(): Promise<void> {
    await migrate(this.db, 'pharmacy', [
      `CREATE TABLE IF NOT EXISTS pharmacy_messages (
        source_id      text NOT NULL,
        sender         text NOT NULL,
        control_id     text NOT NULL,
        content_hash   text NOT NULL,
        dispense_count integer NOT NULL,
        received_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (source_id, sender, control_id)
      )`,
      `CREATE TABLE IF NOT EXISTS pharmacy_dispenses (
        id                 text PRIMARY KEY,
        source_id          text NOT NULL,
        sender             text NOT NULL,
        control_id         text NOT NULL,
        nam                text,
        local_ids          text[] NOT NULL DEFAULT '{}',
        din                text,
        name               text NOT NULL,
        dosage_instruction text,
        quantity           text NOT NULL,
        quantity_unit      text,
        days_supply        integer,
        dispensed_at       text NOT NULL,
        dispensed_utc      timestamptz NOT NULL,
        cancelled          boolean NOT NULL DEFAULT false,
        content_hash       text NOT NULL,
        updated_at         timestamptz NOT NULL DEFAULT now()
      )`,
      'CREATE INDEX IF NOT EXISTS pharmacy_dispenses_nam ON pharmacy_dispenses (source_id, nam)',
      // As lab_results: only the MR-only rows are ever found by local id.
      'CREATE INDEX IF NOT EXISTS pharmacy_dispenses_unnamed_local_ids ON pharmacy_dispenses USING gin (local_ids) WITH (fastupdate = off) WHERE nam IS NULL',
    ]);
  }

  /** Messages waiting for the next commit. */
  get waiting(): number {
    return this.committer.waiting;
  }

  /** Stores a message's dispenses, or nothing when its key is stored already; resolves after the commit. */
  saveMessage(sourceId: string, message: DispenseMessage): Promise<SaveOutcome> {
    return this.committer.submit({ sourceId, message });
  }

  /** The one-time locator back-fill of a pharmacy source (RecordLocator.backfillOnce). */
  async locateStored(tx: Tx, sourceId: string): Promise<void> {
    await tx.query(
      `INSERT INTO record_locations (nam, source_id, via)
       SELECT DISTINCT nam, source_id, 'hl7' FROM pharmacy_dispenses WHERE source_id = $1 AND nam IS NOT NULL
       ON CONFLICT (nam, source_id) DO NOTHING`,
      [sourceId],
    );
  }

  private async commitBatch(entries: DispenseEntry[]): Promise<SaveOutcome[]> {
    const outcomes = await this.db.transaction((tx) => this.writeBatch(tx, entries));
    // A resend is invalidated too: its first copy may have committed without reaching the cache.
    // Without a cache to tell, whose answers went stale is not worked out (it may read the cross-reference).
    if (this.options.invalidation) {
      const changed = await this.changedPeople(entries.filter((_, i) => outcomes[i] !== 'conflict'));
      await invalidateAfterCommit(this.options.invalidation, changed, { timeoutMs: this.options.invalidationTimeoutMs, logger: this.options.logger, what: 'a pharmacy batch' });
    }
    return outcomes;
  }

  /** Messages, then the dispenses of the new ones, then links and locations: five statements whatever the batch. */
  private async writeBatch(tx: Tx, entries: DispenseEntry[]): Promise<SaveOutcome[]> {
    const firsts = firstOfEachKey(entries);
    const { rows } = await tx.query<{ source_id: string; sender: string; control_id: string }>(
      `INSERT INTO pharmacy_messages (source_id, sender, control_id, content_hash, dispense_count)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[])
       ON CONFLICT (source_id, sender, control_id) DO NOTHING
       RETURNING source_id, sender, control_id`,
      columns(firsts.map(({ entry: { sourceId, message: m } }) => [sourceId, m.sender, m.controlId, m.contentHash, m.dispenses.length])),
    );
    const inserted = new Set(rows.map((row) => keyOf(row.source_id, row.sender, row.control_id)));
    const earlier = await keptHashes(tx, 'pharmacy_messages', firsts.filter(({ key }) => !inserted.has(key)).map(({ entry }) => entry));
    const outcomes = outcomesOf(entries, inserted, earlier);
    const stored = entries.filter((_, i) => outcomes[i] === 'stored');
    const dispenses = latestOfEachDispense(stored);
    if (dispenses.length > 0) await tx.query(DISPENSE_UPSERT, dispenseParams(dispenses));
    await recordWhereFiled(tx, dispensePatients(stored), this.options);
    return outcomes;
  }

  /** The NAMs the entries are filed under, and for MR-only ones the NAM the cross-reference now gives their MRs. */
  private changedPeople(entries: DispenseEntry[]): Promise<Map<string, string[]>> {
    return stalePeople(dispensePatients(entries), this.options.xref, (error) =>
      this.options.logger?.warn({ failure: failureOf(error) }, 'cross-reference lookup failed; MR-only dispenses invalidated by NAM only'),
    );
  }

  /**
   * Dispenses per NAM for the people asked, cancelled ones left out. As lab results: a row with a
   * NAM is matched by NAM only, a row without one by the local id the cross-reference gave the
   * caller. `since` is a calendar date in the source's zone.
   */
  async dispensesFor(source: SourceConfig, refs: readonly PatientRef[], since?: string): Promise<Map<string, MedicationDispenseRecord[]>> {
    const byNam = new Map<string, MedicationDispenseRecord[]>();
    if (refs.length === 0) return byNam;
    const nams = [...new Set(refs.map((r) => r.nam))];
    const localIds = [...new Set(refs.flatMap((r) => (r.localId ? [r.localId] : [])))];
    const from = since ? DateTime.fromISO(since, { zone: source.timeZone }).startOf('day').toISO() : null;
    if (since && !from) throw new RangeError('since is not a calendar date');
    const { rows } = await this.db.query<DispenseRow>(
      `SELECT id, nam, local_ids, din, name, dosage_instruction, quantity, days_supply, dispensed_at
         FROM pharmacy_dispenses
        WHERE source_id = $1 AND NOT cancelled
          AND (nam = ANY($2::text[]) OR (nam IS NULL AND local_ids && $3::text[]))
          AND ($4::timestamptz IS NULL OR dispensed_utc >= $4::timestamptz)
        ORDER BY dispensed_utc DESC, id`,
      [source.id, nams, localIds, from],
    );
    const pharmacy = facilityOf(source);
    for (const row of rows) {
      const owners = row.nam ? [row.nam] : refs.filter((r) => r.localId && row.local_ids.includes(r.localId)).map((r) => r.nam);
      for (const nam of new Set(owners)) {
        if (!nams.includes(nam)) continue;
        byNam.set(nam, [...(byNam.get(nam) ?? []), recordOf(row, pharmacy)]);
      }
    }
    return byNam;
  }
}

function recordOf(row: DispenseRow, pharmacy: MedicationDispenseRecord['pharmacy']): MedicationDispenseRecord {
  const record: MedicationDispenseRecord = { id: row.id, name: row.name, dispensedAt: row.dispensed_at, pharmacy };
  if (row.din !== null) record.din = row.din;
  if (row.dosage_instruction !== null) record.dosageInstruction = row.dosage_instruction;
  record.quantity = Number(row.quantity);
  if (row.days_supply !== null) record.daysSupply = row.days_supply;
  return record;
}

/** The person each entry files its dispenses under: its PID (./filed-patients.ts). */
const dispensePatients = (entries: readonly DispenseEntry[]): FiledPatient[] => entries.map(({ sourceId, message }) => ({ sourceId, ...message.patient }));

/** Rows as column arrays, for `unnest`. */
function columns(rows: readonly unknown[][]): unknown[][] {
  const width = rows[0]?.length ?? 5;
  return Array.from({ length: width }, (_, i) => rows.map((row) => row[i]));
}
