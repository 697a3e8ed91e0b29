import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import { appendOnlyTriggers } from '../lib/append-only';
import { migrate, schemaLock } from '../lib/migrate';
import type { Db } from '../lib/db';
import { DOMAINS, type Domain } from '../lib/sources';
import { DEFAULT_TIME_ZONE } from '../lib/time';

/**
 * The access log (QHR: every consultation of a shared record is journalised and the person may
 * see who consulted it). One entry per person per request, written BEFORE any data leaves the
 * gateway: `append` throws when the entry cannot be written, and the caller then returns nothing.
 *
 * The log is append-only (triggers refuse UPDATE, DELETE, TRUNCATE) and tamper-evident: each
 * entry's hash covers all its columns and the previous entry's hash, and `seq` numbers entries
 * 1, 2, 3… without gaps, so an altered, re-hashed or deleted entry breaks the chain from that point.
 * Limit of any hash chain: removing the newest entries leaves a shorter, valid chain; anchoring the
 * head hash outside the database (e.g. a periodic signed note) is what would reveal that.
 */

export type Outcome = 'GRANTED' | 'DENIED';

export interface AccessEntryInput {
  nam: string;
  providerId: string;
  role: string;
  facility?: string;
  domains: Domain[];
  outcome: Outcome;
  /** Defaults to the database clock, the same clock that stamps refusals. */
  at?: Date;
}

export interface AccessEntry {
  seq: number;
  /** ISO 8601, Québec time with offset and milliseconds. */
  at: string;
  nam: string;
  providerId: string;
  role: string;
  facility?: string;
  domains: Domain[];
  outcome: Outcome;
}

export type VerifyResult = { ok: true; entries: number } | { ok: false; entries: number; brokenAt: number; reason: string };

export interface VerifyOptions {
  /** Entries read per query: the log may hold millions. */
  pageSize?: number;
  /** Called after each page with the number of entries checked so far. */
  onProgress?: (checked: number) => void;
}

/** Raised when entries could not be written; fixed phrase, never the entry (it names a person). */
export class AccessLogWriteError extends Error {
  constructor(
    reason = 'the entries could not be written',
    /** SQLSTATE of the database error, when there was one (no values, unlike its detail). */
    readonly sqlState?: string,
  ) {
    super(`access log: ${reason}`);
    this.name = 'AccessLogWriteError';
  }
}

/** prev_hash of entry 1. */
export const GENESIS_HASH = '0'.repeat(64);
const HASH_FORMAT = 'qhr-access-log-v1';

interface Row {
  seq: number | string;
  at: Date | string;
  nam: string;
  provider_id: string;
  role: string;
  facility: string | null;
  domains: string[];
  outcome: Outcome;
  prev_hash: string;
  hash: string;
}

/**
 * sha256 over a JSON array in a fixed field order: every column but `hash`, the time as UTC ISO
 * with milliseconds. Exported so the verification command and tests compute exactly the same.
 */
export function entryHash(row: Omit<Row, 'hash'>): string {
  const canonical = JSON.stringify([
    HASH_FORMAT,
    String(row.seq),
    toDate(row.at).toISOString(),
    row.nam,
    row.provider_id,
    row.role,
    row.facility ?? null,
    row.domains,
    row.outcome,
    row.prev_hash,
  ]);
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

const MIGRATION = [
  // seq is assigned by the appender under the lock, not by a sequence: a sequence value used by a
  // rolled-back append would leave a gap that verification could not tell from a deleted entry.
  `CREATE TABLE IF NOT EXISTS access_log (
     seq bigint PRIMARY KEY CHECK (seq > 0),
     at timestamptz NOT NULL,
     nam text NOT NULL,
     provider_id text NOT NULL,
     role text NOT NULL,
     facility text,
     domains text[] NOT NULL,
     outcome text NOT NULL CHECK (outcome IN ('GRANTED', 'DENIED')),
     prev_hash text NOT NULL,
     hash text NOT NULL
   )`,
  // A person's own log (accessLog(nam, since)).
  `CREATE INDEX IF NOT EXISTS access_log_person ON access_log (nam, at)`,
  // "Did this provider consult this record before the refusal?" looks at granted entries only.
  `CREATE INDEX IF NOT EXISTS access_log_granted ON access_log (provider_id, nam, at) WHERE outcome = 'GRANTED'`,
  ...appendOnlyTriggers('access_log'),
];

const APPEND_LOCK = schemaLock('access_log.append');

const SELECT_ROW = `seq, at, nam, provider_id, role, facility, domains, outcome, prev_hash, hash`;
/** 10 bind parameters per row; a statement takes at most 65,535. */
const ROWS_PER_INSERT = 1000;

export class AccessLog {
  constructor(private readonly db: Db) {}

  /** Creates the table, indexes and append-only triggers; safe from several instances (PostgreSQL 14+). */
  async migrate(): Promise<void> {
    await migrate(this.db, 'access_log', MIGRATION);
  }

  /**
   * Appends the entries of one request in one transaction, chained. Appends from every gateway
   * instance are serialised by a lock taken before reading the last hash, so the chain stays one
   * line. Throws AccessLogWriteError when anything fails: the caller must then return no data.
   */
  async append(entries: AccessEntryInput[]): Promise<void> {
    if (entries.length === 0) return;
    const why = entries.map(flaw).find(Boolean);
    if (why) throw new AccessLogWriteError(why);
    try {
      await this.db.transaction(async (tx) => {
        await tx.query(APPEND_LOCK);
        const last = await tx.query<{ seq: number | string; hash: string }>(`SELECT seq, hash FROM access_log ORDER BY seq DESC LIMIT 1`);
        const clock = await tx.query<{ now: Date | string }>(`SELECT date_trunc('milliseconds', clock_timestamp()) AS now`);
        const rows = chain(entries, last.rows[0], toDate(clock.rows[0].now));
        for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) await insert(tx, rows.slice(start, start + ROWS_PER_INSERT));
      });
    } catch (error) {
      // The database error's detail may quote the row (a NAM): only its SQLSTATE travels on.
      throw new AccessLogWriteError(undefined, (error as { code?: string }).code);
    }
  }

  /**
   * One person's log, newest first (what the person reads first is the latest consultation).
   * `since`: an ISO date-time with offset, or a date YYYY-MM-DD meaning the start of that day in
   * Québec time.
   */
  async forPerson(nam: string, since?: string): Promise<AccessEntry[]> {
    const from = since === undefined ? null : startOf(since);
    const result = await this.db.query<Row>(
      `SELECT ${SELECT_ROW} FROM access_log WHERE nam = $1 AND ($2::timestamptz IS NULL OR at >= $2::timestamptz)
       ORDER BY at DESC, seq DESC`,
      [nam, from],
    );
    return result.rows.map(entryOf);
  }

  /**
   * Which of these NAMs the provider had a GRANTED entry for strictly before the given time: one
   * time for all, or one per NAM (each person's refusal took effect at its own time; a NAM missing
   * from the map is left out). QHR: after a refusal the record stays open only to a provider who
   * consulted it before the refusal took effect.
   */
  async consultedBefore(providerId: string, nams: string[], before: Map<string, string> | string): Promise<Set<string>> {
    const pairs = [...new Set(nams)]
      .map((nam) => [nam, typeof before === 'string' ? before : before.get(nam)] as const)
      .filter((pair): pair is readonly [string, string] => pair[1] !== undefined);
    if (pairs.length === 0) return new Set();
    const times = pairs.map((pair) => toDate(pair[1]));
    if (times.some((time) => Number.isNaN(time.getTime()))) throw new RangeError('access log: a refusal time is not an ISO date-time');
    const result = await this.db.query<{ nam: string }>(
      `SELECT b.nam FROM unnest($2::text[], $3::timestamptz[]) AS b(nam, before)
       WHERE EXISTS (SELECT 1 FROM access_log l
                     WHERE l.provider_id = $1 AND l.nam = b.nam AND l.outcome = 'GRANTED' AND l.at < b.before)`,
      [providerId, pairs.map((pair) => pair[0]), times],
    );
    return new Set(result.rows.map((row) => row.nam));
  }

  /**
   * Walks the chain in seq order, a page at a time, and stops at the first broken link: a missing
   * seq (deleted entry), a prev_hash that is not the previous entry's hash, or a hash that does not
   * match the entry's columns. `entries` counts the intact entries before the break.
   */
  async verify(options: VerifyOptions = {}): Promise<VerifyResult> {
    const pageSize = options.pageSize ?? 5000;
    let expectedSeq = 1;
    let previousHash = GENESIS_HASH;
    for (;;) {
      const page = await this.db.query<Row>(`SELECT ${SELECT_ROW} FROM access_log WHERE seq >= $1 ORDER BY seq LIMIT $2`, [expectedSeq, pageSize]);
      for (const row of page.rows) {
        const reason = brokenLink(row, expectedSeq, previousHash);
        if (reason) return { ok: false, entries: expectedSeq - 1, brokenAt: expectedSeq, reason };
        previousHash = row.hash;
        expectedSeq += 1;
      }
      options.onProgress?.(expectedSeq - 1);
      if (page.rows.length < pageSize) return { ok: true, entries: expectedSeq - 1 };
    }
  }
}

function brokenLink(row: Row, expectedSeq: number, previousHash: string): string | undefined {
  if (Number(row.seq) !== expectedSeq) return 'entry missing';
  if (row.prev_hash !== previousHash) return 'link to the previous entry broken';
  if (entryHash(row) !== row.hash) return 'hash mismatch';
  return undefined;
}

/** Why an entry cannot be kept, if it cannot: checked before anything is written. */
function flaw(entry: AccessEntryInput): string | undefined {
  if (!entry.nam || !entry.providerId || !entry.role) return 'an entry needs a NAM, a provider id and a role';
  if (entry.outcome !== 'GRANTED' && entry.outcome !== 'DENIED') return 'outcome must be GRANTED or DENIED';
  if (!Array.isArray(entry.domains) || entry.domains.some((domain) => !DOMAINS.includes(domain))) return 'unknown domain';
  if (entry.at !== undefined && !(entry.at instanceof Date && !Number.isNaN(entry.at.getTime()))) return 'invalid time';
  return undefined;
}

/** Gives each entry its seq, time and hash, each one chained to the one before. */
function chain(entries: AccessEntryInput[], last: { seq: number | string; hash: string } | undefined, now: Date): Row[] {
  let seq = last ? Number(last.seq) : 0;
  let prevHash = last ? last.hash : GENESIS_HASH;
  return entries.map((entry) => {
    seq += 1;
    const fields = {
      seq,
      at: entry.at ? new Date(entry.at.getTime()) : now,
      nam: entry.nam,
      provider_id: entry.providerId,
      role: entry.role,
      facility: entry.facility ?? null,
      // Canonical: each domain once, in contract order, so the same request always hashes the same.
      domains: DOMAINS.filter((domain) => entry.domains.includes(domain)),
      outcome: entry.outcome,
      prev_hash: prevHash,
    };
    prevHash = entryHash(fields);
    return { ...fields, hash: prevHash };
  });
}

async function insert(tx: Pick<Db, 'query'>, rows: Row[]): Promise<void> {
  const params: unknown[] = [];
  const tuples = rows.map((row, index) => {
    params.push(row.seq, row.at, row.nam, row.provider_id, row.role, row.facility, row.domains, row.outcome, row.prev_hash, row.hash);
    const n = index * 10;
    return `($${n + 1}::bigint, $${n + 2}::timestamptz, $${n + 3}, $${n + 4}, $${n + 5}, $${n + 6}, $${n + 7}::text[], $${n + 8}, $${n + 9}, $${n + 10})`;
  });
  await tx.query(
    `INSERT INTO access_log (seq, at, nam, provider_id, role, facility, domains, outcome, prev_hash, hash) VALUES ${tuples.join(', ')}`,
    params,
  );
}

/** A date is the start of that day in Québec time; a date-time must carry its offset. */
function startOf(since: string): Date {
  const parsed = /^\d{4}-\d{2}-\d{2}$/.test(since)
    ? DateTime.fromISO(since, { zone: DEFAULT_TIME_ZONE })
    : /T.+(Z|[+-]\d{2}:\d{2})$/.test(since)
      ? DateTime.fromISO(since, { setZone: true })
      : DateTime.invalid('no offset');
  if (!parsed.isValid) throw new RangeError('access log: since must be YYYY-MM-DD or an ISO date-time with an offset');
  return parsed.toJSDate();
}

function toDate(value: Date | string): Date {
  return value instanceof Date ? value : new Date(value);
}

function entryOf(row: Row): AccessEntry {
  return {
    seq: Number(row.seq),
    at: DateTime.fromJSDate(toDate(row.at)).setZone(DEFAULT_TIME_ZONE).toISO()!,
    nam: row.nam,
    providerId: row.provider_id,
    role: row.role,
    ...(row.facility !== null ? { facility: row.facility } : {}),
    domains: row.domains as Domain[],
    outcome: row.outcome,
  };
}
