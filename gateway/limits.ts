import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import type { ValidationContext, ValidationRule } from 'graphql';
import type { Config } from '../lib/config';
import { queryTooComplex } from '../lib/errors';

/**
 * How much a query costs (graphql-armor's model: a field with sub-fields costs `objectCost` plus
 * `depthCostFactor` times its sub-fields, a leaf `scalarCost`). Objects are what fan out to the
 * sources: a Patient's domain lists (each one asks every source of its domain), their facilities,
 * Patient.sources. Priced at 100 against 1 for a leaf, a patient with every domain and every field
 * costs about 1,500, so three such patients fit under the default 5,000 and thousands never do;
 * a panel asking a few fields of each record costs a few hundred. The people a `patients` field
 * asks are counted apart (gateway/people-cap.ts): validation does not see variables.
 */
export const COST_MODEL = { objectCost: 100, scalarCost: 1, depthCostFactor: 1 } as const;

/**
 * Depth, aliases and cost as validation rules (Medplum style), from graphql-armor: they run with
 * graphql-js's own rules, before any plan is made or source asked. Fragments count as the fields
 * they hold (flattened), so hiding depth or aliases in fragments gains nothing. Introspection
 * (`__schema`) is not counted: an integrator's codegen must be able to read the schema.
 * The token limit is applied while parsing (gateway/token-limit.ts).
 */
export function queryLimitRules(limits: Config['limits']): ValidationRule[] {
  return [
    maxDepthRule({ n: limits.maxDepth, flattenFragments: true, ...refuse(`The query is nested deeper than ${limits.maxDepth} levels.`) }),
    maxAliasesRule({ n: limits.maxAliases, ...refuse(`The query has more than ${limits.maxAliases} aliases; split it into several requests.`) }),
    costLimitRule({ maxCost: limits.maxCost, ...COST_MODEL, flattenFragments: true, ...refuse(`The query costs more than ${limits.maxCost}; ask for fewer records or domains at once.`) }),
  ] as ValidationRule[];
}

/**
 * armor throws its error by default, which Apollo answers with a 500; reported to the validation
 * context instead, it is a 400 with our code and our words (armor's would say "Syntax Error").
 */
function refuse(message: string) {
  return { propagateOnRejection: false, onReject: [(context: ValidationContext | null) => context?.reportError(queryTooComplex(message))] };
}
