import type { GraphQLError } from 'graphql';
import type { Caller } from '../lib/internal-token';
import type { Logger } from '../lib/logger';
import type { SourceReport } from '../subgraphs/ask-sources';
import type { Provider } from './authenticate';
import type { RecordDecision } from '../consent/decide';

/** Per-request state of the gateway, built once the caller is authenticated. */
export interface GatewayContext {
  provider: Provider;
  /** What the gateway tells subgraphs about the caller (signed), grants included. */
  caller: Caller;
  /** The consent decision for each NAM the request asks, taken by the root rules. */
  decisions: Map<string, RecordDecision>;
  /** When they were taken: the time of the access-log entries (before the refusal, or not). */
  decidedAt?: Date;
  /** How each source answered, as the domain subgraphs reported it during this request. */
  sourceReports: SourceReport[];
  /** The query plan's errors by response path ("patients.3.medications"), for the result phase. */
  planErrors: Map<string, GraphQLError>;
  /** This request's id (ops/request-id.ts): in its log lines, its trace and its access-log entries. */
  requestId?: string;
  /** The gateway's logger with this request's id bound (pino child). */
  logger?: Logger;
}

/** The context the consent rules see (the same object: named for the rules' point of view). */
export type EnforcementContext = GatewayContext;
