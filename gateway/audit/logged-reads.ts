import { getNamedType, type FieldNode, type GraphQLField } from 'graphql';
import { collectFields } from 'graphql/execution/collectFields';
import { getArgumentValues } from 'graphql/execution/values';
import { isValidNam } from '../../lib/nam';
import { scalarResolvers } from '../../lib/scalars';
import { recordReads, type OperationView, type RecordRead } from '../operation-view';

/**
 * What a request reads that the access log must record, as the gateway sees it before the plan.
 *
 * The API schema the gateway validates against has the supergraph's scalars, which accept any
 * literal: a malformed NAM typed into the query (`patient(nam: "…3,000 characters…")`) passes
 * validation and only fails later, in the consent phases' validating scalars. A field whose
 * arguments do not coerce reads nothing, so it is logged as nothing (issue #8 §5: such a NAM
 * reached the log raw, and a 1 MB one failed the request).
 */

/** The record reads (patient, patients) whose NAMs are all valid: any other fails before a record is touched. */
export function recordReadsToLog(view: OperationView): RecordRead[] {
  return recordReads(view).filter((read) => read.nams.every(isValidNam));
}

/** A root `accessLog(nam, since)` or `consentRegister(nam)` field whose arguments coerce: whose log or register it reads. */
export interface AccessLogRead {
  responseKey: string;
  /** Normalised. */
  nam: string;
}

export function accessLogReads(view: OperationView): AccessLogRead[] {
  return personReads(view, 'accessLog');
}

/** Readings of a person's refusal register (issue #11): logged like readings of their access log. */
export function consentRegisterReads(view: OperationView): AccessLogRead[] {
  return personReads(view, 'consentRegister');
}

/** The root query fields of this name whose `nam` argument coerces. */
function personReads(view: OperationView, fieldName: 'accessLog' | 'consentRegister'): AccessLogRead[] {
  if (view.operation.operation !== 'query') return [];
  const queryType = view.schema.getQueryType()!;
  const field = queryType.getFields()[fieldName];
  if (!field) return [];
  const reads: AccessLogRead[] = [];
  for (const [responseKey, nodes] of collectFields(view.schema, view.fragments, view.variables, queryType, view.operation.selectionSet)) {
    if (nodes[0].name.value !== fieldName) continue;
    const args = coercedArguments(field, nodes[0], view.variables);
    if (args && typeof args.nam === 'string') reads.push({ responseKey, nam: args.nam });
  }
  return reads;
}

/** The field's arguments through the validating scalars (lib/scalars.ts); undefined when any does not coerce. */
function coercedArguments(field: GraphQLField<unknown, unknown>, node: FieldNode, variables: Record<string, unknown>): Record<string, unknown> | undefined {
  try {
    const args = getArgumentValues(field, node, variables);
    for (const definition of field.args) {
      const scalar = scalarResolvers[getNamedType(definition.type).name as keyof typeof scalarResolvers];
      const value = args[definition.name];
      if (scalar && value != null) args[definition.name] = Array.isArray(value) ? value.map((item) => scalar.parseValue(item)) : scalar.parseValue(value);
    }
    return args;
  } catch {
    return undefined;
  }
}
