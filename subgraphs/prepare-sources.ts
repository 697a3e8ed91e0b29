import type { RecordSource } from '../adapters/port';
import type { Logger } from '../lib/logger';

export interface PrepareOptions {
  /** Sources prepared at once: a province's 800 servers are not all asked in the same instant. */
  concurrency: number;
  logger: Logger;
  /** Aborted when the service stops. */
  signal: AbortSignal;
}

/**
 * Lets each source that needs it learn about its server before any view asks (RecordSource.prepare:
 * a FHIR server's CapabilityStatement), a few at a time, in the background, when a service starts
 * and after each reload of the sources file. Without it the first view to reach each server, in
 * each process, waits one more round trip. Progress is logged by counts, never by who.
 */
export async function prepareSources(sources: readonly RecordSource[], options: PrepareOptions): Promise<number> {
  const pending = sources.filter((source) => source.prepare);
  if (pending.length === 0) return 0;
  const started = performance.now();
  const sourceCount = new Set(pending.map((s) => s.source.id)).size;
  options.logger.info({ sources: sourceCount }, 'preparing sources before views ask them');
  let next = 0;
  const worker = async () => {
    while (next < pending.length && !options.signal.aborted) await pending[next++].prepare!(options.signal);
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, pending.length) }, worker));
  options.logger.info({ sources: sourceCount, ms: Math.round(performance.now() - started), stopped: options.signal.aborted }, 'sources prepared');
  return sourceCount;
}
