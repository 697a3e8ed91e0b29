import cluster from 'node:cluster';
import { clusterRoutes } from '../ops/cluster-metrics';
import { startOpsServer } from '../ops/ops-server';

/**
 * Runs `count` copies of this entry point as node:cluster workers behind one listening address:
 * the primary accepts connections and hands them to the workers in turn. A worker that dies is
 * replaced; SIGTERM/SIGINT are passed on, and the primary exits once every worker has drained.
 * `heapMb` caps each worker's V8 old space (GATEWAY_HEAP_MB). With `ops` (OPS_PORT), the primary
 * answers /metrics summed over its workers, and /health and /ready, on a port of its own.
 */
export function superviseWorkers(name: string, count: number, options: { heapMb?: number; ops?: { host: string; port: number } } = {}): void {
  if (options.heapMb) cluster.setupPrimary({ execArgv: [...process.execArgv, `--max-old-space-size=${options.heapMb}`] });
  const say = (line: string) => process.stderr.write(`[${name}] ${line}\n`);
  let stopping = false;
  const fork = () => cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    say(`instance ${worker.id} ended (${signal ?? code}); starting another`);
    fork();
  });
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    say(`stopping ${count} instances…`);
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
  };
  process.on('SIGINT', () => stop('SIGTERM'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  for (let i = 0; i < count; i++) fork();
  if (options.ops) {
    const running = () => Object.values(cluster.workers ?? {}).filter((worker) => worker?.isConnected()).length;
    startOpsServer({ ...options.ops, routes: clusterRoutes({ wanted: count, running }) }).then(
      (ops) => say(`metrics of the ${count} instances summed: ${ops.url}/metrics`),
      (error: Error) => say(`ops port not opened: ${error.name}`),
    );
  }
  say(`${count} instances on one address`);
}
