import { allow, and, deny, rule, shield } from 'graphql-shield';
import { forbidden, recordRefused } from '../../lib/errors';
import { normalizeNam } from '../../lib/nam';
import { DOMAINS, type Domain } from '../../lib/sources';
import { DOMAIN_OF_KIND, RECORD_KINDS } from '../../schema/records';
import type { EnforcementContext } from '../context';
import type { Policy } from './policy';
import { mayConsult, mayReadAccessLog, mayReadConsentRegister, mayRecordConsent } from '../../consent/who-may';

/**
 * Types whose every field is allowed once their parent's rule let them through: what a permitted
 * record holds is permitted. The result phase skips the shield on them (gateway/execution).
 */
export const OPEN_TYPES = [
  'MedicationDispense', 'LabResult', 'ImagingStudy', 'Encounter', 'Condition', 'Allergy', 'Immunization', 'Facility', 'SourceStatus',
  'ConsentStatus', 'AccessLogEntry', 'RecordAccess', 'ConsentRegister', 'ConsentChange', 'Coverage', 'SourcesFileProblem', 'AreaCoverage', 'SourceRollout',
] as const;

/** Where the result phase hangs the NAM a Patient object was asked for (the client may not select `nam`). */
export const NAM_OF = Symbol('nam');

/**
 * The QHR access rules as one graphql-shield rule tree (issue #4). The same tree runs twice per
 * request at the gateway (gateway/execution): over the root fields before the query plan runs, so
 * a refused or forbidden record costs no source call, and over every field of the plan's result
 * with the real parent values before anything is sent. Anything the tree does not name is denied.
 */
export function consentRules(options: { policy: Policy; decide(context: EnforcementContext, nams: string[]): Promise<void> }) {
  const role = (context: EnforcementContext) => context.provider.role;

  // §2: a role missing from the policy sees nothing.
  const knownRole = rule('known-role', { cache: 'no_cache' })((_parent, _args, context: EnforcementContext) =>
    options.policy.has(role(context)) ? true : forbidden('Your role has no access to shared records.'),
  );

  // §3-4: a person may consult only their own record; the consent decision for each NAM asked is
  // taken here, before the plan, and travels to the subgraphs as signed grants.
  const consults = rule('may-consult-records', { cache: 'no_cache' })(async (_parent, args: { nam?: string; nams?: string[] }, context: EnforcementContext) => {
    const nams = (args.nams ?? [args.nam!]).map(normalizeNam);
    if (!mayConsult(context.provider, nams)) return forbidden('A person may consult only their own record.');
    await options.decide(context, nams);
    return true;
  });

  // §4, with the real parent: every field of a Patient needs that record open for this caller.
  const recordOpen = rule('record-open', { cache: 'no_cache' })((parent: Record<symbol, string>, _args, context: EnforcementContext) =>
    context.decisions.get(parent[NAM_OF])?.open === true ? true : recordRefused(),
  );

  // §2: a domain the role may not see is null with FORBIDDEN at its path.
  // One rule per domain (shield requires rule names to be unique; CLINICAL covers four fields).
  const seesDomain = Object.fromEntries(
    DOMAINS.map((domain) => [
      domain,
      rule(`sees-${domain}`, { cache: 'no_cache' })((_parent, _args, context: EnforcementContext) =>
        context.caller.domains.includes(domain) ? true : forbidden(`Your role may not see ${domain}.`),
      ),
    ]),
  ) as Record<Domain, ReturnType<ReturnType<typeof rule>>>;

  // §5: the access log answers the person themself and privacy officers only.
  const readsAccessLog = rule('may-read-access-log', { cache: 'no_cache' })((_parent, args: { nam: string }, context: EnforcementContext) =>
    mayReadAccessLog(context.provider, args.nam) ? true : forbidden('The access log is for the person themself and privacy officers.'),
  );

  // Issue #11: the refusal register answers the person themself, consent clerks and privacy officers.
  const readsConsentRegister = rule('may-read-consent-register', { cache: 'no_cache' })((_parent, args: { nam: string }, context: EnforcementContext) =>
    mayReadConsentRegister(context.provider, args.nam) ? true : forbidden('The refusal register is for the person themself, consent clerks and privacy officers.'),
  );

  // §3: online by the person for their own NAM; by mail or phone by a consent clerk.
  const recordsConsent = rule('may-record-consent', { cache: 'no_cache' })((_parent, args: { nam: string; channel: string }, context: EnforcementContext) =>
    mayRecordConsent(context.provider, args.nam, args.channel) ? true : forbidden('Online: the person for their own record. By mail or phone: a consent clerk.'),
  );

  // Issue #9 §7: the roll-out is about sources, never a person; the people themselves have no use for it.
  const seesRollout = rule('may-see-rollout', { cache: 'no_cache' })((_parent, _args, context: EnforcementContext) =>
    context.provider.role !== 'person' ? true : forbidden('The roll-out of sources is for providers and operators.'),
  );

  const domainFields = Object.fromEntries(RECORD_KINDS.map((kind) => [kind, and(recordOpen, seesDomain[DOMAIN_OF_KIND[kind]])]));
  return shield(
    {
      Query: {
        patient: and(knownRole, consults),
        patients: and(knownRole, consults),
        accessLog: and(knownRole, readsAccessLog),
        consentRegister: and(knownRole, readsConsentRegister),
        coverage: and(knownRole, seesRollout),
      },
      Mutation: { recordRefusal: and(knownRole, recordsConsent), withdrawRefusal: and(knownRole, recordsConsent) },
      // Named one by one, no wildcard: a field added to Patient later is denied until it gets a rule.
      Patient: { nam: recordOpen, familyName: recordOpen, givenName: recordOpen, birthDate: recordOpen, recordStatus: recordOpen, access: recordOpen, sources: recordOpen, ...domainFields },
      // What a permitted field holds is permitted: its parent's rule already ran.
      ...Object.fromEntries(OPEN_TYPES.map((type) => [type, allow])),
    },
    { fallbackRule: deny, fallbackError: forbidden(), allowExternalErrors: true, debug: false },
  );
}
