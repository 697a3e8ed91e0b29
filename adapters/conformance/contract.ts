import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildASTSchema,
  getNamedType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  parse,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
} from 'graphql';
import { scalarResolvers } from '../../lib/scalars';
import type { SourceConfig } from '../../lib/sources';
import { RECORD_KINDS, type RecordKind, type RecordsByKind } from '../../schema/records';

/**
 * What the public API says a record must be, read from the API's own SDL (schema/api.graphql) so the
 * checks follow the contract as it grows: each record kind is the type of the Patient field of the
 * same name. A record that breaks it would turn the whole field into an error at the gateway
 * (GraphQL §6.4.3: a null or unserializable non-null field nulls its parent), so an adapter must
 * leave such a record out, or leave the value out, at its edge.
 */
let schema: GraphQLSchema | undefined;

function apiSchema(): GraphQLSchema {
  schema ??= buildASTSchema(parse(readFileSync(join(__dirname, '..', '..', 'schema', 'api.graphql'), 'utf8')), { assumeValidSDL: true });
  return schema;
}

/** The contract's object type a record kind is a list of (Patient.medications: [MedicationDispense!] -> MedicationDispense). */
export function contractTypeOf(kind: RecordKind): GraphQLObjectType {
  const field = (apiSchema().getType('Patient') as GraphQLObjectType).getFields()[kind];
  const type = field && getNamedType(field.type);
  if (!isObjectType(type)) throw new Error(`the contract has no Patient.${kind} list of records`);
  return type;
}

/** The record kinds whose Patient field takes `since` (Patient.medications(since: Date)): a recent-records view. */
export function kindsNarrowedBySince(): RecordKind[] {
  const fields = (apiSchema().getType('Patient') as GraphQLObjectType).getFields();
  return RECORD_KINDS.filter((kind) => fields[kind]?.args.some((arg) => arg.name === 'since'));
}

/** GraphQL §3.5.1: Int is a signed 32-bit integer. */
const INT_RANGE = 2 ** 31;

/** Why a leaf value does not serialize as its scalar; undefined when it does. Never quotes the value. */
function scalarProblem(scalar: string, value: unknown): string | undefined {
  switch (scalar) {
    case 'Int':
      return Number.isInteger(value) && Math.abs(value as number) < INT_RANGE ? undefined : 'is not a 32-bit whole number';
    case 'Float':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : 'is not a finite number';
    case 'Boolean':
      return typeof value === 'boolean' ? undefined : 'is not true or false';
    case 'String':
    case 'ID':
      return typeof value === 'string' ? undefined : 'is not text';
  }
  const custom = (scalarResolvers as Record<string, { parseValue(value: unknown): unknown } | undefined>)[scalar];
  if (!custom) return typeof value === 'string' ? undefined : 'is not text';
  try {
    custom.parseValue(value);
    return undefined;
  } catch {
    return `is not a ${scalar} (${scalar === 'DateTime' ? 'ISO 8601 with an offset' : 'see lib/scalars.ts'})`;
  }
}

function valueProblems(type: GraphQLOutputType, value: unknown, path: string): string[] {
  if (isNonNullType(type)) {
    if (value === undefined || value === null) return [`${path} is required by the contract and missing`];
    return valueProblems(type.ofType, value, path);
  }
  if (value === undefined || value === null) return [];
  if (isListType(type)) {
    if (!Array.isArray(value)) return [`${path} is not a list`];
    return value.flatMap((item, index) => valueProblems(type.ofType, item, `${path}[${index}]`));
  }
  if (isScalarType(type)) {
    const problem = scalarProblem(type.name, value);
    return problem ? [`${path} ${problem}`] : [];
  }
  if (isObjectType(type)) {
    if (typeof value !== 'object') return [`${path} is not an object`];
    return Object.values(type.getFields()).flatMap((field) => valueProblems(field.type, (value as Record<string, unknown>)[field.name], `${path}.${field.name}`));
  }
  return [];
}

/**
 * Everything that keeps one record from fitting the contract, as words safe to print (field paths and
 * rules, never a value): required fields present, every value its scalar (DateTime with an offset, Int
 * 32-bit, ...), and the facility, when the record has one, the source that answered or a place it
 * names (`<source id>/…`: the hospital of an encounter, from FHIR Encounter.serviceProvider).
 */
export function recordProblems<K extends RecordKind>(kind: K, record: RecordsByKind[K], source: Pick<SourceConfig, 'id'>): string[] {
  const type = contractTypeOf(kind);
  const problems = valueProblems(type, record, type.name);
  for (const field of ['pharmacy', 'laboratory', 'facility'] as const) {
    const facility = (record as unknown as Record<string, { id?: unknown } | undefined>)[field];
    const ours = facility && typeof facility.id === 'string' && (facility.id === source.id || facility.id.startsWith(`${source.id}/`));
    if (facility && !ours) problems.push(`${type.name}.${field}.id is neither the source's id nor a place it names (<source id>/…)`);
  }
  return problems;
}

/** The field that identifies a record of this kind in the contract (an `ID!`): `id`, or `studyInstanceUid`. */
export function idOf(kind: RecordKind, record: RecordsByKind[RecordKind]): string | undefined {
  const idField = Object.values(contractTypeOf(kind).getFields()).find((field) => isNonNullType(field.type) && getNamedType(field.type).name === 'ID');
  const value = idField ? (record as unknown as Record<string, unknown>)[idField.name] : undefined;
  return typeof value === 'string' ? value : undefined;
}
