import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * A signed statement, kept outside the database, that a chain of the access log reached entry
 * `seq` whose link was `hash`, at time `at` (issue #8 §5). A hash chain alone cannot show that its
 * newest entries were deleted (what is left is a shorter valid chain); a checkpoint the database
 * administrator cannot forge or reach can. Checkpoints name chains and sequence numbers only:
 * nothing in them identifies a person.
 */
export interface Checkpoint {
  chain: string;
  seq: number;
  hash: string;
  /** ISO 8601 UTC: when the checkpoint was written. */
  at: string;
}

/** The signed line as stored, one JSON object per line. */
interface StoredCheckpoint extends Checkpoint {
  sig: string;
}

const canonical = (c: Checkpoint) => JSON.stringify(['qhr-access-log-checkpoint-v1', c.chain, c.seq, c.hash, c.at]);
const signatureOf = (c: Checkpoint, key: Buffer) => createHmac('sha256', key).update(canonical(c), 'utf8').digest('hex');

/** One line of a checkpoint file (without its newline), signed with the checkpoint key. */
export function checkpointLine(checkpoint: Checkpoint, key: Buffer): string {
  const { chain, seq, hash, at } = checkpoint;
  const stored: StoredCheckpoint = { chain, seq, hash, at, sig: signatureOf(checkpoint, key) };
  return JSON.stringify(stored);
}

/** The checkpoint a line holds if its signature is good; undefined for anything else (forged, altered, not JSON). */
export function readCheckpointLine(line: string, key: Buffer): Checkpoint | undefined {
  let parsed: Partial<StoredCheckpoint>;
  try {
    parsed = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== 'object') return undefined;
  const { chain, seq, hash, at, sig } = parsed;
  if (typeof chain !== 'string' || !Number.isSafeInteger(seq) || seq! < 1 || typeof hash !== 'string' || typeof at !== 'string' || typeof sig !== 'string') return undefined;
  const checkpoint: Checkpoint = { chain, seq: seq!, hash, at };
  const expected = Buffer.from(signatureOf(checkpoint, key), 'hex');
  const given = Buffer.from(sig, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected) ? checkpoint : undefined;
}

/** A chain's file name: the chain's own name when it is a plain id (a UUID), else a digest of it. */
export function checkpointFileName(chain: string): string {
  const base = /^[A-Za-z0-9_-]{1,100}$/.test(chain) ? chain : `chain-${createHash('sha256').update(chain, 'utf8').digest('hex').slice(0, 40)}`;
  return `${base}.jsonl`;
}
