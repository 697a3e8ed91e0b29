import { GraphQLError, Kind, type ASTVisitor, type FragmentDefinitionNode, type SelectionSetNode, type ValidationContext } from 'graphql';
import { ErrorCode } from '../lib/errors';

/**
 * Query depth as a validation rule (Medplum/graphql-depth-limit style): the contract's deepest
 * path is 4 levels (patient > medications > pharmacy > name), so anything deeper is either a
 * mistake or an attempt to make the planner work hard. Fragments are followed, cycles stopped.
 */
export function depthLimit(maxDepth: number) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    const depthOf = (selectionSet: SelectionSetNode | undefined, seen: Set<string>): number => {
      if (!selectionSet) return 0;
      let deepest = 0;
      for (const selection of selectionSet.selections) {
        // Introspection is deep by nature and reads the schema, not records.
        if (selection.kind === Kind.FIELD && selection.name.value.startsWith('__')) continue;
        if (selection.kind === Kind.FIELD) deepest = Math.max(deepest, selection.selectionSet ? 1 + depthOf(selection.selectionSet, seen) : 1);
        else if (selection.kind === Kind.INLINE_FRAGMENT) deepest = Math.max(deepest, depthOf(selection.selectionSet, seen));
        else if (!seen.has(selection.name.value)) {
          deepest = Math.max(deepest, depthOf(fragments.get(selection.name.value)?.selectionSet, new Set([...seen, selection.name.value])));
        }
      }
      return deepest;
    };
    return {
      OperationDefinition(node) {
        if (depthOf(node.selectionSet, new Set()) > maxDepth) {
          context.reportError(new GraphQLError(`The query is deeper than ${maxDepth} levels.`, { nodes: [node], extensions: { code: ErrorCode.BAD_USER_INPUT } }));
        }
      },
    };
  };
}
