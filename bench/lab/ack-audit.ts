import type { Db } from '../../lib/db';
import type { LabStreamReport } from './acked-stream';

/**
 * What the lab store holds against what the listener acknowledged (issue #8 §7, §8): an AA is a
 * promise that the message is stored, once, with all its results.
 */
export interface AckAudit {
  sent: number;
  /** ACKs received, by MSA-1. */
  acks: Record<string, number>;
  /** Messages stored (one row each: the primary key is source, sender, control id). */
  stored: number;
  /** Acknowledged AA and not stored: must be 0. */
  lost: number;
  /** Stored with fewer or more results than the message held: must be 0. */
  incomplete: number;
  /** Stored and never acknowledged AA (the ACK lost with its connection, or an AE after a commit the service could not confirm): the sender resends, and the store keeps one. */
  storedWithoutAa: number;
}

/** Compares a stream's ACKs with the lab store of `sourceId`. */
export async function auditAcks(db: Pick<Db, 'query'>, sourceId: string, stream: LabStreamReport): Promise<AckAudit> {
  const { rows } = await db.query<{ control_id: string; complete: boolean }>(
    `SELECT m.control_id, m.result_count = (SELECT count(*) FROM lab_results r WHERE (r.source_id, r.sender, r.control_id) = (m.source_id, m.sender, m.control_id)) AS complete
       FROM lab_messages m WHERE m.source_id = $1`,
    [sourceId],
  );
  const stored = new Set(rows.map((row) => row.control_id));
  const acks: Record<string, number> = {};
  let lost = 0;
  let storedWithoutAa = 0;
  for (const code of stream.acks.values()) acks[code] = (acks[code] ?? 0) + 1;
  for (const controlId of new Set(stream.sent)) {
    const aa = stream.acks.get(controlId) === 'AA';
    if (aa && !stored.has(controlId)) lost++;
    if (!aa && stored.has(controlId)) storedWithoutAa++;
  }
  return { sent: stream.sent.length, acks, stored: stored.size, lost, incomplete: rows.filter((row) => !row.complete).length, storedWithoutAa };
}
