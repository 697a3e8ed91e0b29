import { applyMiddleware, type IMiddlewareGenerator } from 'graphql-middleware';
import {
  buildASTSchema,
  GraphQLBoolean,
  GraphQLObjectType,
  GraphQLScalarType,
  GraphQLSchema,
  isObjectType,
  parse,
  printSchema,
  responsePathAsArray,
  type GraphQLFieldResolver,
} from 'graphql';
import { scalarResolvers } from '../../lib/scalars';
import { NAM_OF, OPEN_TYPES } from '../consent/rules';
import type { GatewayContext } from '../context';

/** Objects the gateway computes itself (Patient.sources) are keyed by field name, not response key. */
const COMPUTED = Symbol('computed');

export function computed<T>(value: T): T {
  if (Array.isArray(value)) value.forEach(computed);
  else if (value && typeof value === 'object') {
    Object.defineProperty(value, COMPUTED, { value: true });
    Object.values(value).forEach(computed);
  }
  return value;
}

/** A private copy of the API schema with the validating scalars (a malformed NAM is BAD_USER_INPUT). */
function copyOf(api: GraphQLSchema): GraphQLSchema {
  const copy = buildASTSchema(parse(printSchema(api)));
  for (const [name, scalar] of Object.entries(scalarResolvers)) {
    const target = copy.getType(name);
    if (target instanceof GraphQLScalarType) Object.assign(target, { parseValue: scalar.parseValue, parseLiteral: scalar.parseLiteral, serialize: scalar.serialize });
  }
  return copy;
}

/**
 * Root phase: the API's root fields with their arguments, each answering `true`. Executing the
 * client's document against it runs the shield's root rules with the real arguments and nothing
 * else (a Boolean has no sub-fields), before the query plan asks any subgraph.
 */
export function rootPhaseSchema(api: GraphQLSchema, shieldMiddleware: IMiddlewareGenerator<unknown, unknown, unknown>): GraphQLSchema {
  const config = copyOf(api).toConfig();
  const gate = (type: GraphQLObjectType | null | undefined) =>
    type
      ? new GraphQLObjectType({
          name: type.name,
          fields: Object.fromEntries(Object.entries(type.toConfig().fields).map(([name, field]) => [name, { args: field.args, type: GraphQLBoolean, resolve: () => true }])),
        })
      : undefined;
  const roots = new Set([config.query?.name, config.mutation?.name]);
  const schema = new GraphQLSchema({ ...config, query: gate(config.query), mutation: gate(config.mutation), types: config.types.filter((t) => !roots.has(t.name)) });
  return applyMiddleware(schema, shieldMiddleware);
}

/**
 * Result phase: the API schema whose resolvers read the query plan's result (keyed by response
 * name, so aliases keep working) and whose fields carry the shield. Executing the client's document
 * over the plan's result runs every field rule with the real parent values and yields exactly what
 * may be sent. Patient objects get the NAM they were asked for, so rules know whose record it is.
 */
export function resultPhaseSchema(
  api: GraphQLSchema,
  shieldMiddleware: IMiddlewareGenerator<unknown, unknown, unknown>,
  computedFields: Record<string, Record<string, GraphQLFieldResolver<any, any>>>,
): GraphQLSchema {
  const schema = copyOf(api);
  // A value the plan could not produce carries the plan's own error, at the same path, so nulls
  // propagate as they did in the plan and the caller sees the subgraph's reason (BAD_USER_INPUT...).
  const read: GraphQLFieldResolver<any, GatewayContext> = (source, _args, context, info) => {
    const value = source == null ? null : source[source[COMPUTED] ? info.fieldName : info.path.key];
    if (value == null) {
      const planned = context.planErrors.get(responsePathAsArray(info.path).join('.'));
      if (planned) throw planned;
    }
    return value;
  };
  const withNam = (value: unknown, nam: string) => {
    if (value && typeof value === 'object') Object.defineProperty(value, NAM_OF, { value: nam, configurable: true });
    return value;
  };
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) field.resolve = computedFields[type.name]?.[field.name] ?? read;
  }
  const query = schema.getQueryType()!.getFields();
  query.patient.resolve = (root, args, context, info) => withNam(read(root, args, context, info), args.nam);
  query.patients.resolve = (root, args, context, info) => {
    const list = read(root, args, context, info);
    return Array.isArray(list) ? list.map((item, index) => withNam(item, args.nams[index])) : list;
  };
  const shielded = applyMiddleware(schema, shieldMiddleware);
  // The rule tree allows every field of these types outright: the shield's wrapper could only say
  // yes, at the cost of a rule evaluation per field of every record of a panel.
  for (const name of OPEN_TYPES) {
    const type = shielded.getType(name);
    if (!isObjectType(type)) continue;
    for (const field of Object.values(type.getFields())) field.resolve = computedFields[name]?.[field.name] ?? read;
  }
  return shielded;
}
