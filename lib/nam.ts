/**
 * The Québec health insurance number (NAM, « numéro d'assurance maladie »): 4 letters (first three
 * of the family name, first of the given name), then YYMMDD of birth with 50 added to the month for
 * women, then 2 administrative digits. See RAMQ, « Carte d'assurance maladie ».
 */
const NAM_SHAPE = /^[A-Z]{4}(\d{2})(\d{2})(\d{2})\d{2}$/;

function isRealDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** The birth date a NAM encodes: the century is not in the number, so either one may be meant. */
export function isValidNam(value: string): boolean {
  const match = NAM_SHAPE.exec(value);
  if (!match) return false;
  const yy = Number(match[1]);
  let month = Number(match[2]);
  const day = Number(match[3]);
  if (month > 50) month -= 50;
  if (month < 1 || month > 12) return false;
  return isRealDate(1900 + yy, month, day) || isRealDate(2000 + yy, month, day);
}

/**
 * Whether a value carries something NAM-shaped anywhere in it (4 letters, 8 digits, either case):
 * for values that leave the record (request ids, metric labels, span names), where a
 * look-alike is refused too, valid or not.
 */
export function containsNamShape(value: string): boolean {
  return /[A-Za-z]{4}\d{8}/.test(value);
}

/**
 * A text with every NAM-shaped run replaced by `[NAM]`, either case, written solid or on the card's
 * layout (« TREM 7556 1212 »): for messages that leave a tool (a failure, a report line) and were
 * not built to hold one. Four letters not preceded by a fifth, eight digits not followed by more
 * or by a UUID's next group ("chain 12345678-…" is an id, not a NAM).
 */
export function maskNams(text: string): string {
  return text.replace(/(?<![A-Z])[A-Z]{4}\s?\d{4}\s?\d{4}(?!\d|-[0-9a-f]{4}-)/gi, '[NAM]');
}

/** Upper-cases and strips the spaces people type on the card's layout (« TREM 7556 1212 »). */
export function normalizeNam(value: string): string {
  return value.replace(/\s+/g, '').toUpperCase();
}

/** Sex and birth month/day encoded in a NAM, for the demo generator and consistency checks. */
export function namFor(familyName: string, givenName: string, birthDate: string, sex: 'F' | 'M', admin: number): string {
  const letters = (s: string) => s.normalize('NFD').replace(/[^A-Za-z]/g, '').toUpperCase();
  const family = (letters(familyName) + 'XXX').slice(0, 3);
  const given = (letters(givenName) + 'X').slice(0, 1);
  const [yyyy, mm, dd] = birthDate.split('-').map(Number);
  const month = mm + (sex === 'F' ? 50 : 0);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${family}${given}${two(yyyy % 100)}${two(month)}${two(dd)}${two(admin)}`;
}
