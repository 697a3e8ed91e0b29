import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import { opsRoutes, type OpsRoutes } from './ops-routes';

/**
 * Metrics of a node:cluster (GATEWAY_INSTANCES > 1) as one scrape. Each worker counts in its own
 * registry; a scrape of the shared port reaches one worker only, so Prometheus would see counters
 * jump between workers. The primary asks every worker over the cluster's IPC channel and sums
 * (prom-client's AggregatorRegistry; gauges say how they combine, see ops/metrics.ts).
 */

/** In a worker: answer the primary's requests with this registry. */
export function offerToCluster(registry: Registry): void {
  if (!cluster.isWorker) return;
  // Constructing one installs the worker's IPC listener (prom-client lib/cluster.js addListeners).
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([registry]);
}

/**
 * In the primary: /metrics summed over the workers; /health alive; /ready ready while every
 * worker asked for runs (a worker that died is being replaced).
 */
export function clusterRoutes(workers: { wanted: number; running(): number }): OpsRoutes {
  const aggregator = new AggregatorRegistry();
  return opsRoutes({
    metrics: { scrape: async () => ({ contentType: aggregator.contentType, body: await aggregator.clusterMetrics() }) },
    checks: [
      {
        name: 'workers',
        check: async () => {
          if (workers.running() < workers.wanted) throw new Error('a worker is missing');
        },
      },
    ],
  });
}
