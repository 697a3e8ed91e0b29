import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { operationNotRegistered } from '../lib/errors';

/**
 * Persisted-operations safelist (`SAFELIST_FILE`, issue #10 §5): in production a gateway may run
 * only the operations its EMR vendors registered, so a stolen token cannot be used to ask the graph
 * anything else. The manifest is JSON, either Apollo's persisted query manifest
 * (`{ "format": "apollo-persisted-query-manifest", "version": 1, "operations": [{ "id", "body", … }] }`,
 * what `@apollo/generate-persisted-query-manifest` writes) or a plain map `{ "<id>": "<document>" }`.
 */
export interface Safelist {
  /** The registered document of an id, or of the SHA-256 (hex) of a registered document. */
  documentOf(id: string): string | undefined;
  /** Whether this exact text is a registered document. */
  allows(source: string): boolean;
  size: number;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The safelist a manifest describes; a malformed manifest throws, naming what is wrong (never a document). */
export function parseSafelist(manifest: unknown): Safelist {
  const entries = manifestEntries(manifest);
  const byId = new Map<string, string>();
  for (const [id, body] of entries) {
    byId.set(id, body);
    // Apollo clients send the SHA-256 of the text as APQ hash (Apollo APQ protocol): found either way.
    byId.set(sha256(body), body);
  }
  const documents = new Set(entries.map(([, body]) => body));
  return { documentOf: (id) => byId.get(id), allows: (source) => documents.has(source), size: documents.size };
}

function manifestEntries(manifest: unknown): [string, string][] {
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) throw new Error('SAFELIST_FILE must hold a JSON object');
  const apollo = manifest as { format?: unknown; operations?: unknown };
  if (apollo.format !== undefined) {
    if (apollo.format !== 'apollo-persisted-query-manifest' || !Array.isArray(apollo.operations)) {
      throw new Error('SAFELIST_FILE: format must be apollo-persisted-query-manifest, with an operations array');
    }
    return apollo.operations.map((operation: { id?: unknown; body?: unknown }, index) => {
      if (typeof operation?.id !== 'string' || typeof operation.body !== 'string') throw new Error(`SAFELIST_FILE: operations[${index}] needs a string id and body`);
      return [operation.id, operation.body];
    });
  }
  return Object.entries(manifest).map(([id, body]) => {
    if (typeof body !== 'string') throw new Error(`SAFELIST_FILE: the entry ${JSON.stringify(id)} must be a GraphQL document (a string)`);
    return [id, body];
  });
}

export function readSafelist(file: string): Safelist {
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`SAFELIST_FILE ${file} could not be read as JSON (${(error as Error).name})`);
  }
  return parseSafelist(manifest);
}

/** What an unknown id resolves to: a document no safelist allows, so it meets the same refusal as unregistered text. */
const NOT_REGISTERED = 'query OperationNotRegistered { __typename }';

/**
 * The safelist as Apollo Server options. Registered operations are found by id (or hash) through
 * Apollo's persisted-query store, read-only: nothing a client sends is ever registered. Apollo's
 * APQ answers an unknown hash `PersistedQueryNotFound`, which invites a client to send the text and
 * register it; under a safelist that can never succeed, so an unknown id resolves to a document that
 * is never allowed instead. Every operation is then checked once it is resolved
 * (`didResolveOperation`, the hook whose errors Apollo answers with their HTTP status): only a
 * registered document runs, anything else is OPERATION_NOT_REGISTERED (403).
 */
export function useSafelist<C extends BaseContext>(safelist: Safelist) {
  const store = {
    // Apollo prefixes its APQ keys (`apq:`, @apollo/server APQ_CACHE_PREFIX).
    async get(key: string) {
      return safelist.documentOf(key.replace(/^apq:/, '')) ?? NOT_REGISTERED;
    },
    async set() {},
    async delete() {
      return false;
    },
  };
  const plugin: ApolloServerPlugin<C> = {
    async requestDidStart() {
      return {
        async didResolveOperation({ source }) {
          if (source === NOT_REGISTERED || !safelist.allows(source)) throw operationNotRegistered();
        },
      };
    },
  };
  return { persistedQueries: { cache: store, ttl: null }, plugin };
}
