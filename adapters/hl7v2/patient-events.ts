import type { Db } from '../../lib/db';
import type { Logger } from '../../lib/logger';
import { migrate } from '../../lib/migrate';
import type { AnswerInvalidation, CrossReferenceUpdates, LocatorCorrections } from '../port';
import type { Merge, PatientEventHeader, PatientMerge, PatientUpdate } from './adt';
import { invalidateAfterCommit } from './invalidate';
import type { SaveOutcome } from './lab-batch';

type Tx = Pick<Db, 'query'>;

/** What an event changed, in counts (the audit keeps these and nothing that names a person). */
export interface EventCounts {
  linksAdded: number;
  linksChanged: number;
  linksRemoved: number;
  recordsMoved: number;
}

export interface EventOutcome {
  saved: SaveOutcome;
  counts: EventCounts;
}

/** What the ADT handlers need (tests give it failing ones). */
export interface PatientEventStore {
  update(sourceId: string, message: PatientUpdate): Promise<EventOutcome>;
  merge(sourceId: string, message: PatientMerge): Promise<EventOutcome>;
}

export interface PatientEventsOptions {
  xref: CrossReferenceUpdates;
  locator: LocatorCorrections;
  /** Told after the commit, before the ACK, whose cached answers of the source are stale. */
  invalidation?: AnswerInvalidation;
  logger?: Logger;
  /**
   * The tables of records a source pushed, filed by NAM and local ids (`nam`, `local_ids`,
   * `source_id`): a merge moves their rows. Default: the lab results and the pharmacy dispenses.
   */
  recordTables?: readonly string[];
  invalidationTimeoutMs?: number;
}

const RECORD_TABLES = ['lab_results', 'pharmacy_dispenses'] as const;
const NONE: EventCounts = { linksAdded: 0, linksChanged: 0, linksRemoved: 0, recordsMoved: 0 };

/**
 * Patient administration events from an MLLP source, applied to the cross-reference and to the
 * records the source pushed, one transaction per event:
 *
 * - ADT^A08 (update patient information): PID-3's MRs are linked to its NAM (a link to another NAM
 *   is replaced: the source's correction). A PID-3 without a NAM, or without an MR, links nothing.
 * - ADT^A40 (merge patient identifier list, Ch. 3 §3.3.40): for each PID/MRG pair, the prior MRs
 *   (MRG-1) are retired. Their links are removed; the survivor's MRs (PID-3) are linked to the
 *   survivor's NAM: PID-3's JHN, else the NAM the survivor's MRs are linked to, else the one the
 *   prior MRs were (the link moves). Every record of the source filed under a prior MR (or under
 *   MRG-1's NAM) is refiled under the survivor's MRs and NAM, so it is found under the survivor;
 *   the locator follows: the survivor is located at the source, a prior person who has nothing
 *   left there is not any more.
 *
 * Each event is kept (source, sender, MSH-10, event, body hash, and the counts above: the audit
 * line, without anything naming a person): a resend is a `duplicate` and applied once, so an old
 * merge sent again never undoes a later update. The answer cache of every person concerned is
 * told after the commit.
 */
export class PatientEvents implements PatientEventStore {
  constructor(
    private readonly db: Db,
    private readonly options: PatientEventsOptions,
  ) {}

  async migrate(): Promise<void> {
    await migrate(this.db, 'patient_events', [
      `CREATE TABLE IF NOT EXISTS patient_events (
        source_id     text NOT NULL,
        sender        text NOT NULL,
        control_id    text NOT NULL,
        event         text NOT NULL,
        content_hash  text NOT NULL,
        received_at   timestamptz NOT NULL DEFAULT now(),
        links_added   integer NOT NULL DEFAULT 0,
        links_changed integer NOT NULL DEFAULT 0,
        links_removed integer NOT NULL DEFAULT 0,
        records_moved integer NOT NULL DEFAULT 0,
        PRIMARY KEY (source_id, sender, control_id)
      )`,
    ]);
  }

  update(sourceId: string, message: PatientUpdate): Promise<EventOutcome> {
    return this.apply(sourceId, message, async (tx) => {
      const { nam, localIds } = message.patient;
      if (!nam || localIds.length === 0) return { counts: NONE, stale: [] };
      const before = await this.options.xref.namsFor(sourceId, localIds, tx);
      const { added, relinked } = await this.options.xref.linkMany(
        localIds.map((localId) => ({ sourceId, localId, nam })),
        'hl7',
        tx,
      );
      // The person who had one of these MRs before now loses its records there: both views are stale.
      return { counts: { ...NONE, linksAdded: added, linksChanged: relinked }, stale: [nam, ...before.values()] };
    });
  }

  merge(sourceId: string, message: PatientMerge): Promise<EventOutcome> {
    return this.apply(sourceId, message, async (tx) => {
      const counts = { ...NONE };
      const stale: string[] = [];
      for (const merge of message.merges) {
        const done = await this.mergeOne(tx, sourceId, merge);
        for (const key of Object.keys(counts) as (keyof EventCounts)[]) counts[key] += done.counts[key];
        stale.push(...done.stale);
      }
      return { counts, stale };
    });
  }

  private async mergeOne(tx: Tx, sourceId: string, { survivor, prior }: Merge): Promise<{ counts: EventCounts; stale: string[] }> {
    const { xref, locator } = this.options;
    const priorLinks = await xref.namsFor(sourceId, prior.localIds, tx);
    const survivorLinks = await xref.namsFor(sourceId, survivor.localIds, tx);
    const priorNams = new Set([...priorLinks.values(), ...(prior.nam ? [prior.nam] : [])]);
    const nam = survivor.nam ?? single(survivorLinks.values()) ?? single(priorNams.values());

    const removed = await xref.unlinkMany(sourceId, prior.localIds, tx);
    const links = nam ? survivor.localIds.map((localId) => ({ sourceId, localId, nam })) : [];
    const { added, relinked } = links.length > 0 ? await xref.linkMany(links, 'hl7', tx) : { added: 0, relinked: 0 };

    let moved = 0;
    for (const table of this.options.recordTables ?? RECORD_TABLES) {
      const { rows } = await tx.query<{ n: number }>(moveStatement(table), [sourceId, prior.localIds, survivor.localIds, nam ?? null, prior.nam ?? null]);
      moved += rows[0]?.n ?? 0;
    }
    if (nam && moved > 0) await locator.holds(sourceId, [nam], 'hl7', tx);
    const gone = [];
    for (const priorNam of priorNams) if (priorNam !== nam && !(await this.holdsAny(tx, sourceId, priorNam))) gone.push(priorNam);
    await locator.forget(sourceId, gone, tx);
    const stale = [...priorNams, ...survivorLinks.values(), ...(nam ? [nam] : [])];
    return { counts: { linksAdded: added, linksChanged: relinked, linksRemoved: removed.size, recordsMoved: moved }, stale };
  }

  /** Whether the source still has a record filed under this NAM (in any record table). */
  private async holdsAny(tx: Tx, sourceId: string, nam: string): Promise<boolean> {
    const tables = this.options.recordTables ?? RECORD_TABLES;
    const { rows } = await tx.query<{ held: boolean }>(
      `SELECT ${tables.map((t) => `EXISTS (SELECT 1 FROM ${t} WHERE source_id = $1 AND nam = $2)`).join(' OR ')} AS held`,
      [sourceId, nam],
    );
    return rows[0]?.held === true;
  }

  /** One event in one transaction, kept by its key; the cache told after the commit. */
  private async apply(
    sourceId: string,
    message: PatientEventHeader & { event: string },
    work: (tx: Tx) => Promise<{ counts: EventCounts; stale: string[] }>,
  ): Promise<EventOutcome> {
    const key = [sourceId, message.sender, message.controlId];
    const result = await this.db.transaction(async (tx): Promise<{ saved: SaveOutcome; counts: EventCounts; stale: string[] }> => {
      const { rows } = await tx.query(
        `INSERT INTO patient_events (source_id, sender, control_id, event, content_hash) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (source_id, sender, control_id) DO NOTHING RETURNING control_id`,
        [...key, message.event, message.contentHash],
      );
      if (rows.length === 0) {
        const earlier = await tx.query<{ content_hash: string }>('SELECT content_hash FROM patient_events WHERE source_id = $1 AND sender = $2 AND control_id = $3', key);
        return { saved: earlier.rows[0]?.content_hash === message.contentHash ? 'duplicate' : 'conflict', counts: NONE, stale: [] };
      }
      const { counts, stale } = await work(tx);
      await tx.query(
        'UPDATE patient_events SET links_added = $4, links_changed = $5, links_removed = $6, records_moved = $7 WHERE source_id = $1 AND sender = $2 AND control_id = $3',
        [...key, counts.linksAdded, counts.linksChanged, counts.linksRemoved, counts.recordsMoved],
      );
      return { saved: 'stored', counts, stale };
    });
    const stale = [...new Set(result.stale)].sort();
    await invalidateAfterCommit(this.options.invalidation, new Map([[sourceId, stale]]), {
      timeoutMs: this.options.invalidationTimeoutMs,
      logger: this.options.logger,
      what: `an ADT^${message.event}`,
    });
    return { saved: result.saved, counts: result.counts };
  }
}

/** The one value of a list, or undefined when it has none or several different ones. */
function single(values: Iterable<string>): string | undefined {
  const distinct = new Set(values);
  return distinct.size === 1 ? [...distinct][0] : undefined;
}

/**
 * Refiles a source's rows of one record table from the prior patient to the survivor: rows that
 * carry a prior MR ($2), or MRG-1's NAM ($5), get the survivor's MRs ($3) in place of the prior
 * ones and the survivor's NAM ($4) when it is known. Returns how many rows moved. The table name
 * is one of ours (RECORD_TABLES or the options), never input.
 */
function moveStatement(table: string): string {
  return `WITH moved AS (
    UPDATE ${table}
       SET local_ids = ARRAY(SELECT DISTINCT id FROM unnest(array_cat(local_ids, $3::text[])) AS id WHERE id <> ALL ($2::text[]) ORDER BY id),
           nam = coalesce($4::text, nam)
     WHERE source_id = $1 AND (local_ids && $2::text[] OR ($5::text IS NOT NULL AND nam = $5::text))
     RETURNING 1
  ) SELECT count(*)::int AS n FROM moved`;
}
