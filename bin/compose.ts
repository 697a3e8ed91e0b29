/**
 * `npm run compose`: composes the supergraph from the subgraphs' SDL with @apollo/composition and
 * writes schema/supergraph.graphql (what the gateway loads) and schema/api.graphql (the public API
 * it exposes, checked against the contract). No subgraph needs to run: the SDL comes from files.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeSupergraph } from '../schema/compose';

const { supergraphSdl, apiSdl } = composeSupergraph();
writeFileSync(join(__dirname, '..', 'schema', 'supergraph.graphql'), supergraphSdl);
writeFileSync(join(__dirname, '..', 'schema', 'api.graphql'), apiSdl);
console.log('compose: wrote schema/supergraph.graphql and schema/api.graphql');
