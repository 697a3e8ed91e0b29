import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLObjectType } from 'graphql';
import type { SourceConfig } from '../lib/sources';
import { facilityOf } from '../adapters/port';
import type { SourceReport } from '../subgraphs/ask-sources';
import type { GatewayContext } from './context';
import { patientsInResult, project, type OperationView } from './patients-in-result';

/** `Patient.sources`: each source asked for this person in this request, per domain, and how it answered. */
export function sourceStatusesOf(nam: string, reports: readonly SourceReport[], sources: readonly SourceConfig[]) {
  const byKey = new Map<string, { sourceId: string; domain: string; state: 'OK' | 'UNAVAILABLE' }>();
  for (const report of reports) {
    if (report.nam !== nam) continue;
    const key = `${report.sourceId}|${report.domain}`;
    const previous = byKey.get(key);
    // A source that failed for any kind of record (a clinic's Condition search, say) is UNAVAILABLE.
    byKey.set(key, { sourceId: report.sourceId, domain: report.domain, state: previous?.state === 'UNAVAILABLE' ? 'UNAVAILABLE' : report.state });
  }
  const order = new Map(sources.map((s, index) => [s.id, index]));
  return [...byKey.values()]
    .sort((a, b) => (order.get(a.sourceId) ?? 0) - (order.get(b.sourceId) ?? 0) || a.domain.localeCompare(b.domain))
    .flatMap((status) => {
      const source = sources.find((s) => s.id === status.sourceId);
      return source ? [{ source: facilityOf(source), domain: status.domain, state: status.state }] : [];
    });
}

/**
 * Fills `Patient.sources` in the response. Only the gateway sees every subgraph a request
 * touched, so the statuses the domain subgraphs report are joined here, per person, shaped to the
 * client's selection (aliases and fragments included).
 */
export function useSourceStatus(options: { sources: readonly SourceConfig[] }): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue, schema, document, operation, request }) {
          if (response.body.kind !== 'single' || !operation || !document) return;
          const data = response.body.singleResult.data as Record<string, unknown> | null | undefined;
          if (!data) return;
          const view: OperationView = { schema, operation, fragments: fragmentsOf(document), variables: request.variables ?? {} };
          const statusType = schema.getType('SourceStatus') as GraphQLObjectType;
          for (const patient of patientsInResult(view, data)) {
            if (!patient.object) continue;
            for (const [key, nodes] of patient.fields) {
              if (nodes[0].name.value !== 'sources') continue;
              patient.object[key] = project(view, sourceStatusesOf(patient.nam, contextValue.sourceReports, options.sources), statusType, nodes);
            }
          }
        },
      };
    },
  };
}

export function fragmentsOf(document: import('graphql').DocumentNode) {
  return Object.fromEntries(
    document.definitions.filter((d): d is import('graphql').FragmentDefinitionNode => d.kind === 'FragmentDefinition').map((d) => [d.name.value, d]),
  );
}
