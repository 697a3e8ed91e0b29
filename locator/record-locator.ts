import type { LocatorCorrections } from '../adapters/port';
import type { Db } from '../lib/db';
import { migrate } from '../lib/migrate';

/**
 * The record locator (like an IHE XDS registry): which sources hold data for which person, so a
 * view asks only those sources instead of every source of a domain. It is fed as data arrives:
 * the HL7 v2 listener at each message (in the same transaction as the results), the
 * cross-reference (a source that has a local id for a person holds them), and the roster reads of
 * the pull sources on a schedule (locator/roster-reads.ts).
 *
 * It is personal health information (it says where a person is treated): it is read only by the
 * patient index, for records the gateway's consent rules granted, and never logged or counted
 * per person.
 */
export interface RosterState {
  sourceId: string;
  /** Where the next incremental read starts (opaque: the roster reader's). */
  cursor?: string;
  /** When the last successful read began: the locator knows this source as of then. */
  readAt?: Date;
  /** When the first complete read (or, for a push source, the back-fill) finished. Until then the source is not covered. */
  completeAt?: Date;
  failures: number;
}

/** A source holding data for a person, with its own id for them when it files people under local ids. */
export interface RecordLocation {
  source: string;
  localId?: string;
}

const MIGRATION = [
  `CREATE TABLE IF NOT EXISTS record_locations (
     nam        text NOT NULL,
     source_id  text NOT NULL,
     via        text NOT NULL CHECK (via IN ('hl7', 'xref', 'roster')),
     first_seen timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (nam, source_id)
   )`,
  `CREATE TABLE IF NOT EXISTS locator_rosters (
     source_id    text PRIMARY KEY,
     cursor       text,
     read_at      timestamptz,
     complete_at  timestamptz,
     attempted_at timestamptz,
     failures     integer NOT NULL DEFAULT 0,
     last_failure text,
     lease_owner  text,
     lease_until  timestamptz
   )`,
];

interface RosterRow {
  source_id: string;
  cursor: string | null;
  read_at: Date | string | null;
  complete_at: Date | string | null;
  failures: number;
}

const dateOf = (value: Date | string | null) => (value === null ? undefined : value instanceof Date ? value : new Date(value));

export class RecordLocator implements LocatorCorrections {
  constructor(private readonly db: Pick<Db, 'query' | 'transaction'>) {}

  async migrate(): Promise<void> {
    await migrate(this.db, 'record_locator', MIGRATION);
  }

  async holds(sourceId: string, nams: readonly string[], via: 'hl7' | 'xref' | 'roster', tx: Pick<Db, 'query'> = this.db): Promise<void> {
    if (nams.length === 0) return;
    // DO NOTHING, not DO UPDATE: a message for someone already located writes nothing (2,000 a second must stay cheap).
    // In NAM order: two writers (lab listeners, roster readers) inserting the same people lock them in one order, never deadlock.
    await tx.query(
      `INSERT INTO record_locations (nam, source_id, via) SELECT DISTINCT n, $2, $3 FROM unnest($1::text[]) AS n ORDER BY n ON CONFLICT (nam, source_id) DO NOTHING`,
      [nams, sourceId, via],
    );
  }

  /**
   * These people no longer have data at this source: an HL7 v2 merge (ADT^A40) moved everything the
   * source had filed under a prior patient to the survivor. Only push sources correct the locator
   * so; a pull source's person stays located until the protocol can say otherwise (README).
   */
  async forget(sourceId: string, nams: readonly string[], tx: Pick<Db, 'query'> = this.db): Promise<void> {
    if (nams.length === 0) return;
    await tx.query('DELETE FROM record_locations WHERE source_id = $1 AND nam = ANY($2::text[])', [sourceId, [...new Set(nams)]]);
  }

  /** The sources holding each person asked (a person held by none is absent). One query for a whole batch. */
  async holdersOf(nams: readonly string[]): Promise<Map<string, string[]>> {
    const holders = new Map<string, string[]>();
    if (nams.length === 0) return holders;
    const { rows } = await this.db.query<{ nam: string; source_id: string }>(
      'SELECT nam, source_id FROM record_locations WHERE nam = ANY($1::text[])',
      [[...new Set(nams)]],
    );
    for (const row of rows) {
      const list = holders.get(row.nam);
      if (list) list.push(row.source_id);
      else holders.set(row.nam, [row.source_id]);
    }
    return holders;
  }

  /**
   * Where each person's records are, for the domain subgraphs: every source the locator names, and
   * every source the cross-reference links (a source that files the person under its own id holds
   * them), with that id. One query for a whole batch.
   */
  async locationsOf(nams: readonly string[]): Promise<Map<string, RecordLocation[]>> {
    const locations = new Map<string, RecordLocation[]>();
    if (nams.length === 0) return locations;
    const { rows } = await this.db.query<{ nam: string; source_id: string; local_id: string | null }>(
      `SELECT nam, source_id, local_id FROM patient_xref WHERE nam = ANY($1::text[])
       UNION ALL
       SELECT l.nam, l.source_id, NULL FROM record_locations l
        WHERE l.nam = ANY($1::text[]) AND NOT EXISTS (SELECT 1 FROM patient_xref x WHERE x.nam = l.nam AND x.source_id = l.source_id)
       ORDER BY 1, 2, 3`,
      [[...new Set(nams)]],
    );
    for (const row of rows) {
      const location: RecordLocation = row.local_id === null ? { source: row.source_id } : { source: row.source_id, localId: row.local_id };
      const list = locations.get(row.nam);
      if (list) list.push(location);
      else locations.set(row.nam, [location]);
    }
    return locations;
  }

  /** What the locator knows of each source's roster (one row per source it has read or tried). */
  async rosterStates(): Promise<Map<string, RosterState>> {
    const { rows } = await this.db.query<RosterRow>('SELECT source_id, cursor, read_at, complete_at, failures FROM locator_rosters');
    return new Map(rows.map((row) => [row.source_id, { sourceId: row.source_id, cursor: row.cursor ?? undefined, readAt: dateOf(row.read_at), completeAt: dateOf(row.complete_at), failures: row.failures }]));
  }

  /**
   * Claims the next read of a source's roster for `owner` when it is due (its last attempt is
   * older than `intervalMs`) and no other reader holds a live lease on it: several roster
   * readers may run, each source is read by one at a time. Returns where to start, or undefined.
   */
  async claim(sourceId: string, owner: string, intervalMs: number, leaseMs: number): Promise<{ cursor?: string } | undefined> {
    await this.db.query('INSERT INTO locator_rosters (source_id) VALUES ($1) ON CONFLICT (source_id) DO NOTHING', [sourceId]);
    const { rows } = await this.db.query<{ cursor: string | null }>(
      `UPDATE locator_rosters SET lease_owner = $2, lease_until = now() + $4 * interval '1 millisecond', attempted_at = now()
        WHERE source_id = $1
          AND (lease_until IS NULL OR lease_until < now())
          AND (attempted_at IS NULL OR attempted_at <= now() - $3 * interval '1 millisecond')
        RETURNING cursor`,
      [sourceId, owner, intervalMs, leaseMs],
    );
    return rows[0] ? { cursor: rows[0].cursor ?? undefined } : undefined;
  }

  /** Records a completed read: the cursor to start from next time, and when this read began. */
  async finish(sourceId: string, owner: string, read: { cursor: string; startedAt: Date }): Promise<void> {
    await this.db.query(
      `UPDATE locator_rosters SET cursor = $3, read_at = $4, complete_at = coalesce(complete_at, now()), failures = 0, last_failure = NULL,
              lease_owner = NULL, lease_until = NULL
        WHERE source_id = $1 AND lease_owner = $2`,
      [sourceId, owner, read.cursor, read.startedAt],
    );
  }

  /** Records a failed read (a category, never a source's words); the cursor stays where it was. */
  async fail(sourceId: string, owner: string, failure: string): Promise<void> {
    await this.db.query(
      `UPDATE locator_rosters SET failures = failures + 1, last_failure = $3, lease_owner = NULL, lease_until = NULL
        WHERE source_id = $1 AND lease_owner = $2`,
      [sourceId, owner, failure],
    );
  }

  /**
   * A push source (HL7 v2) is covered once what it sent before the locator existed is located:
   * `backfill` runs once (it inserts from the source's own store) and marks the source complete.
   */
  async backfillOnce(sourceId: string, backfill: (tx: Pick<Db, 'query'>) => Promise<void>): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query('INSERT INTO locator_rosters (source_id) VALUES ($1) ON CONFLICT (source_id) DO NOTHING', [sourceId]);
      const { rows } = await tx.query<{ complete_at: Date | null }>('SELECT complete_at FROM locator_rosters WHERE source_id = $1 FOR UPDATE', [sourceId]);
      if (rows[0]?.complete_at) return;
      await backfill(tx);
      await tx.query('UPDATE locator_rosters SET complete_at = now(), read_at = now() WHERE source_id = $1', [sourceId]);
    });
  }
}
