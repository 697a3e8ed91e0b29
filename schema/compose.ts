import { composeServices } from '@apollo/composition';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, printSchema } from 'graphql';
import { SUBGRAPH_NAMES, type SubgraphName } from '../lib/config';

const DOMAIN_SHARED = join(__dirname, 'domain-shared.graphql');

/**
 * A subgraph's SDL: its own schema.graphql, preceded for domain subgraphs by what they all declare
 * alike (schema/domain-shared.graphql). The patient index owns its declarations outright.
 */
export function subgraphSdl(name: SubgraphName): string {
  const own = readFileSync(join(__dirname, '..', 'subgraphs', name, 'schema.graphql'), 'utf8');
  return name === 'patient-index' ? own : `${readFileSync(DOMAIN_SHARED, 'utf8')}\n${own}`;
}

/** Where the supergraph says each subgraph lives; the gateway overrides these with the running URLs. */
const defaultUrl = (index: number) => `http://127.0.0.1:${4001 + index}/graphql`;

export function composeSupergraph(): { supergraphSdl: string; apiSdl: string } {
  const result = composeServices(
    SUBGRAPH_NAMES.map((name, index) => ({ name, url: defaultUrl(index), typeDefs: parse(subgraphSdl(name)) })),
  );
  if (result.errors) {
    throw new Error(`composition failed:\n${result.errors.map((e) => `- ${e.message}`).join('\n')}`);
  }
  return { supergraphSdl: result.supergraphSdl, apiSdl: printSchema(result.schema.toAPISchema().toGraphQLJSSchema()) + '\n' };
}
