// One table of strings per language (strings-fr.js, strings-en.js); French first. Dates are shown
// in the user's locale for the language chosen (their browser's variant of it, fr-CA / en-CA
// otherwise), in their own time zone; calendar dates (a birth date, a refusal's date) are days,
// never shifted by a zone.
import en from './strings-en.js';
import fr from './strings-fr.js';

const TABLES = { fr, en };
export const LANGUAGES = ['fr', 'en'];
let current = 'fr';

export const language = () => current;

/** Sets the language of every string and of the document (its lang attribute). */
export function setLanguage(lang) {
  current = LANGUAGES.includes(lang) ? lang : 'fr';
  document.documentElement.lang = current;
}

/** The string of a key in the current language, `{name}` replaced by params.name. */
export function t(key, params = {}) {
  const text = TABLES[current][key] ?? TABLES.fr[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (params[name] === undefined ? '' : String(params[name])));
}

/** Whether a key exists (for values such as flags or statuses that may be ones we have no words for). */
export const has = (key) => key in TABLES[current];

/** The user's locale for the current language. */
export function locale() {
  const preferred = (navigator.languages ?? [navigator.language]).find((tag) => tag && tag.toLowerCase().split('-')[0] === current);
  return preferred ?? (current === 'fr' ? 'fr-CA' : 'en-CA');
}

/**
 * A calendar date as the user reads dates, in a <time> element: YYYY-MM-DD, or as partial as the
 * source recorded it (YYYY-MM, YYYY: a condition's onset "June 2015" stays a month, not a day).
 */
export function date(iso) {
  if (!iso) return '—';
  const [y, m, d] = iso.split('-').map(Number);
  if (!Number.isInteger(y) || (m !== undefined && !Number.isInteger(m)) || (d !== undefined && !Number.isInteger(d))) return iso;
  const options = d !== undefined ? { dateStyle: 'long' } : m !== undefined ? { year: 'numeric', month: 'long' } : { year: 'numeric' };
  const text = new Intl.DateTimeFormat(locale(), { ...options, timeZone: 'UTC' }).format(new Date(Date.UTC(y, (m ?? 1) - 1, d ?? 1)));
  return timeElement(iso, text);
}

/** A date-time with an offset, in the user's zone, in a <time> element. */
export function dateTime(iso) {
  if (!iso) return '—';
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return iso;
  return timeElement(iso, new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' }).format(when));
}

/** A number as the user reads numbers. */
export const number = (value) => (value === null || value === undefined ? '—' : new Intl.NumberFormat(locale()).format(value));

function timeElement(datetime, text) {
  const element = document.createElement('time');
  element.dateTime = datetime;
  element.textContent = text;
  return element;
}

/** A role's name in the current language; a role we have no words for as the token says it. */
export const roleName = (role) => (has(`role.${role}`) ? t(`role.${role}`) : role);
