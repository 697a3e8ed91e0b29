import type { Config } from '../lib/config';
import type { ReadinessChecks } from '../ops/health';
import type { Metrics } from '../ops/metrics';
import { opsRoutes } from '../ops/ops-routes';
import { startOpsServer } from '../ops/ops-server';

/**
 * The ops listener of a service with no HTTP server of its own (lab listeners, roster reader), on
 * OPS_PORT; none when it is unset. Stops before the service's parts, so probes see it go first.
 */
export async function startOpsListener(config: Config, ops: { metrics: Metrics; checks: ReadinessChecks; say(line: string): void }): Promise<{ stop(): Promise<void> }> {
  if (config.opsPort === undefined) return { stop: async () => undefined };
  const server = await startOpsServer({ host: config.host, port: config.opsPort, routes: opsRoutes(ops) });
  ops.say(`ops: ${server.url}/health, /ready, /metrics`);
  return server;
}
