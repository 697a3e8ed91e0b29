import type { StudyQuery } from './study-query';

/** Whether a Patient ID uses wildcards (PS3.4 §C.2.2.2.4), so it cannot be looked up as one value. */
export const hasWildcards = (patientId: string): boolean => /[*?]/.test(patientId);

/**
 * Patient ID matching as a test, built once per query: empty or absent is universal
 * (PS3.4 §C.2.2.2.3), `*` and `?` are wildcards (§C.2.2.2.4), anything else is single value
 * matching, exact and case-sensitive (§C.2.2.2.1).
 */
export function patientIdMatcher(pattern: string | undefined): (patientId: string) => boolean {
  if (!pattern) return () => true;
  if (!hasWildcards(pattern)) return (patientId) => patientId === pattern;
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's');
  return (patientId) => regex.test(patientId);
}

/** DA range matching (PS3.4 §C.2.2.2.5) of a YYYYMMDD date; no range matches every date. */
export const inStudyDateRange = (range: StudyQuery['studyDate'], studyDate: string): boolean =>
  (!range?.from || studyDate >= range.from) && (!range?.to || studyDate <= range.to);
