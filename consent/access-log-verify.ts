import type { Db } from '../lib/db';
import type { Checkpoint } from './access-log-checkpoint';
import { readCheckpoints } from './access-log-checkpoint-files';
import { entryHash, formatHasRequestId, formatHolds, GENESIS_HASH, HASH_FORMATS, toDate, type ChainedRow, type HashFormat } from './access-log-hash';
import type { AuditKeys } from './access-log-keys';

export type LinkFault =
  | 'entry missing'
  | 'link to the previous entry broken'
  | 'hash mismatch'
  | 'entries of a chain no writer opened'
  | 'an entry of a kind its chain cannot hold'
  | 'unknown hash format';

/** What verification finds; each names a chain and sequence numbers (or a checkpoint file and line), never an entry's values. */
export type Problem =
  /** The chain does not hold together from this entry on (altered, re-hashed without the key, deleted in the middle). */
  | { kind: 'broken-link'; chain: string; seq: number; reason: LinkFault }
  /** The chain ends before a signed checkpoint of it: its newest entries were deleted. */
  | { kind: 'truncated'; chain: string; lastSeq: number; checkpointSeq: number }
  /** The entry at a checkpoint's seq is not the one the checkpoint signed: the chain was rewritten. */
  | { kind: 'rewritten'; chain: string; seq: number }
  /** A checkpoint line whose signature fails: a forged or altered checkpoint file. */
  | { kind: 'forged-checkpoint'; file: string; line: number }
  /** A chain with entries older than one checkpoint interval and no checkpoint at all. */
  | { kind: 'not-checkpointed'; chain: string; lastSeq: number };

export interface VerifyResult {
  ok: boolean;
  /** Intact entries checked. */
  entries: number;
  chains: number;
  /** Signed checkpoints the chains were checked against; absent without a checkpoint directory. */
  checkpoints?: number;
  problems: Problem[];
}

export interface VerifyOptions {
  /** Entries read per query: the log may hold millions. */
  pageSize?: number;
  /** Called after each page with the number of entries checked so far. */
  onProgress?: (checked: number) => void;
  /** Now, for "older than one interval" (tests). */
  now?: Date;
}

export interface VerifySettings {
  keys: AuditKeys;
  checkpointDir?: string;
  checkpointIntervalMs: number;
}

type Row = ChainedRow & { chain: string; kind: string; hash: string };

/**
 * The columns a link covers. A log no gateway of this version migrated yet may have no `kind` (all
 * its entries are consultations) and no `request_id` (none of its entries has one).
 */
async function selectRow(db: Pick<Db, 'query'>): Promise<string> {
  const { rows } = await db.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'access_log' AND column_name IN ('kind', 'request_id')`,
  );
  const has = new Set(rows.map((row) => row.column_name));
  const kind = has.has('kind') ? 'kind' : `'RECORD'::text AS kind`;
  const requestId = has.has('request_id') ? 'request_id' : 'NULL::text AS request_id';
  return `chain, seq, at, ${kind}, nam, provider_id, role, facility, domains, outcome, ${requestId}, prev_hash, hash`;
}

/**
 * Walks every chain in seq order, a page at a time, up to its first broken link, and checks it
 * against the signed checkpoints of its head when there is a checkpoint directory (issue #8 §5).
 * One problem at most per chain (what follows a break proves nothing); every chain is checked.
 */
export async function verifyAccessLog(db: Pick<Db, 'query'>, settings: VerifySettings, options: VerifyOptions = {}): Promise<VerifyResult> {
  const { rows: chains } = await db.query<{ chain: string; format: string }>(`SELECT chain, format FROM access_log_chains ORDER BY started_at, chain`);
  const { rows: strays } = await db.query<{ chain: string }>(`SELECT DISTINCT chain FROM access_log l WHERE NOT EXISTS (SELECT 1 FROM access_log_chains c WHERE c.chain = l.chain) ORDER BY chain`);
  const read = settings.checkpointDir === undefined ? undefined : await readCheckpoints(settings.checkpointDir, settings.keys.checkpoint);
  const problems: Problem[] = strays.map(({ chain }) => ({ kind: 'broken-link', chain, seq: 1, reason: 'entries of a chain no writer opened' }));
  problems.push(...(read?.forged ?? []).map(({ file, line }) => ({ kind: 'forged-checkpoint' as const, file, line })));
  const walker = { db, select: await selectRow(db), linkKey: settings.keys.link, pageSize: options.pageSize ?? 5000, checked: 0, onProgress: options.onProgress };
  const now = options.now ?? new Date();
  for (const { chain, format } of chains) {
    const checkpoints = read?.byChain.get(chain) ?? [];
    const walked = await walkChain(walker, chain, format, checkpoints);
    const latest = checkpoints[checkpoints.length - 1];
    if (walked.problem) problems.push(walked.problem);
    else if (latest && latest.seq > walked.lastSeq) problems.push({ kind: 'truncated', chain, lastSeq: walked.lastSeq, checkpointSeq: latest.seq });
    else if (read && !latest && walked.lastAt && !awaitingFirstCheckpoint(walked.lastAt, now, settings.checkpointIntervalMs)) {
      problems.push({ kind: 'not-checkpointed', chain, lastSeq: walked.lastSeq });
    }
  }
  // A checkpoint of a chain the database no longer has at all: the whole chain was deleted.
  const known = new Set([...chains, ...strays].map((c) => c.chain));
  for (const [chain, list] of read?.byChain ?? []) {
    if (!known.has(chain)) problems.push({ kind: 'truncated', chain, lastSeq: 0, checkpointSeq: list[list.length - 1].seq });
  }
  return { ok: problems.length === 0, entries: walker.checked, chains: chains.length, ...(read ? { checkpoints: read.count } : {}), problems };
}

/** Time for a checkpoint that is due to reach the disk (the tick, the file, its fsync). */
const CHECKPOINT_GRACE_MS = 5_000;

/**
 * A chain without any checkpoint is excused while its newest entry is within one interval of now
 * (and the grace): its writer has not reached its first tick yet. One dated further in the future
 * is not (its dates were made up to be excused forever). With no interval (checkpoints only when a
 * writer stops), a running writer's chain cannot be told from one whose file was removed: all are
 * excused.
 */
function awaitingFirstCheckpoint(lastAt: Date, now: Date, intervalMs: number): boolean {
  return intervalMs <= 0 || Math.abs(now.getTime() - lastAt.getTime()) <= intervalMs + CHECKPOINT_GRACE_MS;
}

interface Walker {
  db: Pick<Db, 'query'>;
  select: string;
  linkKey: Buffer;
  pageSize: number;
  checked: number;
  onProgress?: (checked: number) => void;
}

/** One chain, up to its first problem: its last intact seq and that entry's time. */
async function walkChain(walker: Walker, chain: string, format: string, checkpoints: Checkpoint[]): Promise<{ lastSeq: number; lastAt?: Date; problem?: Problem }> {
  if (!HASH_FORMATS.includes(format as HashFormat)) return { lastSeq: 0, problem: { kind: 'broken-link', chain, seq: 1, reason: 'unknown hash format' } };
  let expectedSeq = 1;
  let previousHash = GENESIS_HASH;
  let lastAt: Date | undefined;
  let next = 0; // the first checkpoint not yet compared
  for (;;) {
    const page = await walker.db.query<Row>(`SELECT ${walker.select} FROM access_log WHERE chain = $1 AND seq >= $2 ORDER BY seq LIMIT $3`, [chain, expectedSeq, walker.pageSize]);
    for (const row of page.rows) {
      const reason = brokenLink(row, expectedSeq, previousHash, format as HashFormat, walker.linkKey);
      if (reason) return { lastSeq: expectedSeq - 1, lastAt, problem: { kind: 'broken-link', chain, seq: expectedSeq, reason } };
      for (; next < checkpoints.length && checkpoints[next].seq <= expectedSeq; next += 1) {
        if (checkpoints[next].seq === expectedSeq && checkpoints[next].hash !== row.hash) return { lastSeq: expectedSeq - 1, lastAt, problem: { kind: 'rewritten', chain, seq: expectedSeq } };
      }
      previousHash = row.hash;
      lastAt = toDate(row.at);
      expectedSeq += 1;
      walker.checked += 1;
    }
    if (page.rows.length > 0) walker.onProgress?.(walker.checked);
    if (page.rows.length < walker.pageSize) return { lastSeq: expectedSeq - 1, lastAt };
  }
}

function brokenLink(row: Row, expectedSeq: number, previousHash: string, format: HashFormat, linkKey: Buffer): LinkFault | undefined {
  if (Number(row.seq) !== expectedSeq) return 'entry missing';
  if (row.prev_hash !== previousHash) return 'link to the previous entry broken';
  if (!formatHolds(format, row.kind)) return 'an entry of a kind its chain cannot hold';
  // A request id on an entry of a format whose links do not cover it was put there afterwards.
  if (!formatHasRequestId(format) && row.request_id != null) return 'hash mismatch';
  if (entryHash(row, format, linkKey) !== row.hash) return 'hash mismatch';
  return undefined;
}
