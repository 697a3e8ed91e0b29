import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { readSourcesFile, type SourceConfig } from './sources';
import { DEFAULT_TIME_ZONE } from './time';

export const SUBGRAPH_NAMES = ['patient-index', 'pharmacy', 'lab', 'imaging', 'clinic'] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

/** Secret the development tokens are signed with when AUTH_JWT_SECRET is not set (never in production). */
export const DEV_JWT_SECRET = 'qhr-development-only-secret-do-not-use-in-production';

/** Everything the stack reads from its environment, read once at start and passed down. */
export interface Config {
  host: string;
  /** Gateway port (`PORT`, default 4000; 0 picks a free one). */
  port: number;
  /** Port of each subgraph; 0 picks a free one. */
  subgraphPorts: Record<SubgraphName, number>;
  /** PostgreSQL server; unset means the embedded PGlite database in `dataDir`. */
  databaseUrl?: string;
  /** Redis server; unset means an in-process cache. */
  redisUrl?: string;
  /** Where the embedded database keeps its files; unset keeps it in memory. */
  dataDir?: string;
  /** PostgreSQL schema the tables live in (`DB_SCHEMA`); the connection's default when unset. */
  dbSchema?: string;
  auth: {
    /** HS256 secret (development). */
    jwtSecret?: string;
    /** JWKS endpoint (production). */
    jwksUrl?: string;
    issuer?: string;
    audience?: string;
  };
  /** Key the gateway signs its subgraph requests with; subgraphs refuse anything else. */
  internalSecret: string;
  sourcesFile: string;
  sources: SourceConfig[];
  registryFile: string;
  /** Role -> domains policy (JSON); unset means the QHR default (gateway/consent/policy.ts). */
  policyFile?: string;
  /** How long a source may take before it counts as UNAVAILABLE. */
  sourceTimeoutMs: number;
  /** Most people one `patients` request may ask for. */
  maxPatientsPerRequest: number;
  timeZone: string;
  logLevel: string;
  production: boolean;
}

const DEMO_DIR = join(__dirname, '..', 'demo');

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer`);
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const production = env.NODE_ENV === 'production';
  const timeZone = env.SOURCE_TIME_ZONE || DEFAULT_TIME_ZONE;
  const jwtSecret = env.AUTH_JWT_SECRET || (production || env.AUTH_JWKS_URL ? undefined : DEV_JWT_SECRET);
  if (production && !env.AUTH_JWKS_URL && !env.AUTH_JWT_SECRET) throw new Error('production needs AUTH_JWKS_URL (or AUTH_JWT_SECRET)');
  const sourcesFile = env.SOURCES_FILE || join(DEMO_DIR, 'sources.json');
  const basePort = integer(env, 'SUBGRAPH_BASE_PORT', 4001);
  return {
    host: env.HOST || '127.0.0.1',
    port: integer(env, 'PORT', 4000),
    subgraphPorts: {
      'patient-index': basePort,
      pharmacy: basePort && basePort + 1,
      lab: basePort && basePort + 2,
      imaging: basePort && basePort + 3,
      clinic: basePort && basePort + 4,
    },
    databaseUrl: env.DATABASE_URL || undefined,
    redisUrl: env.REDIS_URL || undefined,
    dataDir: env.DATA_DIR || undefined,
    dbSchema: env.DB_SCHEMA || undefined,
    auth: { jwtSecret, jwksUrl: env.AUTH_JWKS_URL || undefined, issuer: env.AUTH_ISSUER || undefined, audience: env.AUTH_AUDIENCE || undefined },
    internalSecret: env.SUBGRAPH_SECRET || randomBytes(32).toString('base64url'),
    sourcesFile,
    sources: readSourcesFile(sourcesFile, { timeZone }),
    registryFile: env.REGISTRY_FILE || join(DEMO_DIR, 'registry.csv'),
    policyFile: env.POLICY_FILE || undefined,
    sourceTimeoutMs: integer(env, 'SOURCE_TIMEOUT_MS', 3000),
    maxPatientsPerRequest: integer(env, 'MAX_PATIENTS_PER_REQUEST', 100),
    timeZone,
    logLevel: env.LOG_LEVEL || 'info',
    production,
  };
}
