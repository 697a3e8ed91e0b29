import type { ConsentDecisions } from '../../consent/decide';
import { dbFailureOf } from '../../lib/db-unavailable';
import { ErrorCode, graphError } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import type { GatewayContext } from '../context';
import type { ExecutionPlugin } from '../execution/enforcing-gateway';

type Decide = ConsentDecisions['decide'];

export const consentUnavailable = () =>
  graphError(ErrorCode.CONSENT_UNAVAILABLE, 'Whether this person refused a shared record could not be checked, so no record is returned. Try again.');

/**
 * Fail closed when consent cannot be checked (issue #8 §1): a request in which any decision could
 * not be taken (the register did not answer, or too slowly) answers CONSENT_UNAVAILABLE and nothing
 * else, before any subgraph is asked or any source called.
 *
 * Two parts, because graphql-shield turns an error thrown inside a rule into its fallback
 * (FORBIDDEN, which would tell the caller the wrong thing): `decide` remembers the failure for the
 * request and still throws, so the rule denies whatever happens next; `plugin`, placed right after
 * the consent rules' root phase, then answers the request with CONSENT_UNAVAILABLE. The request is
 * neither planned nor logged: no record was consulted, and the log is most likely down too.
 */
export function failClosedConsent(decide: Decide, logger: Logger): { decide: (context: GatewayContext, providerId: string, nams: string[]) => ReturnType<Decide>; plugin: ExecutionPlugin } {
  const failed = new WeakSet<GatewayContext>();
  return {
    async decide(context, providerId, nams) {
      try {
        return await decide(providerId, nams);
      } catch (error) {
        failed.add(context);
        logger.warn({ failure: dbFailureOf(error) }, 'consent decision could not be taken; request refused');
        throw consentUnavailable();
      }
    },
    plugin: {
      async beforePlan(request) {
        if (failed.has(request.context)) request.rejected = [consentUnavailable()];
      },
    },
  };
}
