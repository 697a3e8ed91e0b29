import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { SubgraphName } from '../../lib/config';
import { READY } from './peer-program';

/**
 * The bench's peer gateways, each in a process of its own (as it would be deployed, and so its
 * memory is its own): plain @apollo/gateway and Hive Gateway over the same supergraph and the
 * same running subgraphs as ours. They do no consent and write no access log; they forward the
 * caller's x-qhr-gateway-token to the subgraphs, so the caller signs it (signInternalToken with
 * every subgraph as audience).
 */
export type PeerKind = 'apollo' | 'hive';

export interface PeerOptions {
  /** 0 or absent: a free port. */
  port?: number;
  subgraphUrls: Record<SubgraphName, string>;
  /** Default: schema/supergraph.graphql. */
  supergraphFile?: string;
  /** Added to this process's environment. */
  env?: Record<string, string>;
  /** How long to wait for the ready line (default 60 s: tsx compiles on a cold cache). */
  readyTimeoutMs?: number;
}

export interface RunningPeer {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

const PROGRAMS: Record<PeerKind, string> = {
  apollo: join(__dirname, 'apollo-gateway.ts'),
  hive: join(__dirname, 'hive-gateway.ts'),
};
const STOP_GRACE_MS = 5_000;
const TAIL_LINES = 20;

/** Spawns the peer under tsx, resolves once it prints its ready line; rejects (and kills it) if it exits or times out first. */
export function startPeer(kind: PeerKind, options: PeerOptions): Promise<RunningPeer> {
  const args = ['--import', 'tsx', PROGRAMS[kind], '--port', String(options.port ?? 0), '--subgraph-urls', JSON.stringify(options.subgraphUrls)];
  if (options.supergraphFile) args.push('--supergraph', options.supergraphFile);
  // The IPC channel is the peer's lifeline: it stops itself when this process goes away.
  const child = spawn(process.execPath, args, {
    env: { ...process.env, NODE_ENV: 'production', ...options.env },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(killer);
  };

  // stderr is read to its end (a full pipe would block the peer); only its last lines are kept, for a failure's message.
  const tail: string[] = [];
  let pending = '';
  return new Promise<RunningPeer>((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      void stop();
      reject(new Error(`${kind} peer ${why}${tail.length ? `:\n${tail.join('\n')}` : ''}`));
    };
    const timer = setTimeout(() => fail(`not ready within ${options.readyTimeoutMs ?? 60_000} ms`), options.readyTimeoutMs ?? 60_000);
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        tail.push(line);
        if (tail.length > TAIL_LINES) tail.shift();
        const ready = READY.exec(line);
        if (ready) {
          clearTimeout(timer);
          resolve({ url: ready[1], pid: child.pid!, stop });
        }
      }
    });
    child.once('error', (error) => fail(`could not be spawned (${error.message})`));
    child.once('exit', (code, signal) => fail(`exited before it was ready (${signal ?? `code ${code}`})`));
  });
}
