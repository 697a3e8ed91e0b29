import { GraphQLScalarType, Kind } from 'graphql';
import { isValidNam, normalizeNam } from './nam';
import { badUserInput } from './errors';

/** A calendar date (ISO 8601 §5.2.1.1), or one of reduced precision (§5.2.1.2): a month, a year. */
const DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Whether a value is a Date: YYYY-MM-DD and a real day, or YYYY-MM, or YYYY. Sources write a
 * condition's onset as precisely as the clinician knew it ("June 2015"), and FHIR keeps that
 * (https://hl7.org/fhir/R4/datatypes.html#date); a Date carries it without inventing a day.
 */
export function isDate(value: string): boolean {
  const match = DATE.exec(value);
  if (!match) return false;
  const [, year, month, day] = match;
  if (month === undefined) return true;
  if (Number(month) < 1 || Number(month) > 12) return false;
  return day === undefined || (Number(day) >= 1 && Number(day) <= new Date(Date.UTC(Number(year), Number(month), 0)).getUTCDate());
}

/** Whether a value is a DateTime: ISO 8601 with an offset, and a real instant. */
export const isDateTime = (value: string) => DATE_TIME.test(value) && !Number.isNaN(Date.parse(value));

/**
 * Where each custom scalar's format is specified: the `@specifiedBy` URL of the SDL (GraphQL spec,
 * October 2021, §3.13.4), so codegen and explorers can map them (issue #10 §5). The subgraphs' SDL
 * (subgraphs/patient-index/schema.graphql, schema/domain-shared.graphql) says the same, checked by
 * test/schema/custom-scalars.test.ts.
 */
export const SCALAR_SPECIFIED_BY: Record<'NAM' | 'Date' | 'DateTime', string> = {
  NAM: 'https://fhir.infoway-inforoute.ca/NamingSystem/ca-qc-patient-healthcare-id',
  // FHIR's date: YYYY-MM-DD, or reduced to YYYY-MM or YYYY as sources write them (a local-date would refuse those).
  Date: 'https://hl7.org/fhir/R4/datatypes.html#date',
  DateTime: 'https://scalars.graphql.org/andimarek/date-time.html',
};

function stringScalar(name: keyof typeof SCALAR_SPECIFIED_BY, description: string, parse: (raw: string) => string) {
  const fromValue = (value: unknown) => {
    if (typeof value !== 'string') throw badUserInput(`${name} must be a string.`);
    return parse(value);
  };
  return new GraphQLScalarType({
    name,
    description,
    specifiedByURL: SCALAR_SPECIFIED_BY[name],
    serialize: (value) => value,
    parseValue: fromValue,
    parseLiteral: (ast) => {
      if (ast.kind !== Kind.STRING) throw badUserInput(`${name} must be a string.`);
      return fromValue(ast.value);
    },
  });
}

/** What each scalar expects, in words safe to return: they never echo the value given. */
export const SCALAR_RULES: Record<string, string> = {
  NAM: 'A NAM is 4 letters and 8 digits whose first six digits are a real birth date (women: month + 50).',
  Date: 'A Date is YYYY-MM-DD and a real calendar day, or a month (YYYY-MM) or a year (YYYY).',
  DateTime: 'A DateTime is ISO 8601 with an offset, e.g. 2012-03-30T14:05:00-04:00.',
};

/** Rejects a malformed NAM before any resolver runs. */
export const NamScalar = stringScalar('NAM', 'Québec health insurance number.', (raw) => {
  const nam = normalizeNam(raw);
  if (!isValidNam(nam)) throw badUserInput(SCALAR_RULES.NAM);
  return nam;
});

/**
 * A Date given as an argument (`since`) stands for the start of its span: `2015-06` is read as
 * 2015-06-01, `2015` as 2015-01-01, so every consumer of an argument gets a whole day. Records
 * serialize their dates with the precision the source gave.
 */
export const DateScalar = stringScalar('Date', 'ISO 8601 calendar date.', (raw) => {
  if (!isDate(raw)) throw badUserInput(SCALAR_RULES.Date);
  return raw.length === 4 ? `${raw}-01-01` : raw.length === 7 ? `${raw}-01` : raw;
});

export const DateTimeScalar = stringScalar('DateTime', 'ISO 8601 date-time with an offset.', (raw) => {
  if (!isDateTime(raw)) throw badUserInput(SCALAR_RULES.DateTime);
  return raw;
});

export const scalarResolvers = { NAM: NamScalar, Date: DateScalar, DateTime: DateTimeScalar };
