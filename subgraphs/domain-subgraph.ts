import { GraphQLError, parse, responsePathAsArray, type GraphQLResolveInfo } from 'graphql';
import type { RecordSource } from '../adapters/port';
import { forbidden, recordRefused, sourceUnavailable } from '../lib/errors';
import { isOnOrAfter } from '../lib/time';
import { scalarResolvers } from '../lib/scalars';
import { DATE_OF, DOMAIN_OF_KIND, type RecordKind, type RecordsByKind } from '../schema/records';
import type { AskDeps, SourceReport } from './ask-sources';
import { createRecordLoaders } from './record-loader';
import type { BaseContext, SubgraphDefinition } from './serve';
import type { SourceGuards } from './source-guard';

/** The entity representation the gateway sends: the key, plus where the records are (@requires, from the patient index). */
interface PatientRepresentation {
  nam: string;
  locations?: { source: string; localId?: string | null }[];
  allSources?: boolean;
}

export interface DomainContext extends BaseContext {
  records: ReturnType<typeof createRecordLoaders>;
  reports: SourceReport[];
  /** SOURCE_UNAVAILABLE errors for fields that still return the other sources' records. */
  partialErrors: GraphQLError[];
}

export interface DomainSubgraphOptions {
  name: string;
  /** The subgraph's SDL (schema/subgraph-sdl: shared declarations + its own). */
  sdl: string;
  kinds: readonly RecordKind[];
  /** The connected sources of each kind, as of now: the list changes when the sources file is reloaded. */
  sourcesOf(kind: RecordKind): readonly RecordSource[];
  guards: SourceGuards;
  coverage: AskDeps['coverage'];
  cache: AskDeps['cache'];
  cacheTtlMsOf: AskDeps['cacheTtlMsOf'];
  observer?: AskDeps['observer'];
}

/**
 * A domain subgraph: contributes list fields to Patient, each answered by every connected source of
 * that kind. A field whose sources all fail is null with SOURCE_UNAVAILABLE; one where only some
 * fail returns the others' records and the error at its path (contract header). Each source's
 * answer is reported in the response extensions, from which the gateway builds `Patient.sources`.
 */
export function domainSubgraph(options: DomainSubgraphOptions): SubgraphDefinition<DomainContext> {
  const resolveKind = (kind: RecordKind) => async (patient: PatientRepresentation, args: { since?: string }, context: DomainContext, info: GraphQLResolveInfo) => {
    // Defence in depth: the gateway already withholds domains a role may not see.
    if (!context.caller.domains.includes(DOMAIN_OF_KIND[kind])) throw forbidden();
    // Deny by default: only records the gateway's consent rules granted for this request.
    if (!(patient.nam in context.caller.grants)) throw recordRefused();
    const closedBefore = context.caller.grants[patient.nam];
    const locations = new Map((patient.locations ?? []).map((location) => [location.source, location.localId ?? undefined] as const));
    const answer = await context.records.load(kind, { nam: patient.nam, locations, allSources: patient.allSources === true }, args.since);
    if (answer.asked.length > 0 && answer.failed.length === answer.asked.length) throw sourceUnavailable(answer.failed);
    if (answer.failed.length > 0) {
      const error = sourceUnavailable(answer.failed);
      context.partialErrors.push(new GraphQLError(error.message, { path: responsePathAsArray(info.path), extensions: error.extensions }));
    }
    return closedBefore ? answer.records.filter(recordedOnOrAfter(kind, closedBefore)) : answer.records;
  };

  return {
    name: options.name,
    typeDefs: parse(options.sdl),
    resolvers: {
      ...scalarResolvers,
      Patient: {
        __resolveReference: (representation: PatientRepresentation) => representation,
        ...Object.fromEntries(options.kinds.map((kind) => [kind, resolveKind(kind)])),
      },
    } as never,
    context: (base) => {
      const reports: SourceReport[] = [];
      return {
        ...base,
        reports,
        partialErrors: [],
        records: createRecordLoaders({ sourcesOf: options.sourcesOf, guards: options.guards, coverage: options.coverage, cache: options.cache, cacheTtlMsOf: options.cacheTtlMsOf, observer: options.observer, logger: base.logger }, (r) => reports.push(...r)),
      };
    },
    finish: finishWithReports,
  };
}

/** Puts the source reports in the answer's extensions and adds the partial-failure errors. */
function finishWithReports(context: DomainContext, answer: { errors?: readonly unknown[]; extensions?: Record<string, unknown> }): void {
  answer.extensions = { ...answer.extensions, sourceReports: context.reports };
  if (context.partialErrors.length > 0) answer.errors = [...(answer.errors ?? []), ...context.partialErrors.map((e) => e.toJSON())];
}

/**
 * Partial refusal (issue #4 §3): what the sources recorded before the date stays closed. A record
 * without a date cannot be shown to be after it, so it stays closed too.
 */
function recordedOnOrAfter(kind: RecordKind, date: string) {
  const dateOf = DATE_OF[kind] as (record: RecordsByKind[RecordKind]) => string | undefined;
  return (record: RecordsByKind[RecordKind]) => {
    const recorded = dateOf(record);
    return !!recorded && (recorded.length === 10 ? recorded >= date : isOnOrAfter(recorded, date));
  };
}
