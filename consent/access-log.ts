import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import type { Config } from '../lib/config';
import type { Db } from '../lib/db';
import { migrate } from '../lib/migrate';
import type { Domain } from '../lib/sources';
import { DEFAULT_TIME_ZONE } from '../lib/time';
import type { AccessEntryInput, Outcome } from './access-log-entry';
import { HeadCheckpointer, type Head } from './access-log-checkpointer';
import { ACCESS_LOG_SCHEMA } from './access-log-schema';
import { CURRENT_FORMAT, toDate, type EntryKind } from './access-log-hash';
import { auditKeys, type AuditKeys } from './access-log-keys';
import { verifyAccessLog, type VerifyOptions, type VerifyResult } from './access-log-verify';
import { AccessLogWriter } from './access-log-writer';

export { AccessLogWriteError } from './access-log-writer';
export { MAX_IDENTIFIER_LENGTH, type AccessEntryInput, type Outcome } from './access-log-entry';
export { entryHash, GENESIS_HASH, type EntryKind, type HashFormat } from './access-log-hash';
export type { Problem, VerifyOptions, VerifyResult } from './access-log-verify';

/** config.audit: the key the links and checkpoints are derived from, where checkpoints go, how often. */
export type AuditSettings = Config['audit'];

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
 *
 * Against whoever holds the table (issue #8 §5): new chains are `v4` (v3 plus the request id, issue
 * #10 §6), their links HMAC'd with a key derived from AUDIT_KEY that the database never holds, so
 * a rewritten entry cannot be re-hashed;
 * and each writer signs checkpoints of its head into AUDIT_CHECKPOINT_DIR, outside the database,
 * so deleting the newest entries (which leaves a shorter, valid chain) shows too.
 * Reading a person's log is itself an entry (`kind` ACCESS_LOG, no domains), chained like the rest.
 */
export interface AccessEntry {
  seq: number;
  /** ISO 8601, Québec time with offset and milliseconds. */
  at: string;
  /** A consultation of the record, or a reading of this log. */
  kind: EntryKind;
  nam: string;
  providerId: string;
  role: string;
  facility?: string;
  domains: Domain[];
  outcome: Outcome;
  /** The request that made the access (ops/request-id.ts): entries from format v4 on, written during a request. */
  requestId?: string;
}

interface Row {
  chain: string;
  seq: number | string;
  at: Date | string;
  kind: EntryKind;
  nam: string;
  provider_id: string;
  role: string;
  facility: string | null;
  domains: string[];
  outcome: Outcome;
  request_id: string | null;
}

const SELECT_ROW = `chain, seq, at, kind, nam, provider_id, role, facility, domains, outcome, request_id`;

export interface AccessLogHooks {
  /** Told when a checkpoint could not be written (names the chain only); requests go on regardless. */
  onCheckpointError?(chain: string, error: Error): void;
}

export class AccessLog {
  private writer?: AccessLogWriter;
  private checkpointer?: HeadCheckpointer;
  private readonly keys: AuditKeys;

  constructor(
    private readonly db: Pick<Db, 'query' | 'transaction'>,
    private readonly audit: AuditSettings,
    private readonly hooks: AccessLogHooks = {},
  ) {
    this.keys = auditKeys(audit.key);
  }

  /** Creates the tables, indexes and append-only triggers; safe from several instances (PostgreSQL 14+). */
  async migrate(): Promise<void> {
    await migrate(this.db, 'access_log', ACCESS_LOG_SCHEMA);
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

  /** When the writer stops: drained, then its head checkpointed a last time. */
  async close(): Promise<void> {
    await this.drained();
    await this.checkpointer?.stop();
  }

  /** A new chain of the log for this writer (a gateway process), registered with its first entries, checkpointed when configured. */
  private openWriter(): AccessLogWriter {
    const writer = new AccessLogWriter(this.db, randomUUID(), CURRENT_FORMAT, this.keys.link);
    const { checkpointDir, checkpointIntervalMs } = this.audit;
    if (checkpointDir !== undefined) {
      this.checkpointer = new HeadCheckpointer({
        dir: checkpointDir,
        key: this.keys.checkpoint,
        intervalMs: checkpointIntervalMs,
        head: () => writer.committedHead,
        legacyHeads: () => this.legacyHeads(),
        onError: this.hooks.onCheckpointError,
      });
      this.checkpointer.start();
    }
    return writer;
  }

  /** The heads of the chains written before v3 (v1, v2): what a first checkpoint seals. */
  private async legacyHeads(): Promise<Head[]> {
    const { rows } = await this.db.query<{ chain: string; seq: number | string; hash: string }>(
      `SELECT c.chain, h.seq, h.hash FROM access_log_chains c
       CROSS JOIN LATERAL (SELECT seq, hash FROM access_log l WHERE l.chain = c.chain ORDER BY seq DESC LIMIT 1) h
       WHERE c.format IN ('v1', 'v2') ORDER BY c.chain`,
    );
    return rows.map((row) => ({ chain: row.chain, seq: Number(row.seq), hash: row.hash }));
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
   * Checks every chain against itself and, with a checkpoint directory, against the signed
   * checkpoints of its head (consent/access-log-verify.ts).
   */
  verify(options: VerifyOptions = {}): Promise<VerifyResult> {
    const { checkpointDir, checkpointIntervalMs } = this.audit;
    return verifyAccessLog(this.db, { keys: this.keys, checkpointDir, checkpointIntervalMs }, options);
  }
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
    kind: row.kind,
    nam: row.nam,
    providerId: row.provider_id,
    role: row.role,
    ...(row.facility !== null ? { facility: row.facility } : {}),
    domains: row.domains as Domain[],
    outcome: row.outcome,
    ...(row.request_id !== null ? { requestId: row.request_id } : {}),
  };
}
