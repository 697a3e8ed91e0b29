import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SUBGRAPH_NAMES, subgraphUrlVariable, type SubgraphName } from '../../lib/config';
import { maskNams } from '../../lib/nam';

/** What every peer program is told: where to listen, which supergraph, where the subgraphs run. */
export interface PeerSettings {
  /** 0 = a free port. */
  port: number;
  supergraphSdl: string;
  subgraphUrls: Record<SubgraphName, string>;
}

export interface ServingPeer {
  url: string;
  stop(): Promise<void>;
}

/** The line a peer prints to stderr once it serves; bench/peers/index.ts waits for it. */
export const READY = /peer ready: (http\S+)/;

export const DEFAULT_SUPERGRAPH = join(__dirname, '..', '..', 'schema', 'supergraph.graphql');

/**
 * `--port N --supergraph FILE --subgraph-urls '{"patient-index":"http://…",…}'`; without
 * --subgraph-urls, the project's own SUBGRAPH_<NAME>_URL variables. Every subgraph must be named:
 * a peer falling back on the URLs written in the supergraph would bench whatever listens there.
 */
export function readPeerSettings(argv: string[], env: NodeJS.ProcessEnv): PeerSettings {
  const { values } = parseArgs({
    args: argv,
    options: { port: { type: 'string', default: '0' }, supergraph: { type: 'string', default: DEFAULT_SUPERGRAPH }, 'subgraph-urls': { type: 'string' } },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--port must be a port number (0 = free port)');
  const given: Record<string, unknown> = values['subgraph-urls']
    ? JSON.parse(values['subgraph-urls'])
    : Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, env[subgraphUrlVariable(name)]]));
  const subgraphUrls = {} as Record<SubgraphName, string>;
  for (const name of SUBGRAPH_NAMES) {
    const url = given[name];
    if (typeof url !== 'string' || !/^https?:\/\//.test(url)) throw new Error(`no http(s) URL for subgraph ${name} (--subgraph-urls or ${subgraphUrlVariable(name)})`);
    subgraphUrls[name] = url;
  }
  return { port, supergraphSdl: readFileSync(values.supergraph, 'utf8'), subgraphUrls };
}

/**
 * Runs a peer: serves, announces the ready line, and stops cleanly on SIGTERM / SIGINT or when
 * the process that spawned it goes away (its IPC channel closes), so a crashed bench or test
 * never leaves a gateway behind. A start failure exits 1 with the error's name and message only.
 */
export function peerProgram(kind: string, serve: (options: PeerSettings) => Promise<ServingPeer>): void {
  let peer: ServingPeer | undefined;
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await peer?.stop().catch(() => undefined);
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  if (process.send) process.once('disconnect', stop);
  serve(readPeerSettings(process.argv.slice(2), process.env))
    .then((serving) => {
      peer = serving;
      process.stderr.write(`${kind} peer ready: ${serving.url}\n`);
    })
    .catch((error: unknown) => {
      // Nothing here comes from a request, but a NAM-shaped string is masked all the same.
      const message = error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error';
      process.stderr.write(`${kind} peer failed to start: ${maskNams(message)}\n`);
      process.exit(1);
    });
}
