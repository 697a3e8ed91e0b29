/**
 * The HL7 v2 lab listeners as a service: one MLLP listener per `hl7v2-mllp` source of the sources
 * file (`npm run lab-listener`, its own process on PostgreSQL), or started in process by
 * services/stack.ts. Each message is stored before it is acknowledged.
 */
import { LabStore, startMllpReceiver } from '../adapters/hl7v2';
import type { Config } from '../lib/config';
import type { Db } from '../lib/db';
import type { Logger } from '../lib/logger';
import { XrefStore } from '../locator/cross-reference';

export interface LabListeners {
  /** The port each lab source's listener opened. */
  ports: Map<string, number>;
  stop(): Promise<void>;
}

export async function startLabListeners(deps: { config: Config; logger: Logger; db: Db; progress?: (line: string) => void }): Promise<LabListeners> {
  const { config, logger, db } = deps;
  const store = new LabStore(db);
  const xref = new XrefStore(db);
  await store.migrate();
  await xref.migrate();
  const ports = new Map<string, number>();
  const receivers: { close(): Promise<void> }[] = [];
  const stop = async () => {
    // In-flight messages finish (stored and acknowledged) before the listeners close.
    await Promise.all(receivers.map((receiver) => receiver.close()));
  };
  try {
    for (const source of config.sources.filter((s) => s.protocol === 'hl7v2-mllp')) {
      const receiver = await startMllpReceiver({ source, store, xref, logger, host: config.host });
      receivers.push(receiver);
      ports.set(source.id, receiver.port);
      deps.progress?.(`lab listener ${source.id}: MLLP on ${config.host}:${receiver.port}`);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { ports, stop };
}

/** `npm run lab-listener`: every lab source's MLLP listener in this process, on PostgreSQL. */
if (require.main === module) {
  void (async () => {
    const { runService, requireSharedDatabase } = await import('./run');
    const { openDb } = await import('../lib/db');
    runService('lab listener', async ({ config, logger, say }) => {
      const db = await openDb({ url: requireSharedDatabase(config, 'the lab listener'), schema: config.dbSchema });
      const listeners = await startLabListeners({ config, logger, db, progress: say });
      return {
        describe: [`${listeners.ports.size} lab listener(s) ready`],
        stop: async () => {
          await listeners.stop();
          await db.close();
        },
      };
    });
  })();
}
