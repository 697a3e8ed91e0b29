import type { Db } from '../lib/db';
import { DOMAINS } from '../lib/sources';
import { flaw, type AccessEntryInput } from './access-log-entry';
import { entryHash, formatHasRequestId, formatHolds, GENESIS_HASH, isKeyedFormat, MissingKeyError, type ChainedRow, type HashFormat } from './access-log-hash';

export type { AccessEntryInput, Outcome } from './access-log-entry';

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

type Row = ChainedRow & { chain: string; seq: number; at: Date; kind: string; facility: string | null; request_id: string | null; hash: string };

interface Waiting {
  entries: AccessEntryInput[];
  at: Date;
  resolve(): void;
  reject(error: Error): void;
}

/** 13 bind parameters per row; a statement takes at most 65,535. */
const ROWS_PER_STATEMENT = 5000;

/**
 * One writer's chain of the access log, written by group commit (issue #7 §4): the entries of
 * every request that arrives while a write is in flight go together in the next one, as one
 * multi-row INSERT (one round trip, atomic on its own). The chain's head is kept in memory, so a
 * write reads nothing first, and each writer (gateway process) has its own chain, so writers never
 * wait on each other: the log scales with instances. A request's entries are never split between
 * two writes; each request learns its outcome only once its write committed.
 *
 * After a failed write the head is read back from the database before the next one: the failed
 * INSERT may have committed after all (a connection lost on COMMIT), and the chain must continue
 * from what is really there.
 *
 * New chains are `v4`: each link is an HMAC keyed with `linkKey`, which the database never holds
 * (issue #8 §5), and covers the entry's request id (issue #10 §6). A chain of an older format
 * (a writer of the previous version, tests) stores no request id: its links could not cover it.
 * `committedHead` is what the checkpointer vouches for outside the database.
 */
export class AccessLogWriter {
  private queue: Waiting[] = [];
  private writing?: Promise<void>;
  private head?: { seq: number; hash: string };
  private registered = false;
  private committed?: { seq: number; hash: string };

  constructor(
    private readonly db: Pick<Db, 'query' | 'transaction'>,
    readonly chain: string,
    private readonly format: HashFormat,
    /** The v3/v4 link key (access-log-keys.ts); v1/v2 chains need none. */
    private readonly linkKey?: Buffer,
  ) {
    if (isKeyedFormat(format) && !linkKey) throw new MissingKeyError();
  }

  /** The newest entry the database confirmed, as far as this writer knows. */
  get committedHead(): { chain: string; seq: number; hash: string } | undefined {
    return this.committed && { chain: this.chain, ...this.committed };
  }

  append(entries: AccessEntryInput[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    const why = entries.map(flaw).find(Boolean) ?? this.misfit(entries);
    if (why) return Promise.reject(new AccessLogWriteError(why));
    return new Promise((resolve, reject) => {
      this.queue.push({ entries, at: new Date(), resolve, reject });
      this.kick();
    });
  }

  /** An older chain (v1, v2) holds consultations of records only. */
  private misfit(entries: AccessEntryInput[]): string | undefined {
    return entries.every((entry) => formatHolds(this.format, entry.kind ?? 'RECORD')) ? undefined : 'this chain cannot hold that kind of entry';
  }

  /** Resolves once everything appended so far was written (or failed). */
  async drained(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private kick(): void {
    if (this.writing) return;
    this.writing = this.writeAll().finally(() => {
      this.writing = undefined;
      if (this.queue.length > 0) this.kick();
    });
  }

  private async writeAll(): Promise<void> {
    while (this.queue.length > 0) {
      const group = this.take();
      try {
        if (!this.registered) await this.register();
        if (!this.head) {
          this.head = await this.readHead();
          // What a write whose outcome was lost left behind is committed too.
          if (this.head.seq > 0) this.committed = this.head;
        }
        const rows = this.link(group);
        await insertAll(this.db, rows);
        const last = rows[rows.length - 1];
        this.head = { seq: last.seq, hash: last.hash };
        this.committed = this.head;
        group.forEach((waiting) => waiting.resolve());
      } catch (error) {
        this.head = undefined;
        // The database error's detail may quote the row (a NAM): only its SQLSTATE travels on.
        const failure = new AccessLogWriteError(undefined, (error as { code?: string }).code);
        group.forEach((waiting) => waiting.reject(failure));
      }
    }
  }

  /** Whole requests, oldest first, as many as one statement takes (a larger request goes alone). */
  private take(): Waiting[] {
    const group: Waiting[] = [];
    let rows = 0;
    while (this.queue.length > 0 && (group.length === 0 || rows + this.queue[0].entries.length <= ROWS_PER_STATEMENT)) {
      const next = this.queue.shift()!;
      rows += next.entries.length;
      group.push(next);
    }
    return group;
  }

  private async register(): Promise<void> {
    await this.db.query(`INSERT INTO access_log_chains (chain, format) VALUES ($1, $2) ON CONFLICT (chain) DO NOTHING`, [this.chain, this.format]);
    this.registered = true;
  }

  private async readHead(): Promise<{ seq: number; hash: string }> {
    const { rows } = await this.db.query<{ seq: number | string; hash: string }>(`SELECT seq, hash FROM access_log WHERE chain = $1 ORDER BY seq DESC LIMIT 1`, [this.chain]);
    return rows[0] ? { seq: Number(rows[0].seq), hash: rows[0].hash } : { seq: 0, hash: GENESIS_HASH };
  }

  /** Gives each entry its seq, time and hash, each one chained to the one before. */
  private link(group: Waiting[]): Row[] {
    let { seq, hash: prevHash } = this.head!;
    return group.flatMap(({ entries, at }) =>
      entries.map((entry) => {
        seq += 1;
        const fields = {
          chain: this.chain,
          seq,
          at: entry.at ? new Date(entry.at.getTime()) : at,
          kind: entry.kind ?? 'RECORD',
          nam: entry.nam,
          provider_id: entry.providerId,
          role: entry.role,
          facility: entry.facility ?? null,
          // Canonical: each domain once, in contract order, so the same request always hashes the same.
          domains: DOMAINS.filter((domain) => entry.domains.includes(domain)),
          outcome: entry.outcome,
          request_id: formatHasRequestId(this.format) ? (entry.requestId ?? null) : null,
          prev_hash: prevHash,
        };
        prevHash = entryHash(fields, this.format, this.linkKey);
        return { ...fields, hash: prevHash };
      }),
    );
  }
}

/** One statement when it fits (atomic on its own, one round trip), else one transaction of several. */
async function insertAll(db: Pick<Db, 'query' | 'transaction'>, rows: Row[]): Promise<void> {
  if (rows.length <= ROWS_PER_STATEMENT) return insert(db, rows);
  await db.transaction(async (tx) => {
    for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) await insert(tx, rows.slice(start, start + ROWS_PER_STATEMENT));
  });
}

async function insert(db: Pick<Db, 'query'>, rows: Row[]): Promise<void> {
  const params: unknown[] = [];
  const tuples = rows.map((row, index) => {
    params.push(row.chain, row.seq, row.at, row.kind, row.nam, row.provider_id, row.role, row.facility, row.domains, row.outcome, row.request_id, row.prev_hash, row.hash);
    const n = index * 13;
    return `($${n + 1}, $${n + 2}::bigint, $${n + 3}::timestamptz, $${n + 4}, $${n + 5}, $${n + 6}, $${n + 7}, $${n + 8}, $${n + 9}::text[], $${n + 10}, $${n + 11}, $${n + 12}, $${n + 13})`;
  });
  await db.query(`INSERT INTO access_log (chain, seq, at, kind, nam, provider_id, role, facility, domains, outcome, request_id, prev_hash, hash) VALUES ${tuples.join(', ')}`, params);
}
