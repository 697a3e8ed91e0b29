import {
  GraphQLError,
  isInputObjectType,
  isListType,
  isNonNullType,
  Kind,
  print,
  typeFromAST,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type VariableDefinitionNode,
} from 'graphql';
import { getVariableValues } from 'graphql/execution/values';
import { ErrorCode, graphError } from '../lib/errors';

/**
 * The request's variables as execution will see them: coerced once, before anything runs, so
 * every later reader (the operation view, the people cap, the consent rules, the access log, the
 * query plan) sees values of the declared shape with the query's defaults filled in. Code that
 * read the raw values crashed on a lone string where a list was declared (HTTP 500) and missed
 * NAMs given as a variable's default.
 *
 * Stricter than graphql-js in one way: a lone value where a list is declared is refused, where
 * the spec would read it as a list of one. For a NAM list that is an EMR's bug (it meant a
 * list), and answering it would hide the bug.
 *
 * Throws BAD_USER_INPUT (HTTP 400) naming the variable and its declared type, never the value.
 */
export function variableValues(schema: GraphQLSchema, operation: OperationDefinitionNode, inputs: Record<string, unknown>): Record<string, unknown> {
  const definitions = operation.variableDefinitions ?? [];
  const loneForList = definitions.find((definition) => !listsAreLists(typeFromAST(schema, definition.type) as GraphQLInputType | undefined, inputs[definition.variable.name.value]));
  if (loneForList) throw invalid(loneForList);
  const result = getVariableValues(schema, definitions, inputs, { maxErrors: 1 });
  if (result.errors) {
    const node = result.errors[0].nodes?.[0];
    throw invalid(node?.kind === Kind.VARIABLE_DEFINITION ? node : undefined);
  }
  return result.coerced;
}

/** Whether every place the type declares a list holds an array (or nothing); the rest is graphql-js's to check. */
function listsAreLists(type: GraphQLInputType | undefined, value: unknown): boolean {
  if (!type || value == null) return true;
  if (isNonNullType(type)) return listsAreLists(type.ofType, value);
  if (isListType(type)) return Array.isArray(value) && value.every((item) => listsAreLists(type.ofType, item));
  if (isInputObjectType(type) && typeof value === 'object' && !Array.isArray(value)) {
    return Object.values(type.getFields()).every((field) => listsAreLists(field.type, (value as Record<string, unknown>)[field.name]));
  }
  return true;
}

function invalid(definition: VariableDefinitionNode | undefined): GraphQLError {
  const what = definition ? `Variable "$${definition.variable.name.value}" must be a ${print(definition.type)}` : 'A variable is invalid';
  return graphError(ErrorCode.BAD_USER_INPUT, `${what}: it is missing, null, or of another type or shape.`, { http: { status: 400 } });
}
