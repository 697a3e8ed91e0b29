import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { appendOnlyTriggers } from '../lib/append-only';
import type { Db } from '../lib/db';
import { migrate } from '../lib/migrate';
import type { Domain } from '../lib/sources';
import { DEFAULT_TIME_ZONE } from '../lib/time';
import { CURRENT_FORMAT, entryHash, GENESIS_HASH, toDate, type HashFormat } from './access-log-hash';
import { AccessLogWriter, type AccessEntryInput, type Outcome } from './access-log-writer';

export { AccessLogWriteError, type AccessEntryInput, type Outcome } from './access-log-writer';
export { entryHash, GENESIS_HASH } from './access-log-hash';

/**
 * The access log (QHR: every consultation of a shared record is journalised and the person may
 * see who consulted it). One entry per person per request, written BEFORE any data leaves the
 * gateway: `append` rejects when the entry cannot be written, and the caller then returns nothing.
 *
 * The log is append-only (triggers refuse UPDATE, DELETE, TRUNCATE) and tamper-evident: it is a
 * set of hash chains, one per writer (each gateway process starts its own, access_log_chains), in
 * which each entry's hash covers all its columns and the previous entry's hash, and `seq` numbers
 * entries 1, 2, 3… without gaps, so an altered, re-hashed or deleted entry breaks its chain from
 * that point. One chain per writer is what lets every instance write without a global lock.
 * Limit of any hash chain: removing the newest entries leaves a shorter, valid chain; anchoring the
 * heads outside the database is what reveals that.
 */
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

export type VerifyResult =
  | { ok: true; entries: number; chains: number }
  | { ok: false; entries: number; chains: number; chain: string; brokenAt: number; reason: string };

export interface VerifyOptions {
  /** Entries read per query: the log may hold millions. */
  pageSize?: number;
  /** Called after each page with the number of entries checked so far. */
  onProgress?: (checked: number) => void;
}

interface Row {
  chain: string;
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

const MIGRATION = [
  `CREATE TABLE IF NOT EXISTS access_log_chains (
     chain      text PRIMARY KEY,
     format     text NOT NULL CHECK (format IN ('v1', 'v2')),
     started_at timestamptz NOT NULL DEFAULT now()
   )`,
  `CREATE TABLE IF NOT EXISTS access_log (
     chain      text NOT NULL,
     seq        bigint NOT NULL CHECK (seq > 0),
     at         timestamptz NOT NULL,
     nam        text NOT NULL,
     provider_id text NOT NULL,
     role       text NOT NULL,
     facility   text,
     domains    text[] NOT NULL,
     outcome    text NOT NULL CHECK (outcome IN ('GRANTED', 'DENIED')),
     prev_hash  text NOT NULL,
     hash       text NOT NULL,
     PRIMARY KEY (chain, seq)
   )`,
  // A log from before chains per writer (one chain, seq as key) becomes the chain "legacy" (format v1).
  `DO $$ BEGIN
     IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'access_log' AND column_name = 'chain') THEN
       ALTER TABLE access_log ADD COLUMN chain text NOT NULL DEFAULT 'legacy';
       ALTER TABLE access_log DROP CONSTRAINT access_log_pkey;
       ALTER TABLE access_log ADD PRIMARY KEY (chain, seq);
       ALTER TABLE access_log ALTER COLUMN chain DROP DEFAULT;
       INSERT INTO access_log_chains (chain, format) VALUES ('legacy', 'v1');
     END IF;
   END $$`,
  // A person's own log (accessLog(nam, since)).
  `CREATE INDEX IF NOT EXISTS access_log_person ON access_log (nam, at)`,
  // "Did this provider consult this record before the refusal?" looks at granted entries only.
  `CREATE INDEX IF NOT EXISTS access_log_granted ON access_log (provider_id, nam, at) WHERE outcome = 'GRANTED'`,
  ...appendOnlyTriggers('access_log'),
  ...appendOnlyTriggers('access_log_chains'),
];

const SELECT_ROW = `chain, seq, at, nam, provider_id, role, facility, domains, outcome, prev_hash, hash`;

export class AccessLog {
  private writer?: AccessLogWriter;

  constructor(private readonly db: Pick<Db, 'query' | 'transaction'>) {}

  /** Creates the tables, indexes and append-only triggers; safe from several instances (PostgreSQL 14+). */
  async migrate(): Promise<void> {
    await migrate(this.db, 'access_log', MIGRATION);
  }

  /** A new chain of the log for one writer (a gateway process); registered with its first entries. */
  openWriter(chain = randomUUID()): AccessLogWriter {
    return new AccessLogWriter(this.db, chain, CURRENT_FORMAT);
  }

  /** Appends through this instance's own chain (opened at the first append). */
  append(entries: AccessEntryInput[]): Promise<void> {
    this.writer ??= this.openWriter();
    return this.writer.append(entries);
  }

  /** Waits for the entries appended so far (a stopping gateway answers no one before they are written). */
  async drained(): Promise<void> {
    await this.writer?.drained();
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
       ORDER BY at DESC, chain, seq DESC`,
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
   * Walks every chain in seq order, a page at a time, and stops at the first broken link: a missing
   * seq (deleted entry), a prev_hash that is not the previous entry's hash, a hash that does not
   * match the entry's columns, or an entry of a chain no writer registered. `entries` counts the
   * intact entries before the break.
   */
  async verify(options: VerifyOptions = {}): Promise<VerifyResult> {
    const pageSize = options.pageSize ?? 5000;
    const { rows: chains } = await this.db.query<{ chain: string; format: HashFormat }>(`SELECT chain, format FROM access_log_chains ORDER BY started_at, chain`);
    const { rows: strays } = await this.db.query<{ chain: string }>(`SELECT DISTINCT chain FROM access_log l WHERE NOT EXISTS (SELECT 1 FROM access_log_chains c WHERE c.chain = l.chain)`);
    if (strays.length > 0) return { ok: false, entries: 0, chains: chains.length, chain: strays[0].chain, brokenAt: 1, reason: 'entries of a chain no writer opened' };
    let checked = 0;
    for (const { chain, format } of chains) {
      let expectedSeq = 1;
      let previousHash = GENESIS_HASH;
      for (;;) {
        const page = await this.db.query<Row>(`SELECT ${SELECT_ROW} FROM access_log WHERE chain = $1 AND seq >= $2 ORDER BY seq LIMIT $3`, [chain, expectedSeq, pageSize]);
        for (const row of page.rows) {
          const reason = brokenLink(row, expectedSeq, previousHash, format);
          if (reason) return { ok: false, entries: checked, chains: chains.length, chain, brokenAt: expectedSeq, reason };
          previousHash = row.hash;
          expectedSeq += 1;
          checked += 1;
        }
        if (page.rows.length > 0) options.onProgress?.(checked);
        if (page.rows.length < pageSize) break;
      }
    }
    return { ok: true, entries: checked, chains: chains.length };
  }
}

function brokenLink(row: Row, expectedSeq: number, previousHash: string, format: HashFormat): string | undefined {
  if (Number(row.seq) !== expectedSeq) return 'entry missing';
  if (row.prev_hash !== previousHash) return 'link to the previous entry broken';
  if (entryHash(row, format) !== row.hash) return 'hash mismatch';
  return undefined;
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
