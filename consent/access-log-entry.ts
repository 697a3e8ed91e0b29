import { isSafeRequestId } from '../ops/request-id';
import { isValidNam } from '../lib/nam';
import { DOMAINS, type Domain } from '../lib/sources';
import { ENTRY_KINDS, type EntryKind } from './access-log-hash';

export type Outcome = 'GRANTED' | 'DENIED';

export interface AccessEntryInput {
  /** What was read: the record (default), the person's access log or their refusal register. */
  kind?: EntryKind;
  /** A valid NAM, normalised (lib/nam.ts normalizeNam). */
  nam: string;
  providerId: string;
  role: string;
  facility?: string;
  /** The domains asked; none for a reading of the access log. */
  domains: Domain[];
  outcome: Outcome;
  /** When the access was decided; when it is appended by default. */
  at?: Date;
  /** The request that made the access (ops/request-id.ts), kept and linked from format v4 on. */
  requestId?: string;
}

/** Longest provider id, role or facility kept: identifiers, not free text (issue #8 §5). */
export const MAX_IDENTIFIER_LENGTH = 128;

/** C0 and C1 control characters (line breaks, escapes): nothing an identifier holds, and they forge log lines. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Why an entry cannot be kept, if it cannot: checked before anything is written, so the log holds
 * only valid, bounded values (issue #8 §5: a malformed NAM of 1 MB once reached it). The reason is
 * a fixed phrase: it never quotes the value.
 */
export function flaw(entry: AccessEntryInput): string | undefined {
  const kind = entry.kind ?? 'RECORD';
  if (!ENTRY_KINDS.includes(kind)) return 'unknown kind of entry';
  if (typeof entry.nam !== 'string' || !isValidNam(entry.nam)) return 'an entry needs a valid, normalised NAM';
  if (!entry.providerId || !entry.role) return 'an entry needs a provider id and a role';
  for (const value of [entry.providerId, entry.role, entry.facility]) {
    if (value !== undefined && !isIdentifier(value)) return `provider id, role and facility are at most ${MAX_IDENTIFIER_LENGTH} characters, without control characters`;
  }
  if (entry.outcome !== 'GRANTED' && entry.outcome !== 'DENIED') return 'outcome must be GRANTED or DENIED';
  if (!Array.isArray(entry.domains) || entry.domains.some((domain) => !DOMAINS.includes(domain))) return 'unknown domain';
  if (kind === 'ACCESS_LOG' && entry.domains.length > 0) return 'a reading of the access log asks no domain';
  if (kind === 'CONSENT_REGISTER' && entry.domains.length > 0) return 'a reading of the refusal register asks no domain';
  if (entry.requestId !== undefined && !isSafeRequestId(entry.requestId)) return 'a request id is 8 to 64 letters, digits, dots, dashes or underscores';
  if (entry.at !== undefined && !(entry.at instanceof Date && !Number.isNaN(entry.at.getTime()))) return 'invalid time';
  return undefined;
}

const isIdentifier = (value: unknown) => typeof value === 'string' && value.length <= MAX_IDENTIFIER_LENGTH && !CONTROL.test(value);
