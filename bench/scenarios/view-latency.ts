import { figure, interleaved, type Figures } from '../figures';
import { runLoad, runPointToPoint, type LoadResult } from '../load';
import { slowestSourceIs, type FreshPeople } from '../people';
import { viewsThroughOurs } from '../requests';
import type { OurSystem } from '../system';
import type { World } from '../world';
import { checkClean, checkStayedCold, type LoadShape } from './shape';
import { warmUp, warmUpPeople } from './warm-up';

/** The sources' latencies for this scenario, handed out round robin: 5 to 40 ms (issue #7 §5.1). */
export const VIEW_LATENCIES = [5, 10, 20, 40];
const SLOWEST = 40;

/**
 * Scenario 1: a patient view of people whose slowest source answers in 40 ms, through our gateway
 * (cache cold: every view a person not asked before), against a point-to-point client that calls
 * the same sources one after another. What our gateway adds is its p50 and p95 above the slowest
 * source's own p50 and p95, as the same load generator sees a lone request to such a source in the
 * same round (the floor: the simulated source's timers and loopback HTTP add a little to its 40 ms,
 * and that is the source's, not ours).
 */
export async function benchViewLatency(world: World, ours: OurSystem, fresh: FreshPeople, shape: LoadShape, progress: (line: string) => void): Promise<Figures> {
  await world.setLatency({ ms: VIEW_LATENCIES, jitterMs: 0 });
  const atFloor = slowestSourceIs(world, SLOWEST);
  let latest: ReturnType<FreshPeople['take']> | undefined;
  const slowest = world.sources().find((s) => s.domain === 'MEDICATIONS' && world.latencyMsOf(s.id) === SLOWEST);
  if (!slowest) throw new Error(`view latency: no ${SLOWEST} ms pharmacy in this world`);
  // Warmed on people whose slowest source is faster: those at the floor are kept for the rounds.
  const warming = fresh.take(warmUpPeople(shape), (person) => !atFloor(person));
  await warmUp('our gateways', ours.gatewayUrl, await viewsThroughOurs(warming.map((p) => p.nam), ours.jwtSecret), shape, progress);
  const results = await interleaved(['ours', 'point-to-point', 'slowest source'] as const, shape.rounds, async (subject, round) => {
    progress(`view latency, round ${round + 1}/${shape.rounds}: ${subject}`);
    // The point-to-point client keeps nothing: it may ask the people our round asked.
    const people = subject === 'ours' ? (latest = fresh.take(shape.peoplePerRound, atFloor)) : (latest ?? fresh.take(shape.peoplePerRound, atFloor));
    const result: LoadResult =
      subject === 'ours'
        ? await runLoad({ url: ours.gatewayUrl, items: await viewsThroughOurs(people.map((p) => p.nam), ours.jwtSecret), ...shape.load })
        : subject === 'point-to-point'
          ? await runPointToPoint({ people, ...shape.load })
          : await runPointToPoint({ people: people.map((p) => ({ nam: p.nam, sources: [slowest] })), ...shape.load });
    checkClean(result, `view latency (${subject})`);
    if (subject === 'ours') checkStayedCold(result, people.length, shape, 'view latency (ours)');
    return result;
  });
  const mine = results.get('ours')!;
  const reference = results.get('point-to-point')!;
  const floor = results.get('slowest source')!;
  return {
    view_p50_above_slowest_source: figure(mine.map((r, i) => r.latencyMs.p50 - floor[i].latencyMs.p50), 'ms', { atMost: 3 }, `view p50 minus the p50 of a lone request to a ${SLOWEST} ms source, same round, ${shape.load.concurrency} clients`),
    view_p95_above_slowest_source: figure(mine.map((r, i) => r.latencyMs.p95 - floor[i].latencyMs.p95), 'ms', { atMost: 15 }, `view p95 minus the p95 of a lone request to a ${SLOWEST} ms source, same round, ${shape.load.concurrency} clients`),
    slowest_source_p50: figure(floor.map((r) => r.latencyMs.p50), 'ms', undefined, `a lone request to a ${SLOWEST} ms source, as the load generator sees it`),
    view_p50: figure(mine.map((r) => r.latencyMs.p50), 'ms', undefined),
    point_to_point_p50: figure(reference.map((r) => r.latencyMs.p50), 'ms', undefined, 'the same sources called one after another, as point-to-point integrations do'),
    view_speedup_vs_point_to_point: figure(mine.map((r, i) => reference[i].latencyMs.p50 / r.latencyMs.p50), 'x', { atLeast: 1 }, 'point-to-point p50 / our p50, same round'),
  };
}
