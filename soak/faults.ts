import type { ServicesApart } from '../bench/services-apart';
import type { World } from '../bench/world';
import type { Db } from '../lib/db';
import type { OwnRedis } from '../test/cache/support/own-redis';

/** Everything a fault acts on: only the soak's own processes, connections and servers. */
export interface FaultTargets {
  system: ServicesApart;
  world: World;
  redis: OwnRedis;
  /** A connection of the soak's own, to end our services' sessions with. */
  admin: Pick<Db, 'query'>;
  /** The world's latencies when healthy (a hung source is set back to these). */
  latencies: number[];
  sourceTimeoutMs: number;
  say(line: string): void;
}

interface Fault {
  name: string;
  inject(targets: FaultTargets, round: number): Promise<void>;
}

const SUBGRAPHS = ['pharmacy', 'clinic', 'patient-index', 'imaging', 'lab'] as const;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The faults of issue #8 §8, each with its recovery; the soak injects them in turn. */
export const FAULTS: Fault[] = [
  {
    name: 'subgraph killed (kill -9), restarted',
    async inject({ system, say }, round) {
      const name = SUBGRAPHS[round % SUBGRAPHS.length];
      const victim = system.services.get(name)!;
      victim.signal('SIGKILL');
      await victim.exited;
      await pause(2000);
      await system.restart(name);
      say(`fault: subgraph ${name} killed and started again`);
    },
  },
  {
    name: 'gateway worker killed (kill -9), replaced by the primary',
    async inject({ system, say }) {
      const gateway = system.services.get('gateway')!;
      const [worker] = system.gatewayWorkers();
      if (!worker) throw new Error('the gateway has no worker to kill');
      const replaced = gateway.line(/\] gateway: /);
      process.kill(worker, 'SIGKILL');
      await replaced;
      say('fault: a gateway worker killed; the primary started another');
    },
  },
  {
    name: 'database connections of our services dropped',
    async inject({ system, admin, say }) {
      // Only our services' sessions: application_name qhr-<service>@<our schema> (lib/db.ts).
      const { rows } = await admin.query<{ ended: boolean }>(
        `SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity
          WHERE application_name LIKE 'qhr-%' AND split_part(application_name, '@', 2) = $1 AND pid <> pg_backend_pid()`,
        [system.dbSchema],
      );
      say(`fault: ${rows.filter((r) => r.ended).length} database sessions of our services ended`);
    },
  },
  {
    name: 'redis stopped, restarted',
    async inject({ redis, say }) {
      await redis.kill();
      await pause(5000);
      await redis.start();
      say('fault: our redis-server killed, and started again 5 s later (empty)');
    },
  },
  {
    name: 'source hung, healed',
    async inject({ world, latencies, sourceTimeoutMs, say }, round) {
      const hung = round % latencies.length;
      await world.setLatency({ ms: latencies.map((ms, i) => (i === hung ? sourceTimeoutMs * 4 : ms)) });
      await pause(8000);
      await world.setLatency({ ms: latencies });
      say(`fault: source #${hung + 1} hung 8 s (answers after ${(sourceTimeoutMs * 4) / 1000} s), then healed`);
    },
  },
];

/** Injects FAULTS in turn, one every `everyMs`, until `running()` says stop; counts them by name. */
export async function faultSchedule(targets: FaultTargets, options: { everyMs: number; running(): boolean }): Promise<Record<string, number>> {
  const injected: Record<string, number> = {};
  for (let n = 0; ; n++) {
    await pause(options.everyMs);
    if (!options.running()) return injected;
    const fault = FAULTS[n % FAULTS.length];
    await fault.inject(targets, Math.floor(n / FAULTS.length));
    injected[fault.name] = (injected[fault.name] ?? 0) + 1;
  }
}
