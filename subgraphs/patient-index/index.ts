import DataLoader from 'dataloader';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'graphql';
import type { AccessLog } from '../../consent/access-log';
import type { ConsentState, RefusalRegister } from '../../consent/refusal-register';
import { badUserInput, recordRefused } from '../../lib/errors';
import { scalarResolvers } from '../../lib/scalars';
import type { BaseContext, SubgraphDefinition } from '../serve';
import { consentResolvers } from './consent-resolvers';
import { coverageResolvers, type CoverageSources } from './coverage-resolvers';
import type { InsuredPerson, Registry } from './registry';
import type { RecordLocation, RecordLocator } from '../../locator/record-locator';

export interface PatientIndexContext extends BaseContext {
  people: DataLoader<string, InsuredPerson | null>;
  locations: DataLoader<string, RecordLocation[]>;
  consent: DataLoader<string, ConsentState>;
}

export interface PatientIndexOptions {
  registry: Pick<Registry, 'find'>;
  locator: Pick<RecordLocator, 'locationsOf'>;
  register: Pick<RefusalRegister, 'currentMany' | 'record' | 'history'>;
  accessLog: Pick<AccessLog, 'forPerson'>;
  maxPatientsPerRequest: number;
  /** The roll-out as Query.coverage shows it. */
  coverage: CoverageSources;
}

/** A Patient as this subgraph resolves it: the registry's person, and whether every source is to be asked. */
type PatientObject = InsuredPerson & { allSources: boolean };

/**
 * The patient index subgraph: owns Patient (key `nam`). A NAM in the registry has a record (empty
 * until sources hold data); any other NAM is null. It answers only for records the gateway's
 * consent rules granted in this request (signed grants; anything else is RECORD_REFUSED), hands
 * the domain subgraphs where each person's records are (`locations`: the record locator and the
 * cross-reference, inaccessible to callers, so the locator is only ever read for a granted record),
 * and keeps the refusal register's operations.
 */
/**
 * Why the record is open to this caller, from the consent decision the gateway signed into this
 * request (consent/decide.ts): a date in the grant is a partial refusal; a granted record whose
 * person refused is open because this provider consulted it before. A caller whose token does not
 * carry the decision's refusals has the register read.
 */
async function recordAccess(nam: string, context: PatientIndexContext) {
  const closedBefore = context.caller.grants[nam];
  if (typeof closedBefore === 'string') return { basis: 'PARTIAL_REFUSAL', closedBefore };
  const refused = context.caller.refused ? context.caller.refused.includes(nam) : (await context.consent.load(nam)).status === 'REFUSED';
  return { basis: refused ? 'CONSULTED_BEFORE_REFUSAL' : 'NOT_REFUSED', closedBefore: null };
}

export function patientIndexSubgraph(options: PatientIndexOptions): SubgraphDefinition<PatientIndexContext> {
  const find = async (context: PatientIndexContext, nam: string, allSources: boolean): Promise<PatientObject | Error | null> => {
    if (!(nam in context.caller.grants)) return recordRefused();
    // The person's locations and consent status are asked for with the registry, in one round trip
    // rather than two: the record is granted, so reading where it is stays on the consent-checked path.
    void context.locations.load(nam).catch(() => undefined);
    if (!context.caller.refused) void context.consent.load(nam).catch(() => undefined);
    const person = await context.people.load(nam);
    return person && { ...person, allSources };
  };
  const consent = consentResolvers({ register: options.register, accessLog: options.accessLog });
  return {
    name: 'patient-index',
    typeDefs: parse(readFileSync(join(__dirname, 'schema.graphql'), 'utf8')),
    resolvers: {
      ...scalarResolvers,
      Query: {
        ...consent.Query,
        ...coverageResolvers(options.coverage).Query,
        patient: async (_: unknown, args: { nam: string; allSources?: boolean | null }, context: PatientIndexContext) => {
          const found = await find(context, args.nam, args.allSources === true);
          if (found instanceof Error) throw found;
          return found;
        },
        // A refused person is an error in their place in the list (graphql-js locates a returned Error at the item).
        patients: (_: unknown, args: { nams: string[]; allSources?: boolean | null }, context: PatientIndexContext) => {
          if (args.nams.length > options.maxPatientsPerRequest) throw badUserInput(`At most ${options.maxPatientsPerRequest} people per request.`, 'nams');
          return Promise.all(args.nams.map((nam) => find(context, nam, args.allSources === true)));
        },
      },
      Mutation: consent.Mutation,
      Patient: {
        __resolveReference: async (reference: { nam: string }, context: PatientIndexContext) => {
          const found = await find(context, reference.nam, false);
          if (found instanceof Error) throw found;
          return found;
        },
        // As the gateway's consent decision read it in this request; read again only for a caller without it.
        recordStatus: async (patient: PatientObject, _: unknown, context: PatientIndexContext) =>
          context.caller.refused ? (context.caller.refused.includes(patient.nam) ? 'REFUSED' : 'ACTIVE') : (await context.consent.load(patient.nam)).status,
        access: (patient: PatientObject, _: unknown, context: PatientIndexContext) => recordAccess(patient.nam, context),
        // Filled by the gateway from what the domain subgraphs report (gateway/source-statuses.ts):
        // only the gateway sees every source asked in a request.
        sources: () => [],
        locations: (patient: PatientObject, _: unknown, context: PatientIndexContext) => context.locations.load(patient.nam),
        allSources: (patient: PatientObject) => patient.allSources,
      },
    } as never,
    context: (base) => ({
      ...base,
      people: new DataLoader(async (nams: readonly string[]) => {
        const found = await options.registry.find(nams);
        return nams.map((nam) => found.get(nam) ?? null);
      }),
      locations: new DataLoader(async (nams: readonly string[]) => {
        const found = await options.locator.locationsOf(nams);
        return nams.map((nam) => found.get(nam) ?? []);
      }),
      consent: new DataLoader(async (nams: readonly string[]) => {
        const states = await options.register.currentMany([...nams]);
        return nams.map((nam) => states.get(nam) ?? { nam, status: 'ACTIVE' as const });
      }),
    }),
  };
}
