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
 * the same sources one after another. What our gateway adds is its p50 and p95 above the sources
 * themselves: a bare HTTP client asking the same people's sources every search of the view at
 * once, the fastest any client can read those records (the time of each view's slowest source,
 * all of whose searches are in flight together, as a clinic's four are in our view). A lone
 * request to a 40 ms source, the floor of earlier runs, is still reported beside it: it leaves out
 * what a source takes to answer several searches at once.
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
  const results = await interleaved(['ours', 'point-to-point', 'sources at once', 'lone request'] as const, shape.rounds, async (subject, round) => {
    progress(`view latency, round ${round + 1}/${shape.rounds}: ${subject}`);
    // The reference clients keep nothing: they may ask the people our round asked.
    const people = subject === 'ours' ? (latest = fresh.take(shape.peoplePerRound, atFloor)) : (latest ?? fresh.take(shape.peoplePerRound, atFloor));
    const result: LoadResult =
      subject === 'ours'
        ? await runLoad({ url: ours.gatewayUrl, items: await viewsThroughOurs(people.map((p) => p.nam), ours.jwtSecret), ...shape.load })
        : subject === 'point-to-point'
          ? await runPointToPoint({ people, ...shape.load })
          : subject === 'sources at once'
            ? await runPointToPoint({ people, allAtOnce: true, ...shape.load })
            : await runPointToPoint({ people: people.map((p) => ({ nam: p.nam, sources: [slowest] })), ...shape.load });
    checkClean(result, `view latency (${subject})`);
    if (subject === 'ours') checkStayedCold(result, people.length, shape, 'view latency (ours)');
    return result;
  });
  const mine = results.get('ours')!;
  const reference = results.get('point-to-point')!;
  const floor = results.get('sources at once')!;
  const lone = results.get('lone request')!;
  const clients = `${shape.load.concurrency} clients`;
  return {
    view_p50_above_slowest_source: figure(mine.map((r, i) => r.latencyMs.p50 - floor[i].latencyMs.p50), 'ms', { atMost: 3 }, `view p50 minus the p50 of a bare client asking the same people's sources every search at once, same round, ${clients}`),
    view_p95_above_slowest_source: figure(mine.map((r, i) => r.latencyMs.p95 - floor[i].latencyMs.p95), 'ms', { atMost: 15 }, `view p95 minus the p95 of a bare client asking the same people's sources every search at once, same round, ${clients}`),
    slowest_source_p50: figure(floor.map((r) => r.latencyMs.p50), 'ms', undefined, `the same people's sources, every search at once: the slowest source of each view (${SLOWEST} ms) as a bare client sees it`),
    lone_request_p50: figure(lone.map((r) => r.latencyMs.p50), 'ms', undefined, `a lone search at a ${SLOWEST} ms pharmacy, as the load generator sees it (the floor of earlier runs)`),
    view_p50_above_a_lone_request: figure(mine.map((r, i) => r.latencyMs.p50 - lone[i].latencyMs.p50), 'ms', undefined, `view p50 minus a lone search at a ${SLOWEST} ms pharmacy, same round, ${clients}`),
    view_p50: figure(mine.map((r) => r.latencyMs.p50), 'ms', undefined),
    point_to_point_p50: figure(reference.map((r) => r.latencyMs.p50), 'ms', undefined, 'the same sources called one after another, as point-to-point integrations do'),
    view_speedup_vs_point_to_point: figure(mine.map((r, i) => reference[i].latencyMs.p50 / r.latencyMs.p50), 'x', { atLeast: 1 }, 'point-to-point p50 / our p50, same round'),
  };
}
