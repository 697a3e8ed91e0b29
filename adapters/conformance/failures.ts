import type { SourceConfig } from '../../lib/sources';
import type { Logger } from '../../lib/logger';
import type { RecordSource } from '../port';
import { startFaultServer, type Fault } from './fault-server';
import type { FailureCase } from './subject';

const HTTP_FAULTS: { fault: Fault; name: string; expected: FailureCase['expected'] }[] = [
  { fault: 'error-status', name: 'answers HTTP 500 with an error page', expected: 'http-status' },
  { fault: 'garbage', name: "answers 200 with a page that is not the protocol's (a proxy's maintenance page)", expected: 'malformed' },
  { fault: 'silent', name: 'never answers, until the query is aborted', expected: 'timeout' },
];

/**
 * The broken copies of an HTTP source (a pull protocol): the same source entry, its URL moved to a
 * local server that fails. `bait` (a NAM and a name) is what the broken server says.
 */
export function httpFailureCases(source: SourceConfig, recordSources: (source: SourceConfig, logger: Logger) => RecordSource[], bait: string[]): FailureCase[] {
  return HTTP_FAULTS.map(({ fault, name, expected }) => ({
    name,
    expected,
    bait,
    async start(logger: Logger) {
      const server = await startFaultServer(fault, bait.join(' '));
      const path = source.url ? new URL(source.url).pathname.replace(/\/+$/, '') : '';
      try {
        return { recordSources: recordSources({ ...source, url: `${server.url}${path}` }, logger), onRequest: server.firstRequest, abortAfterRequest: fault === 'silent', close: server.close };
      } catch (error) {
        await server.close();
        throw error;
      }
    },
  }));
}
