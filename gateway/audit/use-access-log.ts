import { GraphQLError } from 'graphql';
import type { AccessEntryInput, AccessLog } from '../../consent/access-log';
import { ErrorCode } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import type { Domain } from '../../lib/sources';
import type { ExecutionPlugin, PlanRequest } from '../execution/enforcing-gateway';
import { recordReads } from '../operation-view';

/** The write started before the plan, per request. */
const pending = new WeakMap<PlanRequest, Promise<void>>();

/**
 * Writes one access-log entry per person a request asks for, granted or denied, before anything
 * leaves the gateway (issue #4 §5). Everything an entry says is known once the consent rules
 * decided, before the query plan runs, so the write goes out then and runs while the sources
 * answer (issue #7 §4: independent steps in parallel); the answer waits for it. If the log cannot
 * take the entries, the caller gets no data. A lookup of a well-formed NAM nobody has is logged too:
 * which NAMs exist is only known after the plan, and a privacy officer should see such probing.
 */
export function useAccessLog(options: { log: Pick<AccessLog, 'append'>; logger: Logger }): ExecutionPlugin {
  return {
    async beforePlan(request) {
      const entries = entriesOf(request);
      if (entries.length === 0) return;
      const written = options.log.append(entries);
      // Awaited in afterPlan; until then a failure must not count as unhandled.
      written.catch(() => undefined);
      pending.set(request, written);
    },
    async afterPlan(request, result) {
      const written = pending.get(request);
      if (!written) return result;
      try {
        await written;
        return result;
      } catch (error) {
        options.logger.error({ failure: (error as Error).name, code: (error as { sqlState?: string }).sqlState }, 'access log write failed; response withheld');
        return {
          data: null,
          errors: [new GraphQLError('The access could not be recorded, so no record is returned. Try again.', { extensions: { code: ErrorCode.ACCESS_LOG_UNAVAILABLE } })],
        };
      }
    },
  };
}

/** One entry per person asked (a person asked twice in one request, once), from the consent decisions. */
function entriesOf(request: PlanRequest): AccessEntryInput[] {
  const { provider, caller, decisions } = request.context;
  const byNam = new Map<string, { domains: Set<Domain>; granted: boolean }>();
  for (const read of recordReads(request.view)) {
    const rootDenied = request.skipped.has(read.responseKey);
    const seesAsked = read.domains.length === 0 || read.domains.some((d) => caller.domains.includes(d));
    for (const nam of read.nams) {
      const granted = !rootDenied && decisions.get(nam)?.open === true && seesAsked;
      const entry = byNam.get(nam) ?? { domains: new Set<Domain>(), granted: false };
      read.domains.forEach((d) => entry.domains.add(d));
      entry.granted ||= granted;
      byNam.set(nam, entry);
    }
  }
  const at = request.context.decidedAt;
  return [...byNam].map(([nam, entry]) => ({
    nam,
    providerId: provider.id,
    role: provider.role,
    facility: provider.facility,
    domains: [...entry.domains],
    outcome: entry.granted ? 'GRANTED' : 'DENIED',
    ...(at ? { at } : {}),
  }));
}
