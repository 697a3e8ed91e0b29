import DataLoader from 'dataloader';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'graphql';
import type { AccessLog } from '../../consent/access-log';
import type { ConsentStates } from '../../consent/consent-states';
import type { ConsentState } from '../../consent/refusal-register';
import { badUserInput, recordRefused } from '../../lib/errors';
import { scalarResolvers } from '../../lib/scalars';
import type { BaseContext, SubgraphDefinition } from '../serve';
import { consentResolvers } from './consent-resolvers';
import type { InsuredPerson } from './registry';
import type { SourceLocalId, XrefStore } from '../../locator/cross-reference';

export interface PatientIndexContext extends BaseContext {
  localIds: DataLoader<string, SourceLocalId[]>;
  consent: DataLoader<string, ConsentState>;
}

export interface PatientIndexOptions {
  registry: ReadonlyMap<string, InsuredPerson>;
  xref: Pick<XrefStore, 'localIdsFor'>;
  consentStates: Pick<ConsentStates, 'get' | 'change'>;
  accessLog: Pick<AccessLog, 'forPerson'>;
  maxPatientsPerRequest: number;
}

/**
 * The patient index subgraph: owns Patient (key `nam`). A NAM in the registry has a record (empty
 * until sources hold data); any other NAM is null. It answers only for records the gateway's
 * consent rules granted in this request (signed grants; anything else is RECORD_REFUSED), hands
 * the domain subgraphs each source's local id for the person (`sourceIds`, inaccessible to
 * callers), and keeps the refusal register's operations.
 */
export function patientIndexSubgraph(options: PatientIndexOptions): SubgraphDefinition<PatientIndexContext> {
  const find = (context: BaseContext, nam: string) => {
    if (!(nam in context.caller.grants)) return recordRefused();
    return options.registry.get(nam) ?? null;
  };
  const consent = consentResolvers({ states: options.consentStates, accessLog: options.accessLog });
  return {
    name: 'patient-index',
    typeDefs: parse(readFileSync(join(__dirname, 'schema.graphql'), 'utf8')),
    resolvers: {
      ...scalarResolvers,
      Query: {
        ...consent.Query,
        patient: (_: unknown, args: { nam: string }, context: BaseContext) => {
          const found = find(context, args.nam);
          if (found instanceof Error) throw found;
          return found;
        },
        // A refused person is an error in their place in the list (graphql-js locates a returned Error at the item).
        patients: (_: unknown, args: { nams: string[] }, context: BaseContext) => {
          if (args.nams.length > options.maxPatientsPerRequest) throw badUserInput(`At most ${options.maxPatientsPerRequest} people per request.`, 'nams');
          return args.nams.map((nam) => find(context, nam));
        },
      },
      Mutation: consent.Mutation,
      Patient: {
        __resolveReference: (reference: { nam: string }, context: BaseContext) => {
          const found = find(context, reference.nam);
          if (found instanceof Error) throw found;
          return found;
        },
        recordStatus: async (patient: InsuredPerson, _: unknown, context: PatientIndexContext) => (await context.consent.load(patient.nam)).status,
        // Filled by the gateway from what the domain subgraphs report (gateway/source-statuses.ts):
        // only the gateway sees every source asked in a request.
        sources: () => [],
        sourceIds: (patient: InsuredPerson, _: unknown, context: PatientIndexContext) => context.localIds.load(patient.nam),
      },
    } as never,
    context: (base) => ({
      ...base,
      localIds: new DataLoader(async (nams: readonly string[]) => {
        const links = await options.xref.localIdsFor(nams);
        return nams.map((nam) => links.get(nam) ?? []);
      }),
      consent: new DataLoader(async (nams: readonly string[]) => {
        const states = await options.consentStates.get(nams);
        return nams.map((nam) => states.get(nam) ?? { nam, status: 'ACTIVE' as const });
      }),
    }),
  };
}
