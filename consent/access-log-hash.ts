import { createHash, createHmac } from 'node:crypto';

/** prev_hash of the first entry of every chain. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * How a chain's links are computed, recorded per chain (access_log_chains.format) so a log keeps
 * verifying across versions:
 * - `v1`: the single chain of the first versions (before chains per writer): sha256 of the entry
 *   without its chain name. Entries written then form the chain named `legacy`.
 * - `v2`: sha256 of the entry with its chain name, so an entry cannot be moved to another chain.
 * - `v3` (issue #8 §5): HMAC-SHA256 of the entry with its chain name and kind, keyed with a key
 *   derived from AUDIT_KEY (access-log-keys.ts). Anyone holding the table could recompute a
 *   sha256 chain after rewriting it; without the key they cannot recompute an HMAC one.
 * - `v4` (issue #10 §6): v3 plus the entry's request id (`request_id`, null when the entry was
 *   appended outside a request), so the id that ties an entry to its trace and log lines cannot be
 *   changed either. Same link key as v3: the key is per purpose (linking), not per format.
 * v1 and v2 entries predate kinds: they are all consultations of a record (`RECORD`). Entries
 * before v4 have no request id: a row of such a chain that shows one was altered.
 */
export type HashFormat = 'v1' | 'v2' | 'v3' | 'v4';
export const HASH_FORMATS: readonly HashFormat[] = ['v1', 'v2', 'v3', 'v4'];
export const CURRENT_FORMAT: HashFormat = 'v4';

/** What an entry records: a consultation of the record, or a reading of the access log itself (issue #8 §5). */
/** A consultation of the record, a reading of the access log, a reading of the refusal register. */
export type EntryKind = 'RECORD' | 'ACCESS_LOG' | 'CONSENT_REGISTER';
export const ENTRY_KINDS: readonly EntryKind[] = ['RECORD', 'ACCESS_LOG', 'CONSENT_REGISTER'];

/** The columns a link covers: every column but `hash`. */
export interface ChainedRow {
  chain?: string;
  seq: number | string;
  at: Date | string;
  kind?: string;
  nam: string;
  provider_id: string;
  role: string;
  facility: string | null;
  domains: string[];
  outcome: string;
  /** v4 on (ops/request-id.ts); absent or null before. */
  request_id?: string | null;
  prev_hash: string;
}

/** Why a link cannot be computed: a v3 chain without the key it was written with. */
export class MissingKeyError extends Error {
  constructor() {
    super('access log: a v3 chain needs the audit key (AUDIT_KEY)');
    this.name = 'MissingKeyError';
  }
}

/**
 * The link of one entry: a JSON array in a fixed field order, the time as UTC ISO with
 * milliseconds, hashed (v1, v2) or HMAC'd with `linkKey` (v3, v4). Exported so the verification
 * command and tests compute exactly the same.
 */
export function entryHash(row: ChainedRow, format: HashFormat, linkKey?: Buffer): string {
  const fields = [String(row.seq), toDate(row.at).toISOString(), row.nam, row.provider_id, row.role, row.facility ?? null, row.domains, row.outcome, row.prev_hash];
  if (format === 'v1') return sha256(JSON.stringify(['qhr-access-log-v1', ...fields]));
  if (format === 'v2') return sha256(JSON.stringify(['qhr-access-log-v2', row.chain ?? '', ...fields]));
  if (!linkKey) throw new MissingKeyError();
  const canonical =
    format === 'v3'
      ? JSON.stringify(['qhr-access-log-v3', row.chain ?? '', row.kind ?? 'RECORD', ...fields])
      : JSON.stringify(['qhr-access-log-v4', row.chain ?? '', row.kind ?? 'RECORD', row.request_id ?? null, ...fields]);
  return createHmac('sha256', linkKey).update(canonical, 'utf8').digest('hex');
}

/** Whether a format can hold an entry of this kind (v1 and v2 know only consultations). */
export const formatHolds = (format: HashFormat, kind: string) => format === 'v3' || format === 'v4' || kind === 'RECORD';

/** Whether a format's links cover the request id (v4 on): before, an entry holds none. */
export const formatHasRequestId = (format: HashFormat) => format === 'v4';

/** Formats whose links are keyed (HMAC) rather than plain sha256. */
export const isKeyedFormat = (format: HashFormat) => format === 'v3' || format === 'v4';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

export function toDate(value: Date | string): Date {
  return value instanceof Date ? value : new Date(value);
}
