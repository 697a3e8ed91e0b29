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
  /**
   * Where the gateway reaches each subgraph (`SUBGRAPH_<NAME>_URL`, e.g. SUBGRAPH_PATIENT_INDEX_URL);
   * by default the subgraph's port on `host`. Services run apart set these.
   */
  subgraphUrls: Record<SubgraphName, string>;
  /**
   * Port of the ops listener (/health, /ready, /metrics) of a service with no HTTP server of its
   * own: the lab listeners and the roster reader (`OPS_PORT`; unset: none). Services with an HTTP
   * server (gateway, subgraphs) answer the ops paths on their own port.
   */
  opsPort?: number;
  /** Gateway processes sharing the gateway's address (`GATEWAY_INSTANCES`, node:cluster workers). */
  gatewayInstances: number;
  /**
   * V8 old-space cap of each gateway worker, in MB (`GATEWAY_HEAP_MB`; 0: V8's default). The live
   * set is about 100 MB; uncapped, V8 lets garbage pile up towards its default limit (GBs on a big
   * machine) before collecting, and RSS follows (issue #7 §4: at most 250 MB). Applies to the
   * workers of GATEWAY_INSTANCES > 1; a single process takes `NODE_OPTIONS=--max-old-space-size`.
   */
  gatewayHeapMb: number;
  /**
   * Where the gateway's subgraphs run (`GATEWAY_SUBGRAPHS`): `remote` (default), as services of their
   * own reached at subgraphUrls over HTTP; `in-process`, inside each gateway process, called
   * directly (no HTTP, no JSON, no token between them).
   */
  gatewaySubgraphs: 'remote' | 'in-process';
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
    /** Longest lifetime a provider token may claim, exp - iat (`AUTH_MAX_TOKEN_LIFETIME_S`, default 12 h); iat is required. */
    maxTokenLifetimeS: number;
  };
  /** PostgreSQL connections (issue #8 §2). */
  db: {
    /** Connections per pool (`DB_POOL_MAX`). */
    poolMax: number;
    /** Giving up on opening a connection (`DB_CONNECT_TIMEOUT_MS`). */
    connectTimeoutMs: number;
    /** Longest a statement may run (`DB_STATEMENT_TIMEOUT_MS`): a slow database fails requests closed instead of hanging them. */
    statementTimeoutMs: number;
  };
  /** The access log's protection against a database administrator (issue #8 §5). */
  audit: {
    /**
     * 32-byte key (`AUDIT_KEY`, hex or base64) the chain links are keyed with and the head checkpoints
     * signed with; the database never holds it. Unset outside production: a fixed development key.
     */
    key: Buffer;
    /** Where signed checkpoints of every chain's head are written, outside the database (`AUDIT_CHECKPOINT_DIR`). */
    checkpointDir?: string;
    /** How often a writer checkpoints its head (`AUDIT_CHECKPOINT_INTERVAL_MS`). */
    checkpointIntervalMs: number;
  };
  /** The HL7 v2 MLLP listeners (issue #8 §3); per-source TLS and sender allow-lists are in the sources file. */
  mllp: {
    /** A connection silent this long is closed (`MLLP_IDLE_TIMEOUT_MS`). */
    idleTimeoutMs: number;
    /** Connections one listener accepts at once (`MLLP_MAX_CONNECTIONS`). */
    maxConnections: number;
    /** Largest message accepted; a larger one is answered with a NAK and the connection closed (`MLLP_MAX_FRAME_BYTES`). */
    maxFrameBytes: number;
    /** A message begun but not ended within this long is abandoned and the connection closed (`MLLP_FRAME_TIMEOUT_MS`). */
    frameTimeoutMs: number;
  };
  /** GraphQL limits, as validation rules (issue #8 §4). */
  limits: {
    maxDepth: number;
    maxAliases: number;
    maxTokens: number;
    maxCost: number;
  };
  /** Key the gateway signs its subgraph requests with; subgraphs refuse anything else. */
  internalSecret: string;
  sourcesFile: string;
  sources: SourceConfig[];
  /**
   * A registry file the patient index imports at start when it changed (REGISTRY_FILE; the demo
   * registry with the demo sources). Unset: the registry in the database is kept as `npm run
   * registry:import` left it.
   */
  registryFile?: string;
  /** Role -> domains policy (JSON); unset means the QHR default (gateway/consent/policy.ts). */
  policyFile?: string;
  /** How long a source may take before it counts as UNAVAILABLE. */
  sourceTimeoutMs: number;
  /** Most people one `patients` request may ask for. */
  maxPatientsPerRequest: number;
  /** The cache of source answers (cache/answer-cache.ts). */
  answerCache: {
    /** `SOURCE_CACHE=off` turns it off. */
    enabled: boolean;
    /** How long a source's answer is served from the cache unless a source sets `cacheTtlMs` (`SOURCE_CACHE_TTL_MS`). */
    ttlMs: number;
    /**
     * 32-byte key (`CACHE_KEY`, base64 or hex) from which the value encryption key and the key
     * hashing key are derived. Every process sharing a Redis must have the same one; unset, a
     * random key per process (the cache then only works within one process).
     */
    key?: Buffer;
  };
  /** The record locator (locator/). */
  locator: {
    /** How often a pull source's roster is read unless it sets `rosterIntervalMs` (`ROSTER_INTERVAL_MS`). */
    rosterIntervalMs: number;
    /** Roster reads one roster reader runs at once (`ROSTER_CONCURRENCY`). */
    rosterConcurrency: number;
  };
  /** What the gateway offers browsers and EMR vendors besides GraphQL itself (issue #10 §4-5). */
  clients: {
    /**
     * Origins whose browser pages may read the gateway's answers (`CORS_ORIGINS`, comma-separated;
     * `*` any, `none` none). Unset: any in development, none in production.
     */
    corsOrigins: CorsOrigins;
    /** GraphiQL from the gateway's own assets for browsers (`EXPLORER=on|off`); unset: on in development, off in production. */
    explorer: boolean;
    /**
     * The people's pages under /app/ (issue #11: a provider's patient view, a person's own page, a
     * consent clerk's desk), served from the gateway's own files (`PAGES=on|off`, default on).
     */
    pages: boolean;
    /** Persisted-operations safelist (`SAFELIST_FILE`, a JSON manifest): when set, only its operations run. */
    safelistFile?: string;
  };
  /**
   * OpenTelemetry traces (ops/tracing.ts), from the standard variables: off unless
   * OTEL_TRACES_EXPORTER=otlp or an OTLP endpoint is set (then no SDK is started at all).
   */
  tracing: {
    /** `otlp`: spans go to `endpoint` over OTLP/HTTP; `none`: no SDK. */
    exporter: 'otlp' | 'none';
    /** OTLP/HTTP traces URL (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces). */
    endpoint: string;
    /** OTEL_SERVICE_NAME; each service's own name when unset. */
    serviceName?: string;
  };
  timeZone: string;
  logLevel: string;
  production: boolean;
}

/** `any`, or the exact origins (scheme://host[:port]) allowed, possibly none. */
export type CorsOrigins = 'any' | readonly string[];

const DEMO_DIR = join(__dirname, '..', 'demo');

/** The environment variable naming a subgraph's URL: patient-index -> SUBGRAPH_PATIENT_INDEX_URL. */
export const subgraphUrlVariable = (name: SubgraphName) => `SUBGRAPH_${name.toUpperCase().replace(/-/g, '_')}_URL`;

function gatewaySubgraphsOf(raw: string | undefined): Config['gatewaySubgraphs'] {
  if (!raw || raw === 'remote') return 'remote';
  if (raw === 'in-process') return 'in-process';
  throw new Error('GATEWAY_SUBGRAPHS must be remote or in-process');
}

/** A 32-byte key given as 64 hex digits or base64 (CACHE_KEY, AUDIT_KEY). */
function keyOf(name: string, raw: string | undefined): Buffer | undefined {
  if (!raw) return undefined;
  const key = /^[0-9a-f]{64}$/i.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
  if (key.length !== 32) throw new Error(`${name} must be 32 bytes, as 64 hex digits or base64`);
  return key;
}

/** CORS_ORIGINS: `*`, `none`, or comma-separated origins, each exactly as a browser sends it in `Origin`. */
function corsOriginsOf(raw: string | undefined, production: boolean): CorsOrigins {
  if (raw === undefined || raw.trim() === '') return production ? [] : 'any';
  if (raw.trim() === '*') return 'any';
  if (raw.trim() === 'none') return [];
  return raw.split(',').map((origin) => {
    const trimmed = origin.trim();
    let parsed: URL | undefined;
    try {
      parsed = new URL(trimmed);
    } catch {
      parsed = undefined;
    }
    if (!parsed || parsed.origin !== trimmed) throw new Error('CORS_ORIGINS must be *, none, or origins such as https://emr.example (scheme, host and port only), comma-separated');
    return trimmed;
  });
}

function onOff(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'on') return true;
  if (raw === 'off') return false;
  throw new Error(`${name} must be on or off`);
}

/** The access log's key when AUDIT_KEY is not set (development only; production refuses to start without one). */
export const DEV_AUDIT_KEY = Buffer.from('qhr-development-audit-key-only!!', 'utf8');

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer`);
  return value;
}

/**
 * The standard OpenTelemetry variables (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/).
 * Off unless asked for: the spec's default exporter (otlp to localhost:4318) would have every
 * install send spans nowhere; OTEL_TRACES_EXPORTER=otlp or an endpoint turns it on.
 */
function tracingOf(env: NodeJS.ProcessEnv): Config['tracing'] {
  const perSignal = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || undefined;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined;
  // The per-signal URL is used as is; the general one gets the signal's path (OTLP exporter spec, "Endpoint URLs for OTLP/HTTP").
  const endpoint = perSignal ?? (base ? `${base.replace(/\/+$/, '')}/v1/traces` : 'http://localhost:4318/v1/traces');
  const named = env.OTEL_TRACES_EXPORTER?.trim() || undefined;
  if (named !== undefined && named !== 'otlp' && named !== 'none') throw new Error('OTEL_TRACES_EXPORTER must be otlp or none');
  const on = env.OTEL_SDK_DISABLED !== 'true' && (named === 'otlp' || (named === undefined && (perSignal ?? base) !== undefined));
  return { exporter: on ? 'otlp' : 'none', endpoint, ...(env.OTEL_SERVICE_NAME ? { serviceName: env.OTEL_SERVICE_NAME } : {}) };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const production = env.NODE_ENV === 'production';
  const timeZone = env.SOURCE_TIME_ZONE || DEFAULT_TIME_ZONE;
  const jwtSecret = env.AUTH_JWT_SECRET || (production || env.AUTH_JWKS_URL ? undefined : DEV_JWT_SECRET);
  if (production && !env.AUTH_JWKS_URL && !env.AUTH_JWT_SECRET) throw new Error('production needs AUTH_JWKS_URL (or AUTH_JWT_SECRET)');
  if (production && !env.AUDIT_KEY) throw new Error('production needs AUDIT_KEY (the access log is keyed with a secret the database does not hold)');
  const sourcesFile = env.SOURCES_FILE || join(DEMO_DIR, 'sources.json');
  const basePort = integer(env, 'SUBGRAPH_BASE_PORT', 4001);
  const host = env.HOST || '127.0.0.1';
  const subgraphPorts = Object.fromEntries(SUBGRAPH_NAMES.map((name, index) => [name, basePort && basePort + index])) as Record<SubgraphName, number>;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const subgraphUrls = Object.fromEntries(
    SUBGRAPH_NAMES.map((name) => [name, env[subgraphUrlVariable(name)] || `http://${urlHost}:${subgraphPorts[name]}/graphql`]),
  ) as Record<SubgraphName, string>;
  const instances = integer(env, 'GATEWAY_INSTANCES', 1);
  if (instances < 1) throw new Error('GATEWAY_INSTANCES must be at least 1');
  return {
    host,
    port: integer(env, 'PORT', 4000),
    subgraphPorts,
    subgraphUrls,
    gatewayInstances: instances,
    opsPort: env.OPS_PORT ? integer(env, 'OPS_PORT', 0) : undefined,
    gatewayHeapMb: integer(env, 'GATEWAY_HEAP_MB', 160),
    gatewaySubgraphs: gatewaySubgraphsOf(env.GATEWAY_SUBGRAPHS),
    databaseUrl: env.DATABASE_URL || undefined,
    redisUrl: env.REDIS_URL || undefined,
    dataDir: env.DATA_DIR || undefined,
    dbSchema: env.DB_SCHEMA || undefined,
    auth: {
      jwtSecret,
      jwksUrl: env.AUTH_JWKS_URL || undefined,
      issuer: env.AUTH_ISSUER || undefined,
      audience: env.AUTH_AUDIENCE || undefined,
      maxTokenLifetimeS: integer(env, 'AUTH_MAX_TOKEN_LIFETIME_S', 12 * 3600),
    },
    db: {
      poolMax: integer(env, 'DB_POOL_MAX', 10),
      connectTimeoutMs: integer(env, 'DB_CONNECT_TIMEOUT_MS', 5_000),
      statementTimeoutMs: integer(env, 'DB_STATEMENT_TIMEOUT_MS', 5_000),
    },
    audit: {
      key: keyOf('AUDIT_KEY', env.AUDIT_KEY) ?? DEV_AUDIT_KEY,
      checkpointDir: env.AUDIT_CHECKPOINT_DIR || undefined,
      checkpointIntervalMs: integer(env, 'AUDIT_CHECKPOINT_INTERVAL_MS', 10_000),
    },
    mllp: {
      idleTimeoutMs: integer(env, 'MLLP_IDLE_TIMEOUT_MS', 120_000),
      maxConnections: integer(env, 'MLLP_MAX_CONNECTIONS', 32),
      maxFrameBytes: integer(env, 'MLLP_MAX_FRAME_BYTES', 4 * 1024 * 1024),
      frameTimeoutMs: integer(env, 'MLLP_FRAME_TIMEOUT_MS', 30_000),
    },
    limits: {
      maxDepth: integer(env, 'MAX_QUERY_DEPTH', 8),
      maxAliases: integer(env, 'MAX_QUERY_ALIASES', 15),
      maxTokens: integer(env, 'MAX_QUERY_TOKENS', 1000),
      maxCost: integer(env, 'MAX_QUERY_COST', 5000),
    },
    internalSecret: env.SUBGRAPH_SECRET || randomBytes(32).toString('base64url'),
    sourcesFile,
    sources: readSourcesFile(sourcesFile, { timeZone }),
    registryFile: env.REGISTRY_FILE || (env.SOURCES_FILE ? undefined : join(DEMO_DIR, 'registry.csv')),
    policyFile: env.POLICY_FILE || undefined,
    sourceTimeoutMs: integer(env, 'SOURCE_TIMEOUT_MS', 3000),
    maxPatientsPerRequest: integer(env, 'MAX_PATIENTS_PER_REQUEST', 100),
    answerCache: {
      enabled: env.SOURCE_CACHE !== 'off',
      ttlMs: integer(env, 'SOURCE_CACHE_TTL_MS', 30_000),
      key: keyOf('CACHE_KEY', env.CACHE_KEY),
    },
    locator: { rosterIntervalMs: integer(env, 'ROSTER_INTERVAL_MS', 60_000), rosterConcurrency: Math.max(1, integer(env, 'ROSTER_CONCURRENCY', 16)) },
    clients: {
      corsOrigins: corsOriginsOf(env.CORS_ORIGINS, production),
      explorer: onOff(env, 'EXPLORER', !production),
      pages: onOff(env, 'PAGES', true),
      safelistFile: env.SAFELIST_FILE || undefined,
    },
    tracing: tracingOf(env),
    timeZone,
    logLevel: env.LOG_LEVEL || 'info',
    production,
  };
}
