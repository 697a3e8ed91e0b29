/**
 * Bench peer: Hive Gateway (the runtime of @graphql-hive/gateway, served by node:http) over our
 * supergraph and our running subgraphs, on its production defaults. No authentication, no
 * consent, no access log; it forwards the caller's x-qhr-gateway-token to every subgraph, since
 * our subgraphs refuse any unsigned call.
 *
 *   tsx bench/peers/hive-gateway.ts --port 0 --subgraph-urls '{"patient-index":"http://…",…}'
 */
import { createGatewayRuntime } from '@graphql-hive/gateway-runtime';
import http from '@graphql-mesh/transport-http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { INTERNAL_HEADER } from '../../lib/internal-token';
import { peerProgram, type PeerSettings, type ServingPeer } from './peer-program';

async function serveHivePeer(options: PeerSettings): Promise<ServingPeer> {
  const gateway = createGatewayRuntime({
    supergraph: options.supergraphSdl,
    // The runtime ships no transport (the full @graphql-hive/gateway bundles this one): named here, not found by a dynamic require.
    transports: { http },
    // Where the subgraphs run now, by join__graph name (overrides the URLs written in the supergraph).
    transportEntries: Object.fromEntries(Object.entries(options.subgraphUrls).map(([name, location]) => [name, { location }])),
    propagateHeaders: {
      fromClientToSubgraphs: ({ request }) => ({ [INTERNAL_HEADER]: request.headers.get(INTERNAL_HEADER) ?? undefined }),
    },
    // Production-like: no landing page, no GraphiQL, no introspection; errors stay masked (its default).
    landingPage: false,
    graphiql: false,
    disableIntrospection: {}, // {}: always, no exception
    // Its request logs could carry variables (NAMs): none at all.
    logging: false,
  });
  // Load the supergraph and build the gateway's schema now, not on the first request: ready means ready.
  await gateway.getSchema();
  const server = createServer(gateway);
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(options.port, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await gateway.dispose();
    },
  };
}

peerProgram('hive', serveHivePeer);
