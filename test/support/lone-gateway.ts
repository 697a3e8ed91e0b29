import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { developmentToken } from '../../bin/token';
import { DEFAULT_POLICY_ROLES, parsePolicy } from '../../gateway/consent/policy';
import { startGateway, type RunningGateway } from '../../gateway/server';
import { loadConfig, SUBGRAPH_NAMES, type SubgraphName } from '../../lib/config';
import { createLogger } from '../../lib/logger';
import { recordingServer, type RecordingServer } from './recording-server';

const SECRET = 'test-secret-lone-gateway';

export interface LoneGateway {
  gateway: RunningGateway;
  /** The gateway's origin, e.g. http://127.0.0.1:41234 */
  origin: string;
  token(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * The gateway alone, on a free port, configured from `env` like a deployment; its subgraphs answer
 * 500 and consent grants nothing, so it is for what the gateway does before and around a plan
 * (HTTP front, explorer, persisted queries, safelist), not for records.
 */
export async function startLoneGateway(env: Record<string, string> = {}): Promise<LoneGateway> {
  const subgraphs: RecordingServer = await recordingServer((_request, response) => void response.writeHead(500).end());
  const base = { ...process.env, NODE_ENV: 'test', PORT: '0', SUBGRAPH_BASE_PORT: '0', AUTH_JWT_SECRET: SECRET, LOG_LEVEL: 'silent' };
  for (const name of ['CORS_ORIGINS', 'EXPLORER', 'PAGES', 'SAFELIST_FILE']) delete (base as Record<string, string | undefined>)[name];
  const gateway = await startGateway({
    config: loadConfig({ ...base, ...env }),
    logger: createLogger('silent'),
    supergraphSdl: readFileSync(join(__dirname, '../../schema/supergraph.graphql'), 'utf8'),
    subgraphs: Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, { url: `${subgraphs.url}/${name}` }])) as Record<SubgraphName, { url: string }>,
    policy: parsePolicy({ roles: DEFAULT_POLICY_ROLES }),
    consent: { decide: async () => new Map() },
    accessLog: { append: async () => undefined },
  });
  return {
    gateway,
    origin: new URL(gateway.url).origin,
    token: () => developmentToken({ sub: 'MD-1', role: 'physician', facility: 'clinic-mtl-east' }, SECRET, '5m'),
    stop: async () => {
      await gateway.stop();
      await subgraphs.close();
    },
  };
}
