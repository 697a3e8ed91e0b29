import type { Db } from '../../lib/db';
import type { CrossReference, LocatorFeed } from '../port';
import type { OruPatient } from './pid';

/**
 * A person as one message files records under them at one source: PID-3's NAM when it has one,
 * and the sender's own ids (MR). Lab results (one per PATIENT_RESULT group of an ORU^R01) and
 * pharmacy dispenses (the PID of an RDS^O13) are filed the same way, so the cross-reference links,
 * the record locator's entries and the answer-cache invalidation of a batch are worked out here once.
 */
export interface FiledPatient extends OruPatient {
  sourceId: string;
}

type Link = { sourceId: string; localId: string; nam: string };

/**
 * The NAM <-> MR links PID-3 asserts (a JHN and MRs in one repetition list), one per (source, MR):
 * the cross-reference upserts them in one statement, which cannot touch a row twice. When two
 * messages of the batch link one MR to different people, the later one wins, as one by one.
 * Sorted, for the same lock order in every process.
 */
export function linksOf(patients: readonly FiledPatient[]): Link[] {
  const links = new Map<string, Link>();
  for (const { sourceId, nam, localIds } of patients) {
    if (nam) for (const localId of localIds) links.set(JSON.stringify([sourceId, localId]), { sourceId, localId, nam });
  }
  return [...links].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, link]) => link);
}

/** The NAMs the records are filed under, per source, each once and sorted. */
export function namsBySource(patients: readonly FiledPatient[]): Map<string, string[]> {
  const bySource = new Map<string, Set<string>>();
  for (const { sourceId, nam } of patients) if (nam) bySource.set(sourceId, (bySource.get(sourceId) ?? new Set()).add(nam));
  return new Map([...bySource].map(([sourceId, nams]) => [sourceId, [...nams].sort()]));
}

/**
 * Whose cached answers these records make stale, per source: the NAMs they are filed under, and
 * for MR-only records every NAM the cross-reference now gives their MRs (the read side shows them
 * to that person through the local id). The receiver already gave MR-only messages the NAM it
 * knew; this catches a link committed meanwhile (or in this very batch). A failed lookup is told
 * to `onLookupFailure` and leaves the NAM-filed people only.
 */
export async function stalePeople(patients: readonly FiledPatient[], xref: Pick<CrossReference, 'namFor'> | undefined, onLookupFailure: (error: unknown) => void): Promise<Map<string, string[]>> {
  const bySource = namsBySource(patients);
  const mrOnly = xref ? patients.filter(({ nam, localIds }) => !nam && localIds.length > 0) : [];
  if (mrOnly.length === 0) return bySource;
  const found = new Map([...bySource].map(([sourceId, nams]) => [sourceId, new Set(nams)]));
  try {
    for (const { sourceId, localIds } of mrOnly) {
      for (const nam of await Promise.all(localIds.map((id) => xref!.namFor(sourceId, id)))) {
        if (nam) found.set(sourceId, (found.get(sourceId) ?? new Set()).add(nam));
      }
    }
  } catch (error) {
    onLookupFailure(error);
  }
  return new Map([...found].map(([sourceId, nams]) => [sourceId, [...nams].sort()]));
}

/**
 * In the transaction that stores the records: PID-3's links into the cross-reference and every NAM
 * into the record locator, so a stored record is never invisible to the locator nor its MR unlinked.
 */
export async function recordWhereFiled(
  tx: Pick<Db, 'query'>,
  patients: readonly FiledPatient[],
  deps: { xref?: { linkMany(links: Link[], via: 'hl7', tx: Pick<Db, 'query'>): Promise<unknown> }; locator?: LocatorFeed },
): Promise<void> {
  const links = linksOf(patients);
  if (deps.xref && links.length > 0) await deps.xref.linkMany(links, 'hl7', tx);
  if (deps.locator) for (const [sourceId, nams] of namsBySource(patients)) await deps.locator.holds(sourceId, nams, 'hl7', tx);
}
