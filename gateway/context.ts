import type { Caller } from '../lib/internal-token';
import type { SourceReport } from '../subgraphs/ask-sources';
import type { Provider } from './authenticate';

/** Per-request state of the gateway, built once the caller is authenticated. */
export interface GatewayContext {
  provider: Provider;
  /** What the gateway tells subgraphs about the caller (signed). */
  caller: Caller;
  /** How each source answered, as the domain subgraphs reported it during this request. */
  sourceReports: SourceReport[];
}
