import { DateTime } from 'luxon';
import type { PatientRef } from '../port';
import { facilityOf } from '../port';
import { migrate } from '../../lib/migrate';
import type { Db } from '../../lib/db';
import type { SourceConfig } from '../../lib/sources';
import type { LabResultRecord } from '../../schema/records';
import type { OruMessage } from './oru';

/** `conflict`: the control id is stored already, for a message with another body. */
export type SaveOutcome = 'stored' | 'duplicate' | 'conflict';

/** What the receiver needs from the store (tests give it failing or slow ones). */
export interface LabMessageStore {
  saveMessage(sourceId: string, message: OruMessage): Promise<SaveOutcome>;
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

/**
 * The lab results received over MLLP, durable before they are acknowledged. One row per message
 * (the idempotence key: source, sender = MSH-3|MSH-4, MSH-10) and one per OBX. Results keep the NAM
 * when the message or the cross-reference gave one, and the lab's MRs always, so a person is found
 * by either.
 */
export class LabStore implements LabMessageStore {
  constructor(private readonly db: Db) {}

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
      'CREATE INDEX IF NOT EXISTS lab_results_local_ids ON lab_results USING gin (local_ids)',
    ]);
  }

  /**
   * Stores a message and all its results in one transaction, or nothing when (source, sender,
   * MSH-10) is already stored: a resend after a lost ACK is a `duplicate` (acknowledged again,
   * stored once); the same key with another body is a `conflict` (see OruMessage.contentHash).
   * A message that carries both a NAM and MRs also gives that NAM to the earlier MR-only results
   * of the same MRs, so they are found by NAM from then on.
   */
  async saveMessage(sourceId: string, message: OruMessage): Promise<SaveOutcome> {
    const results = message.patients.flatMap((group) => group.results.map((result) => ({ ...result, patient: group.patient })));
    return this.db.transaction(async (tx) => {
      const inserted = await tx.query(
        `INSERT INTO lab_messages (source_id, sender, control_id, content_hash, result_count) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (source_id, sender, control_id) DO NOTHING RETURNING control_id`,
        [sourceId, message.sender, message.controlId, message.contentHash, results.length],
      );
      if (inserted.rows.length === 0) {
        const { rows } = await tx.query<{ content_hash: string }>(
          'SELECT content_hash FROM lab_messages WHERE source_id = $1 AND sender = $2 AND control_id = $3',
          [sourceId, message.sender, message.controlId],
        );
        return rows[0]?.content_hash === message.contentHash ? 'duplicate' : 'conflict';
      }
      for (const r of results) {
        await tx.query(
          `INSERT INTO lab_results (id, source_id, sender, control_id, nam, local_ids, code, display, value, unit, reference_range,
                                    abnormal_flag, status, observed_at, observed_utc)
           VALUES ($1, $2, $3, $4, $5, $6::text[], $7, $8, $9, $10, $11, $12, $13, $14, $15::timestamptz)`,
          [r.id, sourceId, message.sender, message.controlId, r.patient.nam ?? null, r.patient.localIds, r.code, r.display ?? null, r.value ?? null,
            r.unit ?? null, r.referenceRange ?? null, r.abnormalFlag ?? null, r.status ?? null, r.observedAt ?? null, r.observedAt ?? null],
        );
      }
      for (const { patient } of message.patients) {
        if (!patient.nam || patient.localIds.length === 0) continue;
        await tx.query('UPDATE lab_results SET nam = $1 WHERE source_id = $2 AND nam IS NULL AND local_ids && $3::text[]', [patient.nam, sourceId, patient.localIds]);
      }
      return 'stored';
    });
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
