import { getNamedType, GraphQLError, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { fieldAt, type OperationView } from '../operation-view';
import { getVariableValues } from 'graphql/execution/values';
import { badUserInput, ErrorCode } from '../../lib/errors';
import { SCALAR_RULES } from '../../lib/scalars';

/**
 * graphql-js words input errors with the value given (`Variable "$nam" got invalid value
 * "TREM…"`): a NAM is personal information, so the gateway rewords them before anyone sees them,
 * keeping the variable or argument name and the rule it broke.
 */
export function coerceVariables(schema: GraphQLSchema, operation: OperationDefinitionNode, inputs: Record<string, unknown>): GraphQLError[] {
  const result = getVariableValues(schema, operation.variableDefinitions ?? [], inputs, { maxErrors: 20 });
  if (!('errors' in result) || !result.errors) return [];
  return result.errors.map((error) => {
    const variable = /^Variable "\$(\w+)"/.exec(error.message)?.[1] ?? 'input';
    const reason = error.originalError instanceof GraphQLError && error.originalError.extensions.code === ErrorCode.BAD_USER_INPUT ? error.originalError.message : 'It is missing or of the wrong type.';
    return badUserInput(`Variable "$${variable}" is invalid: ${reason}`, variable);
  });
}

/** Rewords a literal argument error (`Argument "nam" has invalid value "…".`) without the value. */
export function rewordArgumentError(error: GraphQLError, view: OperationView): GraphQLError {
  const argument = /^Argument "(\w+)" has invalid value/.exec(error.message)?.[1];
  if (!argument) return error;
  const type = error.path ? fieldAt(view, error.path)?.args.find((a) => a.name === argument)?.type : undefined;
  const reason = (type && SCALAR_RULES[getNamedType(type).name]) ?? 'It is not of the expected type.';
  return new GraphQLError(`Argument "${argument}" is invalid: ${reason}`, { nodes: error.nodes, path: error.path, extensions: { code: ErrorCode.BAD_USER_INPUT, argumentName: argument } });
}
