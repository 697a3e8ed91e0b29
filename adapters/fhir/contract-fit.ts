import { isDate, isDateTime } from '../../lib/scalars';
import type { RecordKind, RecordsByKind } from '../../schema/records';

/** What the contract's type for a record field accepts (/work/shared/contract/contract.graphql). */
type FieldRule = 'String!' | 'String' | 'Int' | 'Float' | 'DateTime!' | 'DateTime' | 'Date' | 'Facility';

/** The fields of each kind a FHIR source fills, with their contract types. */
const FIELDS: { [K in RecordKind]?: Partial<Record<keyof RecordsByKind[K], FieldRule>> } = {
  medications: { id: 'String!', din: 'String', name: 'String!', dosageInstruction: 'String', quantity: 'Float', daysSupply: 'Int', dispensedAt: 'DateTime!', pharmacy: 'Facility' },
  labResults: { id: 'String!', code: 'String!', display: 'String', value: 'String', unit: 'String', referenceRange: 'String', abnormalFlag: 'String', status: 'String', observedAt: 'DateTime', laboratory: 'Facility' },
  encounters: { id: 'String!', class: 'String', start: 'DateTime', end: 'DateTime', reason: 'String', facility: 'Facility' },
  conditions: { id: 'String!', code: 'String', display: 'String!', text: 'String', clinicalStatus: 'String', onset: 'Date' },
  allergies: { id: 'String!', substance: 'String!', criticality: 'String', reaction: 'String', recordedAt: 'DateTime' },
  immunizations: { id: 'String!', vaccine: 'String!', occurredAt: 'DateTime!', lotNumber: 'String' },
};

/** GraphQL Int is 32-bit signed (GraphQL spec §3.5.1). */
const INT_MAX = 2 ** 31 - 1;

const isText = (value: unknown) => typeof value === 'string' && value.trim() !== '';

function fits(rule: FieldRule, value: unknown): boolean {
  switch (rule) {
    case 'String!':
    case 'String':
      return isText(value);
    case 'Int':
      return typeof value === 'number' && Number.isInteger(value) && Math.abs(value) <= INT_MAX;
    case 'Float':
      return typeof value === 'number' && Number.isFinite(value);
    case 'DateTime!':
    case 'DateTime':
      return typeof value === 'string' && isDateTime(value);
    case 'Date':
      return typeof value === 'string' && isDate(value);
    case 'Facility': {
      const facility = value as { id?: unknown; name?: unknown } | null;
      return typeof facility === 'object' && facility !== null && isText(facility.id) && isText(facility.name);
    }
  }
}

/**
 * The last check before a mapped record leaves the adapter: every field as the contract types it.
 * An optional field that does not fit is left out, a record whose required field does not fit is
 * left out whole, and each is reported (`problem(field)`): whatever a mapper let through, one odd
 * value never turns a whole list into a GraphQL error (the serializer of Int throws on 2.5, that of
 * a non-null field on null).
 */
export function fitToContract<K extends RecordKind>(kind: K, record: RecordsByKind[K], problem: (field: string, issue: string) => void): RecordsByKind[K] | undefined {
  const rules = FIELDS[kind] as Record<string, FieldRule> | undefined;
  if (!rules) return record;
  let fitted: Record<string, unknown> | undefined;
  for (const [field, rule] of Object.entries(rules)) {
    const value = (record as unknown as Record<string, unknown>)[field];
    const required = rule.endsWith('!');
    if (value === undefined && !required) continue;
    if (fits(rule, value)) continue;
    problem(field, `does not fit the contract's ${rule}`);
    if (required) return undefined;
    fitted ??= { ...(record as unknown as Record<string, unknown>) };
    delete fitted[field];
  }
  return (fitted ?? record) as unknown as RecordsByKind[K];
}
