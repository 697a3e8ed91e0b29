import type { Patient, Resource } from '@medplum/fhirtypes';
import { DateTime } from 'luxon';
import { DEMO_ZONE } from '../../demo/fhir/clock';
import { dateParameterOf, SearchParameterError, searchResources } from '../../demo/fhir/search';
import { DEFAULT_NAM_SYSTEM } from '../../lib/sources';
import type { WorldModel } from './model';
import type { WorldSource } from './province';
import { patientAt, resourcesAt } from './records';

/** A search the server refuses, answered as an OperationOutcome with this status. */
export class FhirProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: 'invalid' | 'not-supported' | 'too-costly' | 'not-found',
    message: string,
  ) {
    super(message);
  }
}

/** Parameters about the result, not the criteria: accepted everywhere (_count, _include and _elements are read by the caller). */
const RESULT_PARAMETERS = new Set(['_count', '_include', '_elements', '_format', '_pretty', '_summary', '_sort', '_total']);

interface Token {
  system?: string;
  value: string;
}

/** A token list (http://hl7.org/fhir/R4/search.html#token): a comma is OR, `system|value`, `\` escapes. */
function tokensOf(list: string): Token[] {
  const unescape = (text: string) => text.replace(/\\([\\,$|])/g, '$1');
  return list.split(/(?<!\\),/).map((part) => {
    const bar = part.search(/(?<!\\)\|/);
    return bar < 0 ? { value: unescape(part) } : { system: unescape(part.slice(0, bar)), value: unescape(part.slice(bar + 1)) };
  });
}

/** Every source of the world files people under the NAM system (lib/sources.ts default); a token without a system matches any. */
const isNamSystem = (token: Token) => token.system === undefined || token.system === DEFAULT_NAM_SYSTEM;

/** Whether a token names this NAM: `value`, `system|value`, or `system|` (everyone of the system). */
const namMatches = (token: Token, nam: string) => isNamSystem(token) && (token.value === '' ? token.system !== undefined : token.value === nam);

/**
 * Like HAPI FHIR by default, a criterion the server does not know is refused (400), not ignored:
 * an adapter sending something new finds out here, not by reading everyone's records.
 */
function checkParameters(params: URLSearchParams, criteria: readonly string[]): void {
  for (const name of new Set(params.keys())) {
    if (!RESULT_PARAMETERS.has(name) && !criteria.includes(name)) throw new FhirProblem(400, 'not-supported', `unknown search parameter ${name.slice(0, 40)}`);
  }
}

/**
 * A record search as adapters/fhir sends it: `patient.identifier=<system>|<NAM>,...` (chained to
 * the Patient's identifier; a repeated parameter is AND), `_include=<Type>:patient`, the type's
 * date parameter (`ge2024-01-01`...). Matches come in person order, then the person's own order.
 */
export function searchRecordsAt(model: WorldModel, source: WorldSource, type: string, params: URLSearchParams): { matches: Resource[]; includePatients: boolean } {
  // The record type's date search parameter (what adapters/fhir sends with `since`).
  const dateParameter = dateParameterOf(type);
  checkParameters(params, dateParameter ? ['patient.identifier', dateParameter] : ['patient.identifier']);
  const lists = params.getAll('patient.identifier');
  if (lists.length === 0) throw new FhirProblem(400, 'too-costly', 'this server searches records by patient.identifier only');
  let people: Set<number> | undefined;
  for (const list of lists) {
    const found = new Set<number>();
    for (const token of tokensOf(list)) {
      if (token.value === '') throw new FhirProblem(400, 'too-costly', 'patient.identifier must name people');
      const person = isNamSystem(token) ? model.personOfNam(token.value) : undefined;
      if (person !== undefined && model.holdings.holds(source.index, person)) found.add(person);
    }
    people = people ? new Set([...people].filter((person) => found.has(person))) : found;
  }
  const includes = params.getAll('_include');
  if (includes.some((include) => include !== `${type}:patient`)) throw new FhirProblem(400, 'not-supported', `_include supports ${type}:patient only`);
  let matches = [...(people ?? [])].sort((a, b) => a - b).flatMap((person) => resourcesAt(model.seed, source, model.people[person], type));
  if (dateParameter && params.has(dateParameter)) {
    // The demo server's date semantics (prefixes, precision, local times in the source's zone).
    try {
      matches = searchResources(type, matches, new Map(), new URLSearchParams(params.getAll(dateParameter).map((value) => [dateParameter, value]))).matches;
    } catch (error) {
      if (error instanceof SearchParameterError) throw new FhirProblem(400, 'invalid', error.message);
      throw error;
    }
  }
  return { matches, includePatients: includes.length > 0 };
}

/**
 * The roster search the record locator reads: `identifier=<system>|` (everyone filed under the
 * NAM system; `<system>|<NAM>` for one person) and `_lastUpdated=gt<instant>` (who changed since
 * the last read). Patients come in person order.
 */
export function searchRosterAt(model: WorldModel, source: WorldSource, params: URLSearchParams): Patient[] {
  checkParameters(params, ['identifier', '_lastUpdated']);
  let members = [...model.holdings.membersOf(source.index)];
  for (const list of params.getAll('identifier')) {
    const tokens = tokensOf(list);
    members = members.filter((person) => tokens.some((token) => namMatches(token, model.people[person].nam)));
  }
  const tests = params.getAll('_lastUpdated').map(instantTest);
  return members.map((person) => patientAt(model.seed, source, model.people[person])).filter((patient) => tests.every((test) => test(Date.parse(patient.meta!.lastUpdated!))));
}

/**
 * A `_lastUpdated` value (http://hl7.org/fhir/R4/search.html#date) as a test on an instant: the
 * value stands for the whole span of its precision (a day, a second...); a date alone is the
 * server's local day.
 */
function instantTest(raw: string): (at: number) => boolean {
  const prefix = /^(eq|gt|ge|lt|le)/.exec(raw)?.[1] ?? 'eq';
  const text = raw.replace(/^(eq|gt|ge|lt|le)/, '').replace(/ /g, '+'); // a `+` offset sent unencoded arrives as a space
  const match = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.exec(text);
  const at = match ? DateTime.fromISO(text, { zone: DEMO_ZONE, setZone: true }) : undefined;
  if (!match || !at?.isValid) throw new FhirProblem(400, 'invalid', '_lastUpdated must be a date or an instant with an offset, after an optional prefix (eq, gt, ge, lt, le)');
  const unit = !match[1] ? 'day' : !match[2] ? 'minute' : match[3] ? 'millisecond' : 'second';
  const low = at.startOf(unit).toMillis();
  const high = at.startOf(unit).plus({ [unit]: 1 }).toMillis();
  const tests = { eq: (t: number) => t >= low && t < high, gt: (t: number) => t >= high, ge: (t: number) => t >= low, lt: (t: number) => t < low, le: (t: number) => t < high };
  return tests[prefix as keyof typeof tests];
}
