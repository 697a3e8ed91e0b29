import { execute, GraphQLError, type ExecutionResult, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import type { IMiddlewareGenerator } from 'graphql-middleware';
import { ErrorCode } from '../../lib/errors';
import type { ExecutionPlugin, PlanRequest } from '../execution/enforcing-gateway';
import { coerceVariables, rewordArgumentError } from '../execution/input-errors';
import { resultPhaseSchema, rootPhaseSchema } from '../execution/phase-schemas';

export interface ConsentOptions {
  /** The shield built by consentRules(). */
  rules: IMiddlewareGenerator<unknown, unknown, unknown>;
  /** Fields the gateway computes in the result phase (Patient.sources). */
  computedFields?: Record<string, Record<string, GraphQLFieldResolver<any, any>>>;
}

/**
 * Enforces the consent rules around the query plan (issue #4, "a known trap"):
 * - before the plan, the shield runs over the root fields with their real arguments; denied root
 *   fields are left out of the plan, and each record's decision becomes a signed grant, so a
 *   refused record costs no source call;
 * - after the plan, the client's document is executed again over the plan's result with the
 *   shield on every field, so each rule sees its real parent; what comes out is what is sent.
 */
export function useConsent(options: ConsentOptions): ExecutionPlugin {
  const phases = new WeakMap<GraphQLSchema, { root: GraphQLSchema; result: GraphQLSchema }>();
  const phasesOf = (api: GraphQLSchema) => {
    let built = phases.get(api);
    if (!built) {
      built = { root: rootPhaseSchema(api, options.rules), result: resultPhaseSchema(api, options.rules, options.computedFields ?? {}) };
      phases.set(api, built);
    }
    return built;
  };
  const run = (request: PlanRequest, schema: GraphQLSchema, rootValue: unknown) =>
    execute({ schema, document: request.document, rootValue, contextValue: request.context, variableValues: request.view.variables, operationName: request.operationName }) as Promise<ExecutionResult>;

  return {
    async beforePlan(request) {
      const { root } = phasesOf(request.view.schema);
      const invalid = coerceVariables(root, request.view.operation, request.view.variables);
      if (invalid.length > 0) {
        request.rejected = invalid;
        return;
      }
      const verdict = await run(request, root, null);
      for (const error of verdict.errors ?? []) if (error.path?.length === 1) request.skipped.add(String(error.path[0]));
      const { caller, decisions } = request.context;
      caller.grants = Object.fromEntries([...decisions].filter(([, d]) => d.open).map(([nam, d]) => [nam, d.open ? d.closedBefore : null]));
      caller.refused = [...decisions].filter(([, d]) => d.open && d.reason !== 'active').map(([nam]) => nam);
    },
    async afterPlan(request, planned) {
      for (const error of planned.errors ?? []) if (error.path) request.context.planErrors.set(error.path.join('.'), error);
      const final = await run(request, phasesOf(request.view.schema).result, planned.data ?? null);
      const errors = mergeErrors((final.errors ?? []).map((e) => rewordArgumentError(e, request.view)), planned.errors ?? []);
      return { data: final.data, ...(errors.length > 0 ? { errors } : {}), extensions: planned.extensions };
    },
  };
}

/**
 * The result phase's errors win. A subgraph's error is kept only where the result phase said
 * nothing at or above its path (a SOURCE_UNAVAILABLE beside records, a RECORD_REFUSED for a list
 * item); the subgraphs' own FORBIDDEN checks only repeat the gateway's.
 */
function mergeErrors(final: readonly GraphQLError[], planned: readonly GraphQLError[]): GraphQLError[] {
  const covered = (path: readonly (string | number)[] | undefined) =>
    !!path && final.some((error) => error.path && error.path.length <= path.length && error.path.every((key, i) => key === path[i]));
  return [...final, ...planned.filter((error) => error.extensions?.code !== ErrorCode.FORBIDDEN && !covered(error.path))];
}
