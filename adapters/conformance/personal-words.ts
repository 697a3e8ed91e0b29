import { normalizeNam } from '../../lib/nam';
import type { PatientRef } from '../port';

/**
 * The ways a person asked could show up in a log line or an error: the NAM as given, as the card
 * prints it (`TREM 7556 1212`) and normalized, their local ids, and any further words (names) the
 * caller knows. Short all-digit local ids are left out: "1003" would match a duration or a count.
 */
export function personalWordsOf(people: readonly PatientRef[], extra: readonly string[] = []): string[] {
  const words = new Set<string>();
  for (const { nam, localId } of people) {
    const normal = normalizeNam(nam);
    words.add(nam);
    words.add(normal);
    if (normal.length === 12) words.add(`${normal.slice(0, 4)} ${normal.slice(4, 8)} ${normal.slice(8)}`);
    if (localId && (/\D/.test(localId) ? localId.length >= 4 : localId.length >= 6)) words.add(localId);
  }
  for (const word of extra) if (word.trim().length >= 3) words.add(word.trim());
  return [...words];
}

const escape = (word: string) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * How many of these words the text holds as whole words (case-insensitive: "Roy" is not in
 * "destroy"); the words themselves are never returned.
 */
export function countPersonalWords(text: string, words: readonly string[]): number {
  return words.filter((word) => new RegExp(`(?<![\\p{L}\\p{N}])${escape(word)}(?![\\p{L}\\p{N}])`, 'iu').test(text)).length;
}

/**
 * A NAM as the conformance CLI prints it: enough for the integrator to tell their test people apart
 * (the first two letters, the last two digits), not enough to name anyone.
 */
export function maskNam(nam: string): string {
  const normal = normalizeNam(nam);
  return normal.length <= 4 ? '*'.repeat(normal.length) : `${normal.slice(0, 2)}${'*'.repeat(normal.length - 4)}${normal.slice(-2)}`;
}
