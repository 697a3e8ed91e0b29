import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import type { Config, SubgraphName } from '../lib/config';
import { maskError } from '../lib/errors';
import type { Logger } from '../lib/logger';
import type { AccessLog } from '../consent/access-log';
import { useAccessLog } from './audit/use-access-log';
import { createAuthenticator } from './authenticate';
import type { ConsentDecisions } from '../consent/decide';
import { domainsFor, type Policy } from './consent/policy';
import { consentRules, NAM_OF } from './consent/rules';
import { useConsent } from './consent/use-consent';
import type { GatewayContext } from './context';
import { EnforcingGateway } from './execution/enforcing-gateway';
import { computed } from './execution/phase-schemas';
import { depthLimit } from './limits';
import { sourceStatuses } from './source-statuses';
import { SignedSubgraph } from './subgraph-client';

export interface GatewayOptions {
  config: Config;
  logger: Logger;
  /** The composed supergraph (schema/supergraph.graphql): loaded, never introspected at run time. */
  supergraphSdl: string;
  /** Where each subgraph runs now (overrides the URLs written in the supergraph). */
  subgraphUrls: Record<SubgraphName, string>;
  policy: Policy;
  consent: Pick<ConsentDecisions, 'decide'>;
  accessLog: Pick<AccessLog, 'append'>;
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
  const statusesOf = sourceStatuses(config.sources);
  const services: SignedSubgraph[] = [];
  const authenticate = createAuthenticator(config.auth);
  const rules = consentRules({
    policy,
    async decide(context, nams) {
      const missing = nams.filter((nam) => !context.decisions.has(nam));
      if (missing.length === 0) return;
      context.decidedAt ??= new Date();
      for (const [nam, decision] of await options.consent.decide(context.provider.id, missing)) {
        context.decisions.set(nam, decision);
      }
    },
  });
  const gateway = new EnforcingGateway(
    new ApolloGateway({
      supergraphSdl: options.supergraphSdl,
      buildService: ({ name }) => {
        const service = new SignedSubgraph({ name, url: options.subgraphUrls[name as SubgraphName] }, config.internalSecret);
        services.push(service);
        return service;
      },
      logger: logger.child({ component: 'apollo-gateway' }),
    }),
    [
      useConsent({
        rules,
        computedFields: {
          Patient: { sources: (patient, _args, context: GatewayContext) => computed(statusesOf(patient[NAM_OF], context.sourceReports)) },
        },
      }),
      useAccessLog({ log: options.accessLog, logger }),
    ],
  );
  const server = new ApolloServer<GatewayContext>({
    gateway,
    validationRules: [depthLimit(8)],
    formatError: (formatted) => maskError(formatted) as never,
    includeStacktraceInErrorResponses: false,
    // bin/start.ts owns SIGINT/SIGTERM and stops every part in order; Apollo must not race it.
    stopOnTerminationSignals: false,
    // Introspection needs a valid token like everything else (the context below runs first).
    introspection: true,
    logger: logger.child({ component: 'apollo-server' }),
  });
  const { url } = await startStandaloneServer(server, {
    listen: { host: config.host, port: config.port },
    context: async ({ req }): Promise<GatewayContext> => {
      const provider = await authenticate(req.headers.authorization);
      return {
        provider,
        caller: { providerId: provider.id, role: provider.role, facility: provider.facility, domains: [...domainsFor(policy, provider.role)], grants: {} },
        decisions: new Map(),
        sourceReports: [],
        planErrors: new Map(),
      };
    },
  });
  return {
    url: new URL('/graphql', url).toString(),
    stop: async () => {
      await server.stop();
      await Promise.all(services.map((service) => service.close()));
    },
  };
}
