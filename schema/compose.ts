import { composeServices } from '@apollo/composition';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, printSchema } from 'graphql';
import { SUBGRAPH_NAMES, type SubgraphName } from '../lib/config';

export const subgraphSchemaFile = (name: SubgraphName) => join(__dirname, '..', 'subgraphs', name, 'schema.graphql');

/** Where the supergraph says each subgraph lives; the gateway overrides these with the running URLs. */
const defaultUrl = (index: number) => `http://127.0.0.1:${4001 + index}/graphql`;

export function composeSupergraph(): { supergraphSdl: string; apiSdl: string } {
  const result = composeServices(
    SUBGRAPH_NAMES.map((name, index) => ({ name, url: defaultUrl(index), typeDefs: parse(readFileSync(subgraphSchemaFile(name), 'utf8')) })),
  );
  if (result.errors) {
    throw new Error(`composition failed:\n${result.errors.map((e) => `- ${e.message}`).join('\n')}`);
  }
  return { supergraphSdl: result.supergraphSdl, apiSdl: printSchema(result.schema.toAPISchema().toGraphQLJSSchema()) + '\n' };
}
