import { getNamedType, isObjectType, type DocumentNode, type FieldNode, type FragmentDefinitionNode, type GraphQLField, type GraphQLObjectType, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { collectFields, collectSubfields } from 'graphql/execution/collectFields';
import { getArgumentValues } from 'graphql/execution/values';
import { normalizeNam } from '../lib/nam';
import type { Domain } from '../lib/sources';
import { DOMAIN_OF_KIND, type RecordKind } from '../schema/records';

/** One operation as the gateway's plugins read it: schema, operation, fragments, variables. */
export interface OperationView {
  schema: GraphQLSchema;
  operation: OperationDefinitionNode;
  fragments: Record<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
}

export function fragmentsOf(document: DocumentNode): Record<string, FragmentDefinitionNode> {
  return Object.fromEntries(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === 'FragmentDefinition').map((d) => [d.name.value, d]),
  );
}

/** A root field that opens records (`patient`, `patients`), with the NAMs and domains it asks. */
export interface RecordRead {
  responseKey: string;
  list: boolean;
  nams: string[];
  domains: Domain[];
}

/**
 * The record reads of an operation (aliases and fragments resolved). Patients appear only at the
 * root in the contract, so these are all of them. Arguments that do not coerce (a malformed NAM)
 * make no read: that field fails before any record is touched.
 */
export function recordReads(view: OperationView): RecordRead[] {
  if (view.operation.operation !== 'query') return [];
  const queryType = view.schema.getQueryType()!;
  const patientType = view.schema.getType('Patient') as GraphQLObjectType;
  const reads: RecordRead[] = [];
  for (const [responseKey, nodes] of collectFields(view.schema, view.fragments, view.variables, queryType, view.operation.selectionSet)) {
    const fieldName = nodes[0].name.value;
    if (fieldName !== 'patient' && fieldName !== 'patients') continue;
    let args: Record<string, unknown>;
    try {
      args = getArgumentValues(queryType.getFields()[fieldName], nodes[0], view.variables);
    } catch {
      continue;
    }
    const nams = (fieldName === 'patients' ? (args.nams as string[]) : [args.nam as string]).map((nam) => normalizeNam(String(nam)));
    reads.push({ responseKey, list: fieldName === 'patients', nams, domains: domainsAsked(view, patientType, nodes) });
  }
  return reads;
}

function domainsAsked(view: OperationView, patientType: GraphQLObjectType, nodes: readonly FieldNode[]): Domain[] {
  const domains = new Set<Domain>();
  for (const [, fieldNodes] of collectSubfields(view.schema, view.fragments, view.variables, patientType, nodes)) {
    const domain = DOMAIN_OF_KIND[fieldNodes[0].name.value as RecordKind];
    if (domain) domains.add(domain);
  }
  return [...domains];
}

/** The field definition a response path points at (list indices skipped, aliases resolved). */
export function fieldAt(view: OperationView, path: readonly (string | number)[]): GraphQLField<unknown, unknown> | undefined {
  let type: GraphQLObjectType | undefined | null = view.operation.operation === 'mutation' ? view.schema.getMutationType() : view.schema.getQueryType();
  let nodes: readonly FieldNode[] | undefined;
  let field: GraphQLField<unknown, unknown> | undefined;
  for (const key of path) {
    if (typeof key === 'number') continue;
    if (!type) return undefined;
    const fields = nodes ? collectSubfields(view.schema, view.fragments, view.variables, type, nodes) : collectFields(view.schema, view.fragments, view.variables, type, view.operation.selectionSet);
    nodes = fields.get(key);
    if (!nodes) return undefined;
    field = type.getFields()[nodes[0].name.value];
    const named = field && getNamedType(field.type);
    type = named && isObjectType(named) ? named : undefined;
  }
  return field;
}
