import { startPeer, type RunningPeer } from '../peers';
import { figure, interleaved, type Figures } from '../figures';
import { runLoad, type LoadResult } from '../load';
import type { FreshPeople } from '../people';
import { queryOurs, VIEW, viewsThroughOurs, viewsThroughPeer } from '../requests';
import { peakRssMb, type OurSystem } from '../system';
import type { World } from '../world';
import { VIEW_LATENCIES } from './view-latency';
import { checkClean, checkStayedCold, type LoadShape } from './shape';
import { warmUp } from './warm-up';

type Subject = 'ours cold' | 'ours warm' | 'apollo' | 'hive';

/**
 * Scenario 2 (and 6): requests per second on the same supergraph, sources and load generator:
 * ours with consent and the access log on, its answer cache cold (every view a new person) and
 * warm (a set read before), against plain @apollo/gateway and Hive Gateway serving the same
 * supergraph over the same subgraph code, its answer cache off (bench/peers). Then the peak
 * resident memory of our gateway processes, which served all of it.
 */
export async function benchThroughput(world: World, ours: OurSystem, peerSubgraphs: { subgraphUrls: OurSystem['subgraphUrls'] }, fresh: FreshPeople, shape: LoadShape, progress: (line: string) => void): Promise<Figures> {
  await world.setLatency({ ms: VIEW_LATENCIES, jitterMs: 0 });
  const warmSet = fresh.take(shape.warmSet).map((p) => p.nam);
  progress(`throughput: reading the ${warmSet.length} people of the warm set once`);
  for (let i = 0; i < warmSet.length; i += 20) await Promise.all(warmSet.slice(i, i + 20).map((nam) => queryOurs(ours.gatewayUrl, ours.jwtSecret, VIEW, { nam })));
  const peers: Partial<Record<'apollo' | 'hive', RunningPeer>> = {};
  try {
    peers.apollo = await startPeer('apollo', { subgraphUrls: peerSubgraphs.subgraphUrls });
    peers.hive = await startPeer('hive', { subgraphUrls: peerSubgraphs.subgraphUrls });
    // Our gateways were warmed by scenario 1; each peer gets the same unmeasured load before its first round.
    for (const subject of ['apollo', 'hive'] as const) await warmUp(`the ${subject} peer`, peers[subject]!.url, await viewsThroughPeer(warmSet, ours.subgraphSecret), shape, progress);
    const warmItems = await viewsThroughOurs(warmSet, ours.jwtSecret);
    // Each round's people: new to our cache; the peers, which cache nothing, ask the same ones.
    const roundPeople = Array.from({ length: shape.rounds }, () => fresh.take(shape.peoplePerRound).map((p) => p.nam));
    const results = await interleaved<Subject, LoadResult>(['ours cold', 'ours warm', 'apollo', 'hive'], shape.rounds, async (subject, round) => {
      progress(`throughput, round ${round + 1}/${shape.rounds}: ${subject}`);
      const nams = roundPeople[round];
      const result =
        subject === 'ours warm'
          ? await runLoad({ url: ours.gatewayUrl, items: warmItems, ...shape.load, startAt: round * 97 })
          : subject === 'ours cold'
            ? await runLoad({ url: ours.gatewayUrl, items: await viewsThroughOurs(nams, ours.jwtSecret), ...shape.load })
            : await runLoad({ url: peers[subject]!.url, items: await viewsThroughPeer(nams, ours.subgraphSecret), ...shape.load });
      checkClean(result, `throughput (${subject})`);
      if (subject === 'ours cold') checkStayedCold(result, nams.length, shape, 'throughput (ours cold)');
      return result;
    });
    const rps = (subject: Subject) => results.get(subject)!.map((r) => r.perSecond);
    const ratio = (a: Subject, b: Subject) => rps(a).map((value, i) => value / rps(b)[i]);
    const peak = Math.max(...ours.gatewayPids().map((pid) => peakRssMb(pid) ?? 0));
    return {
      rps_ours_cold: figure(rps('ours cold'), 'requests/s', undefined, 'consent and access log on; every view a person not asked before'),
      rps_ours_warm: figure(rps('ours warm'), 'requests/s', undefined, `consent and access log on; views of ${shape.warmSet} people read before`),
      rps_apollo_gateway: figure(rps('apollo'), 'requests/s', undefined, 'plain @apollo/gateway + @apollo/server, same supergraph and subgraph code, answer cache off'),
      rps_hive_gateway: figure(rps('hive'), 'requests/s', undefined, 'Hive Gateway, same supergraph and subgraph code, answer cache off'),
      warm_vs_apollo_gateway: figure(ratio('ours warm', 'apollo'), 'x', { atLeast: 2 }),
      warm_vs_hive_gateway: figure(ratio('ours warm', 'hive'), 'x', { atLeast: 1 }),
      cold_vs_apollo_gateway: figure(ratio('ours cold', 'apollo'), 'x', { atLeast: 0.9 }),
      gateway_peak_rss: figure([peak], 'MB', { atMost: 250 }, `largest peak resident memory (VmHWM) of the ${ours.gatewayPids().length} gateway processes, after scenario 2`),
    };
  } finally {
    await Promise.all(Object.values(peers).map((peer) => peer?.stop()));
  }
}
