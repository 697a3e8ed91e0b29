import type { CrossReference, CrossReferenceUpdates } from '../adapters/port';
import type { Db } from '../lib/db';
import { migrate } from '../lib/migrate';

export interface SourceLocalId {
  source: string;
  localId: string;
}

/**
 * How a link was learnt: an HL7 v2 message (PID-3), `npm run xref:import`, a source's roster (a
 * Patient carrying both ids), or a FHIR server's answer to `Patient?identifier=<NAM>` (the two-step
 * search of a server without chained search).
 */
export type LinkOrigin = 'hl7' | 'import' | 'roster' | 'fhir-search';

/**
 * The cross-reference between a NAM and each source's local patient id (IHE PIX-like: ITI-8
 * feeds it, ITI-9 queries it). Fed by HL7 PID-3 repetitions and by `npm run xref:import`.
 * A local id names one person per source; a later link for the same local id replaces the
 * earlier one (a source's correction), and the change is counted in `relinked`.
 */
export class XrefStore implements CrossReference, CrossReferenceUpdates {
  constructor(private readonly db: Pick<Db, 'query' | 'transaction'>) {}

  async migrate(): Promise<void> {
    await migrate(this.db, 'patient_xref', [
      `CREATE TABLE IF NOT EXISTS patient_xref (
        source_id text NOT NULL,
        local_id  text NOT NULL,
        nam       text NOT NULL,
        via       text NOT NULL,
        linked_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (source_id, local_id)
      )`,
      'CREATE INDEX IF NOT EXISTS patient_xref_nam ON patient_xref (nam)',
    ]);
  }

  async link(sourceId: string, localId: string, nam: string, via: LinkOrigin): Promise<void> {
    await this.linkMany([{ sourceId, localId, nam }], via);
  }

  /**
   * Links in one statement; returns how many links were new and how many changed person. With `tx`,
   * written in that transaction (the HL7 v2 listener links PID-3 in the one that stores the results).
   * A (source, local id) must appear once: an upsert cannot change one row twice in one statement.
   */
  async linkMany(
    links: { sourceId: string; localId: string; nam: string }[],
    via: LinkOrigin,
    tx: Pick<Db, 'query'> = this.db,
  ): Promise<{ added: number; relinked: number }> {
    if (links.length === 0) return { added: 0, relinked: 0 };
    const { rows } = await tx.query<{ inserted: boolean; changed: boolean }>(
      `WITH input AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) AS i(source_id, local_id, nam)
       ), previous AS (
         SELECT x.source_id, x.local_id, x.nam FROM patient_xref x JOIN input i USING (source_id, local_id)
       )
       INSERT INTO patient_xref (source_id, local_id, nam, via)
       SELECT source_id, local_id, nam, $4 FROM input
       ON CONFLICT (source_id, local_id) DO UPDATE SET nam = EXCLUDED.nam, via = EXCLUDED.via, linked_at = now()
         WHERE patient_xref.nam <> EXCLUDED.nam
       RETURNING (xmax = 0) AS inserted,
                 EXISTS (SELECT 1 FROM previous p WHERE p.source_id = patient_xref.source_id AND p.local_id = patient_xref.local_id) AS changed`,
      [links.map((l) => l.sourceId), links.map((l) => l.localId), links.map((l) => l.nam), via],
    );
    return { added: rows.filter((r) => r.inserted).length, relinked: rows.filter((r) => !r.inserted && r.changed).length };
  }

  /** The NAM each of these local ids of one source is linked to (ids nobody linked are absent). One query; with `tx`, in that transaction. */
  async namsFor(sourceId: string, localIds: readonly string[], tx: Pick<Db, 'query'> = this.db): Promise<Map<string, string>> {
    if (localIds.length === 0) return new Map();
    const { rows } = await tx.query<{ local_id: string; nam: string }>('SELECT local_id, nam FROM patient_xref WHERE source_id = $1 AND local_id = ANY($2::text[])', [
      sourceId,
      [...new Set(localIds)],
    ]);
    return new Map(rows.map((row) => [row.local_id, row.nam]));
  }

  /**
   * Removes the links of these local ids of one source: an HL7 v2 merge (ADT^A40) retires the prior
   * patient's ids, whose link moves to the surviving id. Returns what each removed id was linked to.
   */
  async unlinkMany(sourceId: string, localIds: readonly string[], tx: Pick<Db, 'query'> = this.db): Promise<Map<string, string>> {
    if (localIds.length === 0) return new Map();
    const { rows } = await tx.query<{ local_id: string; nam: string }>('DELETE FROM patient_xref WHERE source_id = $1 AND local_id = ANY($2::text[]) RETURNING local_id, nam', [
      sourceId,
      [...new Set(localIds)],
    ]);
    return new Map(rows.map((row) => [row.local_id, row.nam]));
  }

  async namFor(sourceId: string, localId: string): Promise<string | undefined> {
    const { rows } = await this.db.query<{ nam: string }>('SELECT nam FROM patient_xref WHERE source_id = $1 AND local_id = $2', [sourceId, localId]);
    return rows[0]?.nam;
  }

  /** Every source's local id for each NAM asked, in one query (the patient index's DataLoader). */
  async localIdsFor(nams: readonly string[]): Promise<Map<string, SourceLocalId[]>> {
    const { rows } = await this.db.query<{ nam: string; source_id: string; local_id: string }>(
      'SELECT nam, source_id, local_id FROM patient_xref WHERE nam = ANY($1::text[]) ORDER BY source_id, local_id',
      [nams],
    );
    const links = new Map<string, SourceLocalId[]>();
    for (const row of rows) links.set(row.nam, [...(links.get(row.nam) ?? []), { source: row.source_id, localId: row.local_id }]);
    return links;
  }
}
