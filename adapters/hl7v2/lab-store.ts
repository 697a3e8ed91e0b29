import { DateTime } from 'luxon';
import type { AnswerInvalidation, CrossReference, LocatorFeed, PatientRef } from '../port';
import { facilityOf } from '../port';
import { migrate } from '../../lib/migrate';
import type { Db } from '../../lib/db';
import type { Logger } from '../../lib/logger';
import type { SourceConfig } from '../../lib/sources';
import type { LabResultRecord } from '../../schema/records';
import { GroupCommit } from './group-commit';
import { failureOf } from './handler';
import { keptHashes } from './kept-hashes';
import { invalidateAfterCommit } from './invalidate';
import { recordWhereFiled, stalePeople } from './filed-patients';
import { firstOfEachKey, keyOf, labPatients, outcomesOf, type LabEntry, type SaveOutcome } from './lab-batch';
import { LAB_BATCH_STATEMENT, labBatchParams } from './lab-batch-statement';
import type { OruMessage } from './oru';

export type { SaveOutcome } from './lab-batch';

/** What the receiver needs from the store (tests give it failing or slow ones). */
export interface LabMessageStore {
  saveMessage(sourceId: string, message: OruMessage): Promise<SaveOutcome>;
}

type Tx = Pick<Db, 'query'>;

/**
 * The cross-reference as the lab store uses it (implemented by locator/cross-reference.ts XrefStore):
 * PID-3's NAM <-> MR links are written in the transaction that stores the results; after the commit,
 * it says whose MR-only results were stored, for the answer cache.
 */
export interface CrossReferenceLinks extends Pick<CrossReference, 'namFor'> {
  linkMany(links: { sourceId: string; localId: string; nam: string }[], via: 'hl7', tx: Tx): Promise<unknown>;
}

export interface LabStoreOptions {
  /** Gets PID-3's links in the same transaction as the results; without it no link is recorded. */
  xref?: CrossReferenceLinks;
  /** Gets every stored NAM in the same transaction, so a stored result is never invisible to the locator. */
  locator?: LocatorFeed;
  /** Told after the commit, before the ACK, whose cached answers of a source are stale. */
  invalidation?: AnswerInvalidation;
  logger?: Logger;
  /** Most messages in one transaction. */
  maxBatch?: number;
  /** How long the ACKs of a batch wait for the cache before it counts as failed. */
  invalidationTimeoutMs?: number;
}

interface ResultRow {
  id: string;
  nam: string | null;
  local_ids: string[];
  code: string;
  display: string | null;
  value: string | null;
  unit: string | null;
  reference_range: string | null;
  abnormal_flag: string | null;
  status: string | null;
  observed_at: string | null;
}

interface KeyRow {
  source_id: string;
  sender: string;
  control_id: string;
}

/**
 * The lab results received over MLLP, durable before they are acknowledged. One row per message
 * (the idempotence key: source, sender = MSH-3|MSH-4, MSH-10) and one per OBX. Results keep the NAM
 * when the message or the cross-reference gave one, and the lab's MRs always, so a person is found
 * by either.
 *
 * Writes are group-committed (./group-commit.ts): the messages being saved at the same time, from
 * any connection of any listener sharing this store, go into one transaction of a fixed number of
 * statements whatever their size, so the WAL is flushed once for all of them (HL7 v2.5.1 Ch. 2
 * §2.9.2: AA only once the receiver has taken responsibility, i.e. after COMMIT).
 */
export class LabStore implements LabMessageStore {
  private readonly committer: GroupCommit<LabEntry, SaveOutcome>;

  constructor(
    private readonly db: Db,
    private readonly options: LabStoreOptions = {},
  ) {
    this.committer = new GroupCommit((entries) => this.commitBatch(entries), {
      maxBatch: options.maxBatch,
      onBatchFailure: (error, size) => options.logger?.warn({ messages: size, failure: failureOf(error) }, 'lab batch failed; storing its messages one by one'),
    });
  }

  async migrate(): Promise<void> {
    await migrate(this.db, 'lab', [
      `CREATE TABLE IF NOT EXISTS lab_messages (
        source_id    text NOT NULL,
        sender       text NOT NULL,
        control_id   text NOT NULL,
        content_hash text NOT NULL,
        result_count integer NOT NULL,
        received_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (source_id, sender, control_id)
      )`,
      `CREATE TABLE IF NOT EXISTS lab_results (
        id              text PRIMARY KEY,
        source_id       text NOT NULL,
        sender          text NOT NULL,
        control_id      text NOT NULL,
        nam             text,
        local_ids       text[] NOT NULL DEFAULT '{}',
        code            text NOT NULL,
        display         text,
        value           text,
        unit            text,
        reference_range text,
        abnormal_flag   text,
        status          text,
        observed_at     text,
        observed_utc    timestamptz,
        FOREIGN KEY (source_id, sender, control_id) REFERENCES lab_messages ON DELETE CASCADE
      )`,
      'CREATE INDEX IF NOT EXISTS lab_results_nam ON lab_results (source_id, nam)',
      // Only the MR-only rows nobody has linked yet: the only rows found by local id (resultsFor's
      // `nam IS NULL AND local_ids && …`, the NAM back-fill of each batch). fastupdate off: a search
      // would otherwise scan GIN's whole pending list (PostgreSQL 15 §70.4.1) at every batch.
      'CREATE INDEX IF NOT EXISTS lab_results_unnamed_local_ids ON lab_results USING gin (local_ids) WITH (fastupdate = off) WHERE nam IS NULL',
      // It replaces the GIN index of every row's MRs, which no query used and every result paid for.
      'DROP INDEX IF EXISTS lab_results_local_ids',
    ]);
  }

  /** Messages waiting for the next commit (a backlog gauge; tests wait on it). */
  get waiting(): number {
    return this.committer.waiting;
  }

  /**
   * Stores a message and all its results, or nothing when (source, sender, MSH-10) is already
   * stored: a resend after a lost ACK is a `duplicate` (acknowledged again, stored once); the same
   * key with another body is a `conflict` (see OruMessage.contentHash). Resolves once the
   * transaction holding it has committed; rejects when this message cannot be stored.
   */
  saveMessage(sourceId: string, message: OruMessage): Promise<SaveOutcome> {
    return this.committer.submit({ sourceId, message });
  }

  /**
   * The one-time locator back-fill of a source (RecordLocator.backfillOnce runs it in its
   * transaction): every NAM this source's stored results carry is located, so results stored
   * before the locator existed are found like the ones stored since.
   */
  async locateStored(tx: Tx, sourceId: string): Promise<void> {
    await tx.query(
      `INSERT INTO record_locations (nam, source_id, via)
       SELECT DISTINCT nam, source_id, 'hl7' FROM lab_results WHERE source_id = $1 AND nam IS NOT NULL
       ON CONFLICT (nam, source_id) DO NOTHING`,
      [sourceId],
    );
  }

  /** One transaction for the batch, then the cache; the outcomes are only returned (and the ACKs sent) after both. */
  private async commitBatch(entries: LabEntry[]): Promise<SaveOutcome[]> {
    const outcomes = await this.db.transaction((tx) => this.writeBatch(tx, entries));
    // A resend is invalidated too: its first copy may have committed without reaching the cache.
    if (this.options.invalidation) await this.invalidate(await this.changedPeople(entries.filter((_, i) => outcomes[i] !== 'conflict')));
    return outcomes;
  }

  /** Whose cached answers these messages make stale, per source (./filed-patients.ts stalePeople). */
  private changedPeople(entries: LabEntry[]): Promise<Map<string, string[]>> {
    return stalePeople(labPatients(entries), this.options.xref, (error) =>
      this.options.logger?.warn({ failure: failureOf(error) }, 'cross-reference lookup failed; MR-only results invalidated by NAM only'),
    );
  }

  /**
   * The batch's statements, a fixed number whatever its size: messages, results and the MR -> NAM
   * back-fill in one (./lab-batch-statement.ts); the bodies already kept under the keys that were
   * not new (only when there are any); the cross-reference links; the locator entries.
   */
  private async writeBatch(tx: Tx, entries: LabEntry[]): Promise<SaveOutcome[]> {
    const firsts = firstOfEachKey(entries);
    const { rows } = await tx.query<KeyRow>(LAB_BATCH_STATEMENT, labBatchParams(firsts));
    const inserted = new Set(rows.map((row) => keyOf(row.source_id, row.sender, row.control_id)));
    const earlier = await keptHashes(tx, 'lab_messages', firsts.filter(({ key }) => !inserted.has(key)).map(({ entry }) => entry));
    const outcomes = outcomesOf(entries, inserted, earlier);
    const stored = entries.filter((_, i) => outcomes[i] === 'stored');
    await recordWhereFiled(tx, labPatients(stored), this.options);
    return outcomes;
  }

  /** Tells the answer cache, per source; a failure or a hang is logged by category and changes no ACK. */
  private invalidate(bySource: Map<string, string[]>): Promise<void> {
    return invalidateAfterCommit(this.options.invalidation, bySource, { timeoutMs: this.options.invalidationTimeoutMs, logger: this.options.logger, what: 'a lab batch' });
  }

  /**
   * Results per NAM for the people asked. A row with a NAM is matched by NAM only; a row without one
   * (an MR-only message nobody has linked yet) by the local id the caller got from the
   * cross-reference. So a wrong or stale link can never show one person's results under another's NAM.
   * `since` is a calendar date in the source's zone (lib/time isOnOrAfter); results without a date are then left out.
   */
  async resultsFor(source: SourceConfig, refs: readonly PatientRef[], since?: string): Promise<Map<string, LabResultRecord[]>> {
    const byNam = new Map<string, LabResultRecord[]>();
    if (refs.length === 0) return byNam;
    const nams = [...new Set(refs.map((r) => r.nam))];
    const localIds = [...new Set(refs.flatMap((r) => (r.localId ? [r.localId] : [])))];
    const from = since ? DateTime.fromISO(since, { zone: source.timeZone }).startOf('day').toISO() : null;
    // An unreadable `since` must not silently widen the answer to everything.
    if (since && !from) throw new RangeError('since is not a calendar date');
    const { rows } = await this.db.query<ResultRow>(
      `SELECT id, nam, local_ids, code, display, value, unit, reference_range, abnormal_flag, status, observed_at
         FROM lab_results
        WHERE source_id = $1
          AND (nam = ANY($2::text[]) OR (nam IS NULL AND local_ids && $3::text[]))
          AND ($4::timestamptz IS NULL OR observed_utc >= $4::timestamptz)
        ORDER BY observed_utc DESC NULLS LAST, id`,
      [source.id, nams, localIds, from],
    );
    const laboratory = facilityOf(source);
    for (const row of rows) {
      const owners = row.nam ? [row.nam] : refs.filter((r) => r.localId && row.local_ids.includes(r.localId)).map((r) => r.nam);
      for (const nam of new Set(owners)) {
        if (!nams.includes(nam)) continue;
        const list = byNam.get(nam) ?? [];
        list.push(recordOf(row, laboratory));
        byNam.set(nam, list);
      }
    }
    return byNam;
  }
}

function recordOf(row: ResultRow, laboratory: LabResultRecord['laboratory']): LabResultRecord {
  const record: LabResultRecord = { id: row.id, code: row.code, laboratory };
  if (row.display !== null) record.display = row.display;
  if (row.value !== null) record.value = row.value;
  if (row.unit !== null) record.unit = row.unit;
  if (row.reference_range !== null) record.referenceRange = row.reference_range;
  if (row.abnormal_flag !== null) record.abnormalFlag = row.abnormal_flag;
  if (row.status !== null) record.status = row.status;
  if (row.observed_at !== null) record.observedAt = row.observed_at;
  return record;
}

