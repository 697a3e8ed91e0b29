import type { ApolloGateway } from '@apollo/gateway';
import type { GatewayExecutionResult, GatewayExecutor, GatewayGraphQLRequestContext, GatewayInterface } from '@apollo/server-gateway-interface';
import type { Tracer } from '@opentelemetry/api';
import { createHash } from 'node:crypto';
import { Kind, print, type DocumentNode, type ExecutionResult, type FieldNode, type GraphQLError, type OperationDefinitionNode } from 'graphql';
import { collectFields } from 'graphql/execution/collectFields';
import { inSpan } from '../../ops/spans';
import type { GatewayContext } from '../context';
import { fragmentsOf, type OperationView } from '../operation-view';

/** One request as the execution plugins see it. */
export interface PlanRequest {
  context: GatewayContext;
  view: OperationView;
  document: DocumentNode;
  operationName?: string;
  /** Root response keys the root rules denied: they are left out of the query plan. */
  skipped: Set<string>;
  /** Set by a plugin to answer these errors at once: nothing is planned or logged. */
  rejected?: GraphQLError[];
}

/**
 * A cross-cutting behaviour around the query plan, Hive-Gateway style. `beforePlan` runs before
 * any subgraph is asked and may withhold root fields; `afterPlan` runs over the plan's result
 * before anything is sent, in the order the plugins are given, and may reshape it or refuse it.
 */
export interface ExecutionPlugin {
  beforePlan?(request: PlanRequest): Promise<void>;
  afterPlan?(request: PlanRequest, result: ExecutionResult): Promise<ExecutionResult>;
}

/**
 * Wraps @apollo/gateway so our rules run around its query plan. graphql-shield applied to the
 * gateway's schema never runs (apollographql/federation#366: the gateway executes plans, not
 * resolvers), so enforcement hooks the executor itself.
 */
export class EnforcingGateway implements GatewayInterface {
  constructor(
    private readonly inner: ApolloGateway,
    private readonly plugins: ExecutionPlugin[],
    /** When tracing is on: the plan runs in a span of its own, between consent and the access log's wait. */
    private readonly tracer?: Tracer,
  ) {}

  onSchemaLoadOrUpdate(callback: Parameters<GatewayInterface['onSchemaLoadOrUpdate']>[0]) {
    return this.inner.onSchemaLoadOrUpdate(callback);
  }

  stop() {
    return this.inner.stop();
  }

  async load(options: Parameters<GatewayInterface['load']>[0]) {
    const { executor } = await (this.inner as unknown as GatewayInterface).load(options);
    if (!executor) throw new Error('the gateway did not load a supergraph');
    return { executor: (requestContext: GatewayGraphQLRequestContext) => this.execute(requestContext, executor) };
  }

  private async execute(requestContext: GatewayGraphQLRequestContext, executor: GatewayExecutor): Promise<GatewayExecutionResult> {
    const request: PlanRequest = {
      context: requestContext.context as GatewayContext,
      view: { schema: requestContext.schema, operation: requestContext.operation, fragments: fragmentsOf(requestContext.document), variables: requestContext.request.variables ?? {} },
      document: requestContext.document,
      operationName: requestContext.operationName ?? undefined,
      skipped: new Set(),
    };
    for (const plugin of this.plugins) {
      await plugin.beforePlan?.(request);
      if (request.rejected) return { errors: request.rejected };
    }
    let result: ExecutionResult = await inSpan(this.tracer, 'query plan', { 'qhr.root_fields_withheld': request.skipped.size }, () => this.runPlan(requestContext, request, executor));
    for (const plugin of this.plugins) if (plugin.afterPlan) result = await plugin.afterPlan(request, result);
    return result as GatewayExecutionResult;
  }

  /** Runs the plan for the root fields the rules let through; none at all asks no subgraph. */
  private async runPlan(requestContext: GatewayGraphQLRequestContext, request: PlanRequest, executor: GatewayExecutor): Promise<ExecutionResult> {
    if (request.skipped.size === 0) return executor(requestContext);
    const { view } = request;
    const rootType = view.operation.operation === 'mutation' ? view.schema.getMutationType()! : view.schema.getQueryType()!;
    const kept: FieldNode[] = [];
    for (const [key, nodes] of collectFields(view.schema, view.fragments, view.variables, rootType, view.operation.selectionSet)) {
      if (!request.skipped.has(key)) kept.push(...nodes);
    }
    if (kept.length === 0) return { data: {} };
    const operation: OperationDefinitionNode = { ...view.operation, selectionSet: { kind: Kind.SELECTION_SET, selections: kept } };
    const document: DocumentNode = { ...request.document, definitions: request.document.definitions.map((d) => (d === view.operation ? operation : d)) };
    // The planner caches plans by query hash: a narrowed operation needs its own.
    const queryHash = createHash('sha256').update(print(document)).digest('hex');
    return executor({ ...requestContext, document, operation, queryHash } as GatewayGraphQLRequestContext);
  }
}
