import type { Hl7Segment } from '@medplum/core';
import { isValidNam, normalizeNam } from '../../lib/nam';
import { ErrorCode, fail } from './rejection';

/** Who a PATIENT_RESULT group is about, as PID-3 says it. */
export interface OruPatient {
  /** The Québec NAM: the PID-3 repetition of identifier type JHN (table 0203) issued by RAMQ. */
  nam?: string;
  /** The laboratory's own ids: PID-3 repetitions of identifier type MR. */
  localIds: string[];
}

/** RAMQ, the NAM's assigning authority (CX-4), by namespace or by OID. */
const RAMQ_NAMESPACE = 'RAMQ';
const RAMQ_OID = '2.16.124.10.101.1.60.100';

/**
 * Reads PID-3 (v2.5.1 Ch. 3 §3.4.2.3, CX data type Ch. 2A §2.A.14: id^check digit^scheme^
 * assigning authority^identifier type code). Repetitions of type JHN are health card numbers, of
 * type MR the lab's medical record numbers; other types (SS, PI, ...) are ignored.
 *
 * Decisions:
 * - A JHN that is a valid NAM is the NAM, whatever CX-4 says (no other province's card has its shape).
 * - A JHN that is not a valid NAM is an error (AE) when RAMQ issued it or CX-4 is empty: the
 *   sender's identification of the person is in doubt, and storing the results under the MR alone
 *   would hide that from the people who must fix it. A JHN from another authority that is not a
 *   NAM is another province's card: ignored, the results are kept under the MR.
 * - Two different NAMs in one PID-3 are an error (AE 205): we cannot tell whose results these are.
 * - Without a NAM and without an MR, the results belong to nobody we can find: AE 101.
 */
export function patientOf(pid: Hl7Segment, pidSequence: number): OruPatient {
  return identifiersIn(pid, 3, pidSequence, 'patient identifier list');
}

/**
 * The same reading of any CX list: PID-3, or MRG-1 (prior patient identifier list, Ch. 3
 * §3.4.9.1) of a merge. Errors name the segment and field read.
 */
export function identifiersIn(segment: Hl7Segment, fieldNumber: number, sequence: number, title: string): OruPatient {
  const field = segment.getField(fieldNumber);
  const name = `${segment.name}-${fieldNumber}`;
  const where = (repetition?: number) => ({ segment: segment.name, sequence, field: fieldNumber, ...(repetition ? { repetition } : {}) });
  const repetitions = (field?.components ?? []).filter((cx) => cx.some((c) => c.trim() !== ''));
  if (repetitions.length === 0) fail(ErrorCode.REQUIRED_FIELD_MISSING, `${name} (${title}) is empty`, where());

  const nams = new Set<string>();
  const localIds: string[] = [];
  field!.components.forEach((cx, index) => {
    const id = (cx[0] ?? '').trim();
    const type = (cx[4] ?? '').trim().toUpperCase();
    if (!id) return;
    if (type === 'MR') {
      if (!localIds.includes(id)) localIds.push(id);
    } else if (type === 'JHN') {
      const nam = normalizeNam(id);
      if (isValidNam(nam)) nams.add(nam);
      else if (issuedByRamqOrUnsaid(cx[3] ?? '', segment.context.subcomponentSeparator)) {
        fail(ErrorCode.DATA_TYPE, `${name} JHN identifier is not a valid NAM`, where(index + 1));
      }
    }
  });
  if (nams.size > 1) fail(ErrorCode.DUPLICATE_KEY, `${name} carries two different NAMs`, where());
  const [nam] = nams;
  if (!nam && localIds.length === 0) fail(ErrorCode.REQUIRED_FIELD_MISSING, `${name} has no JHN (NAM) nor MR identifier`, where());
  return nam ? { nam, localIds } : { localIds };
}

function issuedByRamqOrUnsaid(authority: string, subcomponentSeparator: string): boolean {
  const [namespace = '', universalId = ''] = authority.split(subcomponentSeparator);
  if (!namespace.trim() && !universalId.trim()) return true;
  return namespace.trim().toUpperCase() === RAMQ_NAMESPACE || universalId.trim() === RAMQ_OID;
}
