import { DateTime } from 'luxon';
import type { Db } from '../lib/db';
import { DEFAULT_TIME_ZONE } from '../lib/time';

/** What the consent rules decided for one person's record in one request. */
export type RecordDecision =
  | { open: true; closedBefore: null; reason: 'active' | 'consulted-before-refusal' }
  | { open: true; closedBefore: string; reason: 'partial-refusal' }
  | { open: false; reason: 'refused' };

interface DecisionRow {
  nam: string;
  status: 'ACTIVE' | 'REFUSED';
  collected_before: string | null;
  consulted_before: boolean;
}

/**
 * QHR refusal (issue #4 §3-4): a record is open unless the person refused it. After a refusal it
 * is closed, except to a provider who consulted it before the refusal took effect (a GRANTED entry
 * of kind RECORD in the access log earlier than the refusal: reading someone's access log is not
 * consulting their record). A partial refusal closes only what the sources
 * recorded before its date.
 *
 * PostgreSQL is the authority and is read on every request, with no cache in front of it (issue
 * #8 §1): a refusal committed by any instance is enforced by every instance on its very next
 * request, whatever Redis or any cache is doing. The person's latest change and the prior
 * consultation are one query, a round trip of a fraction of a millisecond on the indexes.
 */
export class ConsentDecisions {
  constructor(private readonly db: Pick<Db, 'query'>) {}

  async decide(providerId: string, nams: readonly string[]): Promise<Map<string, RecordDecision>> {
    const unique = [...new Set(nams)];
    const decisions = new Map<string, RecordDecision>(unique.map((nam) => [nam, { open: true, closedBefore: null, reason: 'active' }]));
    if (unique.length === 0) return decisions;
    const { rows } = await this.db.query<DecisionRow>(
      `WITH latest AS (
         SELECT DISTINCT ON (nam) nam, status, collected_before, effective_at
           FROM consent_changes WHERE nam = ANY($2::text[]) ORDER BY nam, id DESC
       )
       SELECT l.nam, l.status, to_char(l.collected_before, 'YYYY-MM-DD') AS collected_before,
              (l.status = 'REFUSED' AND EXISTS (
                 SELECT 1 FROM access_log a
                  WHERE a.provider_id = $1 AND a.nam = l.nam AND a.kind = 'RECORD' AND a.outcome = 'GRANTED' AND a.at < l.effective_at)) AS consulted_before
         FROM latest l WHERE l.status = 'REFUSED'`,
      [providerId, unique],
    );
    for (const row of rows) {
      if (row.consulted_before) decisions.set(row.nam, { open: true, closedBefore: null, reason: 'consulted-before-refusal' });
      else if (row.collected_before) decisions.set(row.nam, { open: true, closedBefore: row.collected_before, reason: 'partial-refusal' });
      else decisions.set(row.nam, { open: false, reason: 'refused' });
    }
    return decisions;
  }
}

/** Today's date in Québec, for messages that must not depend on the server's zone. */
export const quebecToday = () => DateTime.now().setZone(DEFAULT_TIME_ZONE).toISODate()!;
