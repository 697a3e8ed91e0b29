import type { Metrics } from '../../ops/metrics';
import type { ExecutionPlugin } from '../execution/enforcing-gateway';

/**
 * Counts consent outcomes once the root rules have decided (placed after useConsent): each person
 * whose record opened is `granted`, each whose refusal closed it `refused`, each root field the
 * rules withheld `denied`. Counts only: who was decided never reaches a label.
 */
export function useConsentMetrics(metrics: Pick<Metrics, 'consentOutcome'>): ExecutionPlugin {
  return {
    async beforePlan(request) {
      let granted = 0;
      let refused = 0;
      for (const decision of request.context.decisions.values()) decision.open ? granted++ : refused++;
      metrics.consentOutcome('granted', granted);
      metrics.consentOutcome('refused', refused);
      metrics.consentOutcome('denied', request.skipped.size);
    },
  };
}
