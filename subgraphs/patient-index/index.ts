import DataLoader from 'dataloader';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'graphql';
import { badUserInput } from '../../lib/errors';
import { scalarResolvers } from '../../lib/scalars';
import type { BaseContext, SubgraphDefinition } from '../serve';
import type { InsuredPerson } from './registry';
import type { SourceLocalId, XrefStore } from './xref-store';

export interface PatientIndexContext extends BaseContext {
  localIds: DataLoader<string, SourceLocalId[]>;
}

export interface PatientIndexOptions {
  registry: ReadonlyMap<string, InsuredPerson>;
  xref: Pick<XrefStore, 'localIdsFor'>;
  maxPatientsPerRequest: number;
}

type PatientParent = InsuredPerson;

/**
 * The patient index subgraph: owns Patient (key `nam`). A NAM in the registry has a record (empty
 * until sources hold data); any other NAM is null. It also hands the domain subgraphs each
 * source's local id for the person (`sourceIds`, inaccessible to callers).
 */
export function patientIndexSubgraph(options: PatientIndexOptions): SubgraphDefinition<PatientIndexContext> {
  const find = (nam: string): PatientParent | null => options.registry.get(nam) ?? null;
  return {
    name: 'patient-index',
    typeDefs: parse(readFileSync(join(__dirname, 'schema.graphql'), 'utf8')),
    resolvers: {
      ...scalarResolvers,
      Query: {
        patient: (_: unknown, args: { nam: string }) => find(args.nam),
        patients: (_: unknown, args: { nams: string[] }) => {
          if (args.nams.length > options.maxPatientsPerRequest) {
            throw badUserInput(`At most ${options.maxPatientsPerRequest} people per request.`, 'nams');
          }
          return args.nams.map(find);
        },
      },
      Patient: {
        __resolveReference: (reference: { nam: string }) => find(reference.nam),
        recordStatus: () => 'ACTIVE',
        // Filled by the gateway from what the domain subgraphs report (see gateway/source-status.ts):
        // only the gateway sees every source asked for this request.
        sources: () => [],
        sourceIds: (patient: PatientParent, _: unknown, context: PatientIndexContext) => context.localIds.load(patient.nam),
      },
    } as never,
    context: (base) => ({
      ...base,
      localIds: new DataLoader(async (nams: readonly string[]) => {
        const links = await options.xref.localIdsFor(nams);
        return nams.map((nam) => links.get(nam) ?? []);
      }),
    }),
  };
}
