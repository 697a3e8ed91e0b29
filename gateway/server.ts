import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { Tracer } from '@opentelemetry/api';
import type { Config, SubgraphName } from '../lib/config';
import { maskError } from '../lib/errors';
import type { Logger } from '../lib/logger';
import type { AccessLog } from '../consent/access-log';
import { useAccessLog } from './audit/use-access-log';
import { createAuthenticator } from './authenticate';
import type { ConsentDecisions } from '../consent/decide';
import { domainsFor, type Policy } from './consent/policy';
import { failClosedConsent } from './consent/consent-unavailable';
import { consentRules, NAM_OF } from './consent/rules';
import { useConsent } from './consent/use-consent';
import type { GatewayContext } from './context';
import { EnforcingGateway } from './execution/enforcing-gateway';
import { appRoutes } from './app/routes';
import { devSignInAllowed } from './app/dev-sign-in';
import { explorerRoutes } from './explorer/routes';
import { computed } from './execution/phase-schemas';
import { listenHttp } from './http-listener';
import { queryLimitRules } from './limits';
import { requestChecks } from './request-checks';
import { readSafelist, useSafelist } from './safelist';
import { sourceStatuses } from './source-statuses';
import { SignedSubgraph } from './subgraph-client';
import { LocalSubgraph } from './local-subgraph';
import { tokenLimit } from './token-limit';
import type { InProcessSubgraph } from '../subgraphs/in-process';
import type { ReadinessChecks } from '../ops/health';
import { fixedCatalog, type SourceCatalog } from '../lib/source-catalog';
import { Metrics } from '../ops/metrics';
import { opsRoutes } from '../ops/ops-routes';
import { timed } from '../ops/timed';
import { inSpan } from '../ops/spans';
import { useGraphqlMetrics } from '../ops/use-graphql-metrics';
import { useConsentMetrics } from './consent/use-consent-metrics';

/** Where the gateway finds a subgraph: a service over HTTP, or one running in this process. */
export type SubgraphAt = { url: string } | { local: InProcessSubgraph };

export interface GatewayOptions {
  config: Config;
  logger: Logger;
  /** The composed supergraph (schema/supergraph.graphql): loaded, never introspected at run time. */
  supergraphSdl: string;
  /** Where each subgraph runs now (overrides the URLs written in the supergraph). */
  subgraphs: Record<SubgraphName, SubgraphAt>;
  policy: Policy;
  consent: Pick<ConsentDecisions, 'decide'>;
  accessLog: Pick<AccessLog, 'append'>;
  /** The service's metrics (ops/metrics.ts), served on /metrics; a registry of its own when not given. */
  metrics?: Metrics;
  /** What /ready checks (database, subgraphs, …); none: ready once listening. */
  readiness?: ReadinessChecks;
  /** OpenTelemetry tracer (ops/tracing.ts) when tracing is on; no spans without one. */
  tracer?: Tracer;
  /** The live sources (reloaded from the sources file), named in Patient.sources; without it, config.sources. */
  catalog?: SourceCatalog;
}

export interface RunningGateway {
  url: string;
  stop(): Promise<void>;
}

/**
 * The gateway: authenticates the provider, then runs the query plan inside the execution plugins
 * (consent rules before and after the plan, then the access log), and masks every error.
 */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const { config, logger, policy } = options;
  const metrics = options.metrics ?? new Metrics({ service: 'gateway' });
  // Patient.sources names every listed source: one added to the sources file is named at once.
  const catalog = options.catalog ?? fixedCatalog(config.sources);
  let statusesOf = sourceStatuses(catalog.all);
  const stopWatching = catalog.onChange((_connected, all) => {
    statusesOf = sourceStatuses(all);
  });
  const remotes: SignedSubgraph[] = [];
  const authenticate = createAuthenticator(config.auth);
  // A decision that cannot be taken (the database down or too slow) answers CONSENT_UNAVAILABLE, never a record.
  const consent = failClosedConsent((providerId, nams) => options.consent.decide(providerId, nams), logger);
  const rules = consentRules({
    policy,
    async decide(context, nams) {
      const missing = nams.filter((nam) => !context.decisions.has(nam));
      if (missing.length === 0) return;
      context.decidedAt ??= new Date();
      const decided = await inSpan(options.tracer, 'consent decision', { 'qhr.people': missing.length }, () => consent.decide(context, context.provider.id, missing));
      for (const [nam, decision] of decided) {
        context.decisions.set(nam, decision);
      }
    },
  });
  const gateway = new EnforcingGateway(
    new ApolloGateway({
      supergraphSdl: options.supergraphSdl,
      buildService: ({ name }) => {
        const at = options.subgraphs[name as SubgraphName];
        if ('local' in at) return new LocalSubgraph(at.local, options.tracer);
        const remote = new SignedSubgraph({ name, url: at.url }, config.internalSecret);
        remotes.push(remote);
        return remote;
      },
      logger: logger.child({ component: 'apollo-gateway' }),
      // Its own spans (gateway.request, .plan, .fetch) join our traces once tracing is on: never the
      // document (NAMs typed into it) nor exception messages (issue #10 §3). These are its defaults, pinned.
      telemetry: { includeDocument: false, recordExceptions: false },
    }),
    [
      useConsent({
        rules,
        computedFields: {
          Patient: { sources: (patient, _args, context: GatewayContext) => computed(statusesOf(patient[NAM_OF], context.sourceReports)) },
        },
      }),
      useConsentMetrics(metrics),
      consent.plugin,
      useAccessLog({ log: { append: timed((entries) => options.accessLog.append(entries), (seconds, ok) => metrics.accessLogWritten(seconds, ok)) }, logger, tracer: options.tracer }),
    ],
    options.tracer,
  );
  const tokens = tokenLimit(config.limits.maxTokens);
  // SAFELIST_FILE: only registered operations run (read at start: a bad manifest stops the start).
  const safelist = config.clients.safelistFile ? useSafelist<GatewayContext>(readSafelist(config.clients.safelistFile)) : undefined;
  const server = new ApolloServer<GatewayContext>({
    gateway,
    // Every limit refuses before a plan is made: tokens while parsing, depth, aliases and cost as
    // validation rules, the people cap and malformed operations or variables once the operation is known.
    parseOptions: tokens.parseOptions,
    validationRules: queryLimitRules(config.limits),
    // Apollo's landing page loads its scripts from a CDN (blank offline): our explorer replaces it (gateway/explorer/).
    plugins: [ApolloServerPluginLandingPageDisabled(), ...(safelist ? [safelist.plugin] : []), useGraphqlMetrics(metrics), tokens.plugin, requestChecks({ maxPeople: config.maxPatientsPerRequest })],
    ...(safelist ? { persistedQueries: safelist.persistedQueries } : {}),
    formatError: (formatted, error) => maskError(formatted, tokens.refusalFor(error) ?? error) as never,
    includeStacktraceInErrorResponses: false,
    // bin/start.ts owns SIGINT/SIGTERM and stops every part in order; Apollo must not race it.
    stopOnTerminationSignals: false,
    // Introspection needs a valid token like everything else (the context below runs first).
    introspection: true,
    logger: logger.child({ component: 'apollo-server' }),
  });
  // EXPLORER: on in development, off in production unless configured (issue #10 §4).
  const explorer = config.clients.explorer ? explorerRoutes({ endpoint: '/graphql' }) : undefined;
  // PAGES: the people's pages (issue #11), on unless configured off; the development sign-in only with the development secret.
  const pages = config.clients.pages ? appRoutes({ devSignIn: devSignInAllowed(config), roles: [...policy.keys()] }) : undefined;
  const { url } = await listenHttp(server, {
    host: config.host,
    port: config.port,
    logger,
    tracer: options.tracer,
    cors: config.clients.corsOrigins,
    context: async (req, requestId): Promise<GatewayContext> => {
      const provider = await authenticate(req.headers.authorization);
      return {
        requestId,
        logger: logger.child({ requestId }),
        provider,
        caller: { providerId: provider.id, role: provider.role, facility: provider.facility, domains: [...domainsFor(policy, provider.role)], grants: {} },
        decisions: new Map(),
        sourceReports: [],
        planErrors: new Map(),
      };
    },
  }, firstOf(opsRoutes({ metrics, checks: options.readiness ?? [] }), pages, explorer));
  return {
    url: new URL('/graphql', url).toString(),
    stop: async () => {
      stopWatching();
      await server.stop();
      await Promise.all(remotes.map((remote) => remote.close()));
    },
  };
}

/** The first route that answers a request, or none (GraphQL's then). */
function firstOf(...routes: (((req: IncomingMessage, res: ServerResponse) => boolean) | undefined)[]) {
  return (req: IncomingMessage, res: ServerResponse) => routes.some((route) => route?.(req, res) ?? false);
}
