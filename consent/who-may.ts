import { normalizeNam } from '../lib/nam';

/**
 * Who may do what, as pure predicates over the caller's role and id. The gateway's shield rules
 * (rules.ts) and the patient index (defence in depth against a direct call) both use these, so
 * the rule is written once.
 */
export interface Actor {
  role: string;
  /** Provider licence id, or the person's own NAM for role `person`. */
  id: string;
}

const isSelf = (actor: Actor, nam: string) => actor.role === 'person' && normalizeNam(actor.id) === normalizeNam(nam);

/** QHR: a refusal or its withdrawal is recorded online by the person, by mail or phone by a consent clerk. */
export const mayRecordConsent = (actor: Actor, nam: string, channel: string) =>
  channel === 'ONLINE' ? isSelf(actor, nam) : actor.role === 'consent_clerk';

/** QHR: the person may read who consulted their record; so may privacy officers. */
export const mayReadAccessLog = (actor: Actor, nam: string) => actor.role === 'privacy_officer' || isSelf(actor, nam);

/**
 * QHR: whether a person refused is theirs to read, and the consent clerks' who record refusals by
 * mail or phone (they must see what is in force before recording a change); privacy officers audit it.
 */
export const mayReadConsentRegister = (actor: Actor, nam: string) =>
  actor.role === 'consent_clerk' || actor.role === 'privacy_officer' || isSelf(actor, nam);

/** A person consults only their own record; providers any (their role decides the domains). */
export const mayConsult = (actor: Actor, nams: readonly string[]) => actor.role !== 'person' || nams.every((nam) => isSelf(actor, nam));
