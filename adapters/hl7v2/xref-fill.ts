import type { Logger } from '../../lib/logger';
import type { CrossReference } from '../port';
import { failureOf } from './handler';
import type { OruPatient } from './pid';

/**
 * An MR-only patient whose MRs the cross-reference already links to one NAM gets that NAM. When its
 * MRs point at different people, or the cross-reference cannot answer, it stays under the MRs alone:
 * nothing is lost, and the read side can still find it by local id.
 */
export async function withNamFromXref(patient: OruPatient, sourceId: string, xref: Pick<CrossReference, 'namFor'>, logger: Logger): Promise<OruPatient> {
  if (patient.nam || patient.localIds.length === 0) return patient;
  try {
    const nams = new Set((await Promise.all(patient.localIds.map((id) => xref.namFor(sourceId, id)))).filter((n): n is string => !!n));
    return nams.size === 1 ? { ...patient, nam: [...nams][0] } : patient;
  } catch (error) {
    logger.warn({ source: sourceId, failure: failureOf(error) }, 'cross-reference lookup failed; records kept under the local id');
    return patient;
  }
}
