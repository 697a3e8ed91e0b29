import cluster from 'node:cluster';

/**
 * Runs `count` copies of this entry point as node:cluster workers behind one listening address:
 * the primary accepts connections and hands them to the workers in turn. A worker that dies is
 * replaced; SIGTERM/SIGINT are passed on, and the primary exits once every worker has drained.
 */
export function superviseWorkers(name: string, count: number): void {
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
  say(`${count} instances on one address`);
  for (let i = 0; i < count; i++) fork();
}
