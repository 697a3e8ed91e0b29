import https from 'node:https';
import type { SourceConfig } from '../lib/sources';
import { hasCredentials, openSourceCredentials, type SourceCredentials } from './credentials';
import type { TokenCacheOptions } from './credentials/token-cache';
import { AGENT_OPTIONS } from './http-agents';

/** A source's credentials as its requests use them, with its own agent when it has client TLS. */
export interface SourceConnection extends SourceCredentials {
  agent?: https.Agent;
  /** The settings they were made from: the same settings again keep them (and the token they hold). */
  settings: string;
}

/**
 * The credentials of one service's sources, by source id: each request names its source
 * (HttpRequest.sourceId) and carries the service's SourceConnections, where adapters/http.ts finds
 * its token and client certificate. One per service, made where its adapters are made and passed
 * down with them (adapters/index.ts AdapterDeps), never module state.
 */
export class SourceConnections {
  private readonly byId = new Map<string, SourceConnection>();

  /** `options`: the token caches' (tests: a clock). */
  constructor(private readonly options: Partial<TokenCacheOptions> = {}) {}

  /** The credentials of a source, when it has any. */
  of(sourceId: string): SourceConnection | undefined {
    return this.byId.get(sourceId);
  }

  /**
   * Reads the credentials of these sources (secrets from the environment or files, client TLS
   * files) and applies them to every request that names the source. All are read before any is
   * applied: a variable not set or a file not readable throws a SourcesFileError naming the
   * source and the variable or file, and leaves the connections as they were. A source whose
   * settings did not change keeps its connection and its token; one without credentials has its
   * removed. Called where the adapters are made (adapters/index.ts), so at start and at each reload.
   */
  connect(sources: readonly SourceConfig[]): void {
    const opened = sources
      .filter((source) => source.url !== undefined)
      .map((source) => {
        const settings = JSON.stringify([source.url, source.auth, source.clientTls]);
        if (!hasCredentials(source) || this.byId.get(source.id)?.settings === settings) return { source, connection: undefined, keep: hasCredentials(source) };
        const credentials = openSourceCredentials(source, this.options);
        const agent = credentials.tls ? new https.Agent({ ...AGENT_OPTIONS, ...credentials.tls }) : undefined;
        return { source, connection: { ...credentials, ...(agent ? { agent } : {}), settings }, keep: false };
      });
    for (const { source, connection, keep } of opened) {
      if (keep) continue;
      this.disconnect(source.id);
      if (connection) this.byId.set(source.id, connection);
    }
  }

  /** Forgets a source's credentials (a source removed), closing its own connections. */
  disconnect(sourceId: string): void {
    this.byId.get(sourceId)?.agent?.destroy();
    this.byId.delete(sourceId);
  }

  /** After a reload of the sources file: forgets the sources no longer connected. */
  retain(connected: readonly SourceConfig[]): void {
    const kept = new Set(connected.map((source) => source.id));
    for (const id of [...this.byId.keys()]) if (!kept.has(id)) this.disconnect(id);
  }
}
