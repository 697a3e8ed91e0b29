import { DateTime } from 'luxon';
import { appendOnlyTriggers } from '../lib/append-only';
import { migrate, schemaLock } from '../lib/migrate';
import type { Db } from '../lib/db';
import { isValidNam } from '../lib/nam';
import { DEFAULT_TIME_ZONE } from '../lib/time';

/**
 * The refusal register (QHR: « refus de participer au Dossier santé Québec »).
 *
 * Everyone has a shared record unless they refuse. A refusal is recorded ONLINE (by the person,
 * for their own NAM) or by MAIL or PHONE (by a consent clerk), and the person may withdraw it, and
 * refuse again, any number of times. The register is therefore a log of changes, never a flag:
 * every change keeps who recorded it (id and role), the channel, when it took effect and its
 * scope, and no change is ever overwritten or deleted (a trigger refuses UPDATE, DELETE and
 * TRUNCATE). The current state of a person is their latest change.
 *
 * Who may record what (the person online for their own NAM, a clerk by mail or phone) is an
 * authorisation rule enforced by the gateway before it calls `record`; the register keeps what
 * it is told, with the recorder's identity, so the decision can be audited.
 */

export type ConsentStatus = 'ACTIVE' | 'REFUSED';
export type ConsentChannel = 'ONLINE' | 'MAIL' | 'PHONE';
const STATUSES: readonly ConsentStatus[] = ['ACTIVE', 'REFUSED'];
const CHANNELS: readonly ConsentChannel[] = ['ONLINE', 'MAIL', 'PHONE'];

export interface ConsentState {
  nam: string;
  status: ConsentStatus;
  /** How the latest change was received; absent for a NAM that never changed anything. */
  channel?: ConsentChannel;
  /** When the latest change took effect: ISO 8601, Québec time with offset and milliseconds. */
  effectiveAt?: string;
  /** Partial refusal: only what sources recorded before this date (YYYY-MM-DD) stays closed. */
  collectedBefore?: string;
}

export interface ConsentChangeInput {
  nam: string;
  status: ConsentStatus;
  channel: ConsentChannel;
  /** Id of the person (ONLINE) or of the consent clerk (MAIL, PHONE) who recorded the change. */
  recordedBy: string;
  recordedRole: string;
  /** YYYY-MM-DD; only with REFUSED. */
  collectedBefore?: string;
}

export interface ConsentChange extends ConsentChangeInput {
  effectiveAt: string;
}

/** Raised for a change the register will not keep; the message never carries the NAM. */
export class ConsentChangeError extends Error {}

interface ChangeRow {
  nam: string;
  status: ConsentStatus;
  channel: ConsentChannel;
  recorded_by: string;
  recorded_role: string;
  collected_before: string | null;
  effective_at: Date | string;
}

/** Dates are read as text: drivers turn a `date` into a Date at some midnight, which shifts days. */
const COLUMNS = `nam, status, channel, recorded_by, recorded_role,
  to_char(collected_before, 'YYYY-MM-DD') AS collected_before, effective_at`;

const MIGRATION = [
  `CREATE TABLE IF NOT EXISTS consent_changes (
     id bigserial PRIMARY KEY,
     nam text NOT NULL,
     status text NOT NULL CHECK (status IN ('ACTIVE', 'REFUSED')),
     channel text NOT NULL CHECK (channel IN ('ONLINE', 'MAIL', 'PHONE')),
     recorded_by text NOT NULL CHECK (recorded_by <> ''),
     recorded_role text NOT NULL CHECK (recorded_role <> ''),
     collected_before date,
     effective_at timestamptz NOT NULL,
     CHECK (status = 'REFUSED' OR collected_before IS NULL)
   )`,
  // The latest change of one person (current state, gateway hot path) is an index-only descent.
  `CREATE INDEX IF NOT EXISTS consent_changes_latest ON consent_changes (nam, id DESC)`,
  ...appendOnlyTriggers('consent_changes'),
];

/** One lock per person: the check and the insert of a change are atomic per NAM. */
const NAM_LOCK = schemaLock('consent_changes', true);

export class RefusalRegister {
  constructor(private readonly db: Db) {}

  /** Creates the table, index and append-only triggers; safe to run from several instances at once (PostgreSQL 14+). */
  async migrate(): Promise<void> {
    await migrate(this.db, 'consent_changes', MIGRATION);
  }

  /**
   * Records a refusal or its withdrawal and returns the person's state afterwards. Recording the
   * state the person is already in adds no row (a clerk re-entering a letter, a double click):
   * the check and the insert run under a per-NAM lock, so concurrent identical requests add one.
   */
  async record(change: ConsentChangeInput): Promise<ConsentState> {
    validate(change);
    return this.db.transaction(async (tx) => {
      await tx.query(NAM_LOCK, [change.nam]);
      const latest = await tx.query<ChangeRow>(
        `SELECT ${COLUMNS} FROM consent_changes WHERE nam = $1 ORDER BY id DESC LIMIT 1`,
        [change.nam],
      );
      const current = latest.rows[0] ? stateOf(latest.rows[0]) : neverChanged(change.nam);
      if (current.status === change.status && current.collectedBefore === change.collectedBefore) return current;
      // The database clock stamps the change, as it stamps access-log entries: "consulted before the
      // refusal took effect" then compares two times from one clock, whichever instance wrote them.
      const inserted = await tx.query<ChangeRow>(
        `INSERT INTO consent_changes (nam, status, channel, recorded_by, recorded_role, collected_before, effective_at)
         VALUES ($1, $2, $3, $4, $5, $6::date, date_trunc('milliseconds', clock_timestamp()))
         RETURNING ${COLUMNS}`,
        [change.nam, change.status, change.channel, change.recordedBy, change.recordedRole, change.collectedBefore ?? null],
      );
      return stateOf(inserted.rows[0]);
    });
  }

  /** The person's current state; a NAM never seen is ACTIVE (everyone has a record unless they refuse). */
  async current(nam: string): Promise<ConsentState> {
    return (await this.currentMany([nam])).get(nam)!;
  }

  /** Current state of each NAM asked for (one query for a whole `patients` request); every NAM is a key. */
  async currentMany(nams: string[]): Promise<Map<string, ConsentState>> {
    const states = new Map<string, ConsentState>();
    const unique = [...new Set(nams)];
    for (const nam of unique) states.set(nam, neverChanged(nam));
    if (unique.length === 0) return states;
    const latest = await this.db.query<ChangeRow>(
      `SELECT DISTINCT ON (nam) ${COLUMNS} FROM consent_changes WHERE nam = ANY($1::text[]) ORDER BY nam, id DESC`,
      [unique],
    );
    for (const row of latest.rows) states.set(row.nam, stateOf(row));
    return states;
  }

  /** Every change the person made, oldest first, with who recorded it, how and when. */
  async history(nam: string): Promise<ConsentChange[]> {
    const rows = await this.db.query<ChangeRow>(`SELECT ${COLUMNS} FROM consent_changes WHERE nam = $1 ORDER BY id`, [nam]);
    return rows.rows.map(changeOf);
  }
}

function validate(change: ConsentChangeInput): void {
  if (typeof change.nam !== 'string' || !isValidNam(change.nam)) {
    throw new ConsentChangeError('consent change: the NAM must be a valid, normalised health insurance number');
  }
  if (!STATUSES.includes(change.status)) throw new ConsentChangeError('consent change: status must be ACTIVE or REFUSED');
  if (!CHANNELS.includes(change.channel)) throw new ConsentChangeError('consent change: channel must be ONLINE, MAIL or PHONE');
  if (!change.recordedBy?.trim() || !change.recordedRole?.trim()) {
    throw new ConsentChangeError('consent change: who recorded it (id and role) is required');
  }
  if (change.collectedBefore === undefined) return;
  // A withdrawal reopens the whole record: it has no scope.
  if (change.status !== 'REFUSED') throw new ConsentChangeError('consent change: only a refusal may be partial (collectedBefore)');
  if (!isCalendarDate(change.collectedBefore)) throw new ConsentChangeError('consent change: collectedBefore must be a real date, YYYY-MM-DD');
}

function isCalendarDate(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && DateTime.fromISO(value, { zone: 'UTC' }).isValid;
}

function neverChanged(nam: string): ConsentState {
  return { nam, status: 'ACTIVE' };
}

/** Milliseconds are kept: callers compare access-log times against this one to the millisecond. */
function isoOf(value: Date | string): string {
  const date = value instanceof Date ? value : new Date(value);
  return DateTime.fromJSDate(date).setZone(DEFAULT_TIME_ZONE).toISO()!;
}

function stateOf(row: ChangeRow): ConsentState {
  return {
    nam: row.nam,
    status: row.status,
    channel: row.channel,
    effectiveAt: isoOf(row.effective_at),
    ...(row.collected_before ? { collectedBefore: row.collected_before } : {}),
  };
}

function changeOf(row: ChangeRow): ConsentChange {
  return {
    nam: row.nam,
    status: row.status,
    channel: row.channel,
    recordedBy: row.recorded_by,
    recordedRole: row.recorded_role,
    effectiveAt: isoOf(row.effective_at),
    ...(row.collected_before ? { collectedBefore: row.collected_before } : {}),
  };
}
