import { createHash } from 'node:crypto';

/** prev_hash of the first entry of every chain. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * How a chain's links are computed, recorded per chain (access_log_chains.format) so a log keeps
 * verifying across versions:
 * - `v1`: the single chain of the first versions (before chains per writer): sha256 of the entry
 *   without its chain name. Entries written then form the chain named `legacy`.
 * - `v2`: sha256 of the entry with its chain name, so an entry cannot be moved to another chain.
 */
export type HashFormat = 'v1' | 'v2';
export const CURRENT_FORMAT: HashFormat = 'v2';

/** The columns a link covers: every column but `hash`. */
export interface ChainedRow {
  chain?: string;
  seq: number | string;
  at: Date | string;
  nam: string;
  provider_id: string;
  role: string;
  facility: string | null;
  domains: string[];
  outcome: string;
  prev_hash: string;
}

/**
 * sha256 over a JSON array in a fixed field order, the time as UTC ISO with milliseconds.
 * Exported so the verification command and tests compute exactly the same.
 */
export function entryHash(row: ChainedRow, format: HashFormat = CURRENT_FORMAT): string {
  const fields = [String(row.seq), toDate(row.at).toISOString(), row.nam, row.provider_id, row.role, row.facility ?? null, row.domains, row.outcome, row.prev_hash];
  const canonical = JSON.stringify(format === 'v1' ? ['qhr-access-log-v1', ...fields] : ['qhr-access-log-v2', row.chain ?? '', ...fields]);
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

export function toDate(value: Date | string): Date {
  return value instanceof Date ? value : new Date(value);
}
