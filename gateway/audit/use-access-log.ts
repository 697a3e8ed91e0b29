import { GraphQLError, type ExecutionResult } from 'graphql';
import { ErrorCode } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import type { Domain } from '../../lib/sources';
import type { ExecutionPlugin, PlanRequest } from '../execution/enforcing-gateway';
import { recordReads } from '../operation-view';
import type { AccessEntryInput, AccessLog } from '../../consent/access-log';

/**
 * Writes one access-log entry per person a request touched, granted or denied, before anything
 * leaves the gateway (issue #4 §5). If the log cannot take the entries, the caller gets no data.
 * An unknown NAM touches no record and writes nothing.
 */
export function useAccessLog(options: { log: Pick<AccessLog, 'append'>; logger: Logger }): ExecutionPlugin {
  return {
    async afterPlan(request, result) {
      const entries = entriesOf(request, result);
      if (entries.length === 0) return result;
      try {
        await options.log.append(entries);
        return result;
      } catch (error) {
        options.logger.error({ failure: (error as Error).name, entries: entries.length }, 'access log write failed; response withheld');
        return {
          data: null,
          errors: [new GraphQLError('The access could not be recorded, so no record is returned. Try again.', { extensions: { code: ErrorCode.ACCESS_LOG_UNAVAILABLE } })],
        };
      }
    },
  };
}

function entriesOf(request: PlanRequest, result: ExecutionResult): AccessEntryInput[] {
  const { provider, caller, decisions } = request.context;
  const byNam = new Map<string, { domains: Set<Domain>; granted: boolean }>();
  for (const read of recordReads(request.view)) {
    const value = result.data?.[read.responseKey];
    read.nams.forEach((nam, index) => {
      const path = read.list ? [read.responseKey, index] : [read.responseKey];
      const person = read.list ? (Array.isArray(value) ? value[index] : null) : value;
      const refused = (result.errors ?? []).some((e) => e.extensions?.code === ErrorCode.RECORD_REFUSED && samePath(e.path, path));
      const rootDenied = request.skipped.has(read.responseKey);
      // A null with no refusal and no denial is a NAM nobody holds: no record was touched.
      if (person == null && !refused && !rootDenied) return;
      const seesAsked = read.domains.length === 0 || read.domains.some((d) => caller.domains.includes(d));
      const granted = !rootDenied && !refused && decisions.get(nam)?.open === true && seesAsked;
      const entry = byNam.get(nam) ?? { domains: new Set<Domain>(), granted: false };
      read.domains.forEach((d) => entry.domains.add(d));
      entry.granted ||= granted;
      byNam.set(nam, entry);
    });
  }
  return [...byNam].map(([nam, entry]) => ({
    nam,
    providerId: provider.id,
    role: provider.role,
    facility: provider.facility,
    domains: [...entry.domains],
    outcome: entry.granted ? 'GRANTED' : 'DENIED',
  }));
}

const samePath = (a: readonly (string | number)[] | undefined, b: (string | number)[]) => !!a && a.length === b.length && a.every((key, i) => key === b[i]);
