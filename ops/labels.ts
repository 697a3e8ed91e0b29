import { containsNamShape } from '../lib/nam';

/**
 * Label values a scrape may show. A label is stored in Prometheus for weeks and read by anyone with
 * dashboard access, so only values from a closed set, or names we configured (source ids), go in:
 * never a NAM, a name or anything a caller typed that could be one.
 */

/** A GraphQL name, short: what an operation name looks like when a client library wrote it. */
const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** A run of digits this long is a NAM's, a phone number's or a birth date's: not an operation's. */
const DIGIT_RUN = /\d{6}/;

/** Whether an operation name may be shown as it is. */
export function isSafeOperationName(name: string): boolean {
  return OPERATION_NAME.test(name) && !DIGIT_RUN.test(name) && !containsNamShape(name);
}

export const ANONYMOUS = 'anonymous';
export const OTHER = 'other';

/**
 * Operation names as labels, bounded: the first `cap` safe names seen keep their own series, any
 * later or unsafe one is "other". Clients choose operation names, so without a cap one client
 * could create series without end (each costs memory in every scrape and in Prometheus).
 */
export function operationLabels(cap = 100): (name: string | null | undefined) => string {
  const seen = new Set<string>();
  return (name) => {
    if (!name) return ANONYMOUS;
    if (!isSafeOperationName(name)) return OTHER;
    if (seen.has(name)) return name;
    if (seen.size >= cap) return OTHER;
    seen.add(name);
    return name;
  };
}

/** A value from a closed set, or "other": for codes and categories that come from outside. */
export function oneOf(allowed: ReadonlySet<string>, value: string | undefined): string {
  return value !== undefined && allowed.has(value) ? value : OTHER;
}
