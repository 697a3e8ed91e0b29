import { ConsentChangeError, type ConsentChange, type ConsentState, type RefusalRegister } from '../../consent/refusal-register';
import { mayReadAccessLog, mayReadConsentRegister, mayRecordConsent } from '../../consent/who-may';
import type { AccessLog } from '../../consent/access-log';
import { badUserInput, forbidden } from '../../lib/errors';
import type { BaseContext } from '../serve';

type Channel = 'ONLINE' | 'MAIL' | 'PHONE';
const actorOf = (context: BaseContext) => ({ role: context.caller.role, id: context.caller.providerId });

/** The contract's ConsentStatus for a state just recorded (a NAM that never changed reports this request). */
function consentStatus(state: ConsentState, channel: Channel) {
  return {
    nam: state.nam,
    recordStatus: state.status,
    channel: state.channel ?? channel,
    effectiveAt: state.effectiveAt ?? new Date().toISOString(),
    collectedBefore: state.collectedBefore ?? null,
  };
}

/**
 * recordRefusal / withdrawRefusal, accessLog and consentRegister (issue #4 §3, §5; issue #11). The gateway's rules already
 * decided who may call these; the same predicates run here so a direct call is refused too.
 * Reads of the access log are logged by the gateway (gateway/audit/use-access-log.ts), which sees
 * the refused ones too, before the plan: not here, or a read would be logged twice; so are reads
 * of the refusal register.
 */
export function consentResolvers(deps: { register: Pick<RefusalRegister, 'record' | 'history'>; accessLog: Pick<AccessLog, 'forPerson'> }) {
  const change = (status: 'REFUSED' | 'ACTIVE') => async (_: unknown, args: { nam: string; channel: Channel; collectedBefore?: string | null }, context: BaseContext) => {
    if (!mayRecordConsent(actorOf(context), args.nam, args.channel)) throw forbidden('Online: the person for their own record. By mail or phone: a consent clerk.');
    try {
      const state = await deps.register.record({
        nam: args.nam,
        status,
        channel: args.channel,
        recordedBy: context.caller.providerId,
        recordedRole: context.caller.role,
        collectedBefore: args.collectedBefore ?? undefined,
      });
      return consentStatus(state, args.channel);
    } catch (error) {
      if (error instanceof ConsentChangeError) throw badUserInput(error.message);
      throw error;
    }
  };
  return {
    Query: {
      accessLog: async (_: unknown, args: { nam: string; since?: string | null }, context: BaseContext) => {
        if (!mayReadAccessLog(actorOf(context), args.nam)) throw forbidden('The access log is for the person themself and privacy officers.');
        const entries = await deps.accessLog.forPerson(args.nam, args.since ?? undefined);
        // kind tells a reading of this log (the person's own, a privacy officer's) from a consultation of the record (issue #8 §5).
        // requestId ties an entry to the request's logs and trace (issue #10 §6).
        return entries.map(({ at, kind, providerId, role, facility, domains, outcome, requestId }) => ({ at, kind, providerId, role, facility: facility ?? null, domains, outcome, requestId: requestId ?? null }));
      },
      consentRegister: async (_: unknown, args: { nam: string }, context: BaseContext) => {
        if (!mayReadConsentRegister(actorOf(context), args.nam)) throw forbidden('The refusal register is for the person themself, consent clerks and privacy officers.');
        return consentRegister(args.nam, await deps.register.history(args.nam));
      },
    },
    Mutation: { recordRefusal: change('REFUSED'), withdrawRefusal: change('ACTIVE') },
  };
}

/** The register's entry for one person from their changes (oldest first, as the register keeps them): the latest is in force. */
export function consentRegister(nam: string, history: readonly ConsentChange[]) {
  const latest = history[history.length - 1];
  return {
    nam,
    recordStatus: latest?.status ?? 'ACTIVE',
    collectedBefore: latest?.collectedBefore ?? null,
    effectiveAt: latest?.effectiveAt ?? null,
    changes: [...history].reverse().map((change) => ({
      recordStatus: change.status,
      channel: change.channel,
      effectiveAt: change.effectiveAt,
      collectedBefore: change.collectedBefore ?? null,
      recordedBy: change.recordedBy,
      recordedRole: change.recordedRole,
    })),
  };
}
