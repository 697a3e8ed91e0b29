import net from 'node:net';
import { developmentToken } from '../../../bin/token';
import { VIEW } from '../../../bench/requests';
import { startServicesApart, type ServicesApart } from '../../../bench/services-apart';
import { startWorld, type World, type WorldPerson } from '../../../bench/world';
import { openDb, type Db } from '../../../lib/db';

/** A small province and our services on it, each service a process of its own (bench/services-apart.ts). */
export interface Apart {
  world: World;
  system: ServicesApart;
  /** This system's schema, for counting what was stored. */
  db: Db;
  /** People some source holds records for. */
  people: WorldPerson[];
  /** The patient view of the bench (every domain), as a physician; the answer read whole. */
  view(nam: string): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

export const onPostgres = !!process.env.DATABASE_URL;

export async function startApart(label: string, env: Record<string, string> = {}, gatewayInstances = 1, gatewayEnv: Record<string, string> = {}): Promise<Apart> {
  const world = await startWorld({ people: 300, pharmacies: 3, clinics: 2, pacs: 1, seed: 5 });
  let system: ServicesApart | undefined;
  try {
    system = await startServicesApart({ world, databaseUrl: process.env.DATABASE_URL!, redisUrl: process.env.REDIS_URL, gatewayInstances, label, env, gatewayEnv });
    const db = await openDb({ url: process.env.DATABASE_URL!, schema: system.dbSchema });
    const token = await developmentToken({ sub: 'MD-SHUTDOWN', role: 'physician', facility: 'shutdown' }, system.jwtSecret, '1h');
    const { gatewayUrl } = system;
    const running = system;
    return {
      world,
      system,
      db,
      people: world.people().filter((p) => p.sources.length > 0),
      async view(nam) {
        const response = await fetch(gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: VIEW, variables: { nam } }) });
        return { status: response.status, body: await response.json() };
      },
      async stop() {
        await db.close();
        await running.stop();
        await world.stop();
      },
    };
  } catch (error) {
    await system?.stop();
    await world.stop();
    throw error;
  }
}

/** Whether a TCP connection to the port is accepted now ('refused' when nobody listens). */
export function connectOutcome(port: number): Promise<'accepted' | 'refused' | 'other'> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve('accepted')));
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED' ? 'refused' : 'other'));
  });
}

/** Record ids per kind in a view's answer, as bench/world's expected() lists them. */
export function idsByKind(patient: Record<string, unknown>): Record<string, string[]> {
  const kinds = ['medications', 'labResults', 'imagingStudies', 'encounters', 'conditions', 'allergies', 'immunizations'];
  return Object.fromEntries(
    kinds.map((kind) => [kind, ((patient[kind] as { id?: string; studyInstanceUid?: string }[] | null) ?? []).map((r) => r.id ?? r.studyInstanceUid!).sort()]),
  );
}
