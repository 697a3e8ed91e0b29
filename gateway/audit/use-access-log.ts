import type { Tracer } from '@opentelemetry/api';
import type { AccessEntryInput, AccessLog, EntryKind } from '../../consent/access-log';
import { inSpan } from '../../ops/spans';
import { accessLogUnavailable } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import type { Domain } from '../../lib/sources';
import type { ExecutionPlugin, PlanRequest } from '../execution/enforcing-gateway';
import { accessLogReads, consentRegisterReads, recordReadsToLog, type AccessLogRead } from './logged-reads';

/** The write started before the plan, per request. */
const pending = new WeakMap<PlanRequest, Promise<void>>();


/**
 * Writes one access-log entry per person a request asks for, granted or denied, before anything
 * leaves the gateway (issue #4 §5). Everything an entry says is known once the consent rules
 * decided, before the query plan runs, so the write goes out then and runs while the sources
 * answer (issue #7 §4: independent steps in parallel); the answer waits for it. If the log cannot
 * take the entries, the caller gets no data. A lookup of a well-formed NAM nobody has is logged too:
 * which NAMs exist is only known after the plan, and a privacy officer should see such probing.
 * A malformed NAM is not: that field reads nothing and answers BAD_USER_INPUT (issue #8 §5).
 *
 * Reading someone's access log is an entry too (issue #8 §5), `kind` ACCESS_LOG, GRANTED or, when
 * the root rules refused it, DENIED: a refused read never reaches the patient index, so it is
 * logged here, where every request passes; so is reading their refusal register (issue #11, `kind`
 * CONSENT_REGISTER: whether a person refused is theirs). A request that reads a log waits for its entries before
 * the plan runs, so the log it reads always ends with this very reading (never sometimes).
 */
export function useAccessLog(options: { log: Pick<AccessLog, 'append'>; logger: Logger; tracer?: Tracer }): ExecutionPlugin {
  const failed = (request: PlanRequest, error: unknown) =>
    (request.context.logger ?? options.logger).error({ failure: (error as Error).name, code: (error as { sqlState?: string }).sqlState }, 'access log write failed; response withheld');
  return {
    async beforePlan(request) {
      const logReads = [...personReadEntries(request, 'ACCESS_LOG', accessLogReads(request.view)), ...personReadEntries(request, 'CONSENT_REGISTER', consentRegisterReads(request.view))];
      const entries = [...recordEntries(request), ...logReads];
      if (entries.length === 0) return;
      // A span of its own (issue #10 §3): how long the write took, beside the sources it overlaps.
      const written = inSpan(options.tracer, 'access-log write', { 'qhr.entries': entries.length }, () => options.log.append(entries));
      if (logReads.length > 0) {
        try {
          await written;
        } catch (error) {
          failed(request, error);
          request.rejected = [accessLogUnavailable()];
        }
        return;
      }
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
        failed(request, error);
        return { data: null, errors: [accessLogUnavailable()] };
      }
    },
  };
}

/** One entry per person asked (a person asked twice in one request, once), from the consent decisions. */
function recordEntries(request: PlanRequest): AccessEntryInput[] {
  const { caller, decisions } = request.context;
  const byNam = new Map<string, { domains: Set<Domain>; granted: boolean }>();
  for (const read of recordReadsToLog(request.view)) {
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
  return [...byNam].map(([nam, entry]) => entryFor(request, nam, { kind: 'RECORD', domains: [...entry.domains], granted: entry.granted }));
}

/**
 * One entry per person whose log (or refusal register) is read (read twice in one request, once);
 * DENIED when the root rules refused it.
 */
function personReadEntries(request: PlanRequest, kind: 'ACCESS_LOG' | 'CONSENT_REGISTER', reads: AccessLogRead[]): AccessEntryInput[] {
  const granted = new Map<string, boolean>();
  for (const read of reads) granted.set(read.nam, granted.get(read.nam) === true || !request.skipped.has(read.responseKey));
  return [...granted].map(([nam, ok]) => entryFor(request, nam, { kind, domains: [], granted: ok }));
}

function entryFor(request: PlanRequest, nam: string, what: { kind: EntryKind; domains: Domain[]; granted: boolean }): AccessEntryInput {
  const { provider, decidedAt, requestId } = request.context;
  return {
    kind: what.kind,
    nam,
    providerId: provider.id,
    role: provider.role,
    facility: provider.facility,
    domains: what.domains,
    outcome: what.granted ? 'GRANTED' : 'DENIED',
    ...(decidedAt ? { at: decidedAt } : {}),
    // Ties the entry to the request's log lines and trace (issue #10 §6); linked from format v4 on.
    ...(requestId ? { requestId } : {}),
  };
}
