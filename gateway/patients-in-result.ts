import {
  getNamedType,
  GraphQLObjectType,
  isObjectType,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { collectFields, collectSubfields } from 'graphql/execution/collectFields';
import { getArgumentValues } from 'graphql/execution/values';
import { normalizeNam } from '../lib/nam';

/** What the gateway's post-processing needs to know about one operation. */
export interface OperationView {
  schema: GraphQLSchema;
  operation: OperationDefinitionNode;
  fragments: Record<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
}

/** One Patient object in a result, with the NAM it was asked for and its selected fields. */
export interface PatientInResult {
  nam: string;
  /** The Patient object in the response data (mutable), or null when the person is unknown or withheld. */
  object: Record<string, unknown> | null;
  path: (string | number)[];
  /** Response key -> field nodes selected on this Patient (aliases and fragments resolved). */
  fields: Map<string, readonly FieldNode[]>;
}

/** A root field of the operation that reads records: `patient` or `patients`, with its NAMs. */
export interface RecordRootField {
  responseKey: string;
  fieldName: 'patient' | 'patients' | 'accessLog';
  nams: string[];
  nodes: readonly FieldNode[];
}

const RECORD_ROOTS = new Set(['patient', 'patients', 'accessLog']);

/**
 * The record-reading root fields of an operation, with the NAMs each asks for (from literals or
 * variables). Patients appear only at the root in the contract, so this finds every one.
 */
export function recordRootFields(view: OperationView): RecordRootField[] {
  const rootType = view.operation.operation === 'query' ? view.schema.getQueryType() : view.schema.getMutationType();
  if (!rootType) return [];
  const fields = collectFields(view.schema, view.fragments, view.variables, rootType, view.operation.selectionSet);
  const roots: RecordRootField[] = [];
  for (const [responseKey, nodes] of fields) {
    const fieldName = nodes[0].name.value;
    if (!RECORD_ROOTS.has(fieldName) || view.operation.operation !== 'query') continue;
    const definition = rootType.getFields()[fieldName];
    const args = getArgumentValues(definition, nodes[0], view.variables);
    const nams = (fieldName === 'patients' ? (args.nams as string[]) : [args.nam as string]).map((nam) => normalizeNam(String(nam)));
    roots.push({ responseKey, fieldName: fieldName as RecordRootField['fieldName'], nams, nodes });
  }
  return roots;
}

/** Every Patient object in the result data, paired with the NAM it was asked for. */
export function patientsInResult(view: OperationView, data: Record<string, unknown> | null | undefined): PatientInResult[] {
  const patientType = view.schema.getType('Patient') as GraphQLObjectType;
  const found: PatientInResult[] = [];
  for (const root of recordRootFields(view)) {
    if (root.fieldName === 'accessLog') continue;
    const fields = collectSubfields(view.schema, view.fragments, view.variables, patientType, root.nodes);
    const value = data?.[root.responseKey];
    root.nams.forEach((nam, index) => {
      const object = root.fieldName === 'patients' ? (Array.isArray(value) ? value[index] : null) : value;
      const path = root.fieldName === 'patients' ? [root.responseKey, index] : [root.responseKey];
      found.push({ nam, object: (object as Record<string, unknown>) ?? null, path, fields });
    });
  }
  return found;
}

/** Shapes a plain value to what the client selected under `nodes` (aliases, __typename, sub-fields). */
export function project(view: OperationView, value: unknown, type: GraphQLObjectType, nodes: readonly FieldNode[]): unknown {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map((item) => project(view, item, type, nodes));
  const selected = collectSubfields(view.schema, view.fragments, view.variables, type, nodes);
  const out: Record<string, unknown> = {};
  for (const [key, fieldNodes] of selected) {
    const name = fieldNodes[0].name.value;
    if (name === '__typename') {
      out[key] = type.name;
      continue;
    }
    const fieldType = type.getFields()[name]?.type;
    const named = fieldType && getNamedType(fieldType);
    const raw = (value as Record<string, unknown>)[name];
    out[key] = named && isObjectType(named) ? project(view, raw, named, fieldNodes) : (raw ?? null);
  }
  return out;
}
