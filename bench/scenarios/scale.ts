import { figure, interleaved, type Figures } from '../figures';
import { runLoad } from '../load';
import { expectedRequests, type FreshPeople } from '../people';
import { queryOurs, VIEW, viewsThroughOurs } from '../requests';
import type { OurSystem } from '../system';
import type { World } from '../world';
import { checkClean, checkStayedCold, type LoadShape } from './shape';
import { warmUp, warmUpPeople } from './warm-up';

export interface Province {
  sources: number;
  world: World;
  ours: OurSystem;
  /** Its people not asked yet, shared by every scenario run on it. */
  fresh: FreshPeople;
}

/** Every source answers in this long here, so views differ only by how many sources are connected. */
export const SCALE_LATENCY_MS = 20;
/** Views counted one by one per round for the requests-per-view figure. */
const COUNTED_VIEWS = 100;

export interface ScaleResult {
  figures: Figures;
  /** p50 per number of sources (medians), for the chart. */
  p50BySources: { sources: number; p50: number; min: number; max: number }[];
}

/**
 * Scenario 4: the same view with 10, 100 and 800 sources connected and 100,000 people in the
 * registry. With the record locator a view asks only the sources holding the person, so requests
 * per view equal the holders times the record types asked (issue #7 §1), and p50 does not grow
 * with the number of sources. Rounds interleave the three provinces.
 */
export async function benchScale(provinces: readonly Province[], shape: LoadShape, progress: (line: string) => void): Promise<ScaleResult> {
  for (const { world } of provinces) await world.setLatency({ ms: SCALE_LATENCY_MS, jitterMs: 0 });
  // The provinces started last are as new as the first was before scenario 1: each is warmed alike.
  for (const province of provinces) {
    const warming = province.fresh.take(warmUpPeople(shape)).map((p) => p.nam);
    await warmUp(`our gateways over ${province.sources} sources`, province.ours.gatewayUrl, await viewsThroughOurs(warming, province.ours.jwtSecret), shape, progress);
  }
  const rounds = await interleaved(provinces, shape.rounds, async (province, round) => {
    progress(`scale, round ${round + 1}/${shape.rounds}: ${province.sources} sources`);
    const pool = province.fresh;
    const counted = pool.take(COUNTED_VIEWS);
    await province.world.resetStats();
    for (let i = 0; i < counted.length; i += 10) {
      const answers = await Promise.all(counted.slice(i, i + 10).map((p) => queryOurs(province.ours.gatewayUrl, province.ours.jwtSecret, VIEW, { nam: p.nam })));
      if (answers.some((a) => a.errors)) throw new Error(`scale (${province.sources} sources): a view answered errors`);
    }
    const requests = Object.values(await province.world.stats()).reduce((sum, n) => sum + n, 0);
    const expected = counted.reduce((sum, p) => sum + expectedRequests(p), 0);
    const loadPeople = pool.take(shape.peoplePerRound).map((p) => p.nam);
    const load = await runLoad({ url: province.ours.gatewayUrl, items: await viewsThroughOurs(loadPeople, province.ours.jwtSecret), ...shape.load });
    checkClean(load, `scale (${province.sources} sources)`);
    checkStayedCold(load, loadPeople.length, shape, `scale (${province.sources} sources)`);
    return { perView: requests / counted.length, vsHolders: requests / expected, p50: load.latencyMs.p50 };
  });
  const figures: Figures = {};
  const p50BySources: ScaleResult['p50BySources'] = [];
  for (const province of provinces) {
    const results = rounds.get(province)!;
    const n = province.sources;
    figures[`scale_${n}_sources_requests_per_view`] = figure(results.map((r) => r.perView), 'requests', undefined, `${COUNTED_VIEWS} views of people not asked before; every medication, clinical and imaging kind asked`);
    figures[`scale_${n}_sources_requests_vs_holders`] = figure(results.map((r) => r.vsHolders), 'x', { atMost: 1 }, 'requests received by the sources / (holding sources × record types asked): 1 means only the holders were asked');
    figures[`scale_${n}_sources_view_p50`] = figure(results.map((r) => r.p50), 'ms', undefined, `every source ${SCALE_LATENCY_MS} ms, ${shape.load.concurrency} clients`);
    const p50s = results.map((r) => r.p50);
    p50BySources.push({ sources: n, p50: figures[`scale_${n}_sources_view_p50`].value, min: Math.min(...p50s), max: Math.max(...p50s) });
  }
  const [fewest, most] = [provinces[0], provinces[provinces.length - 1]];
  const ratio = rounds.get(most)!.map((r, i) => r.p50 / rounds.get(fewest)![i].p50);
  figures[`scale_p50_${most.sources}_vs_${fewest.sources}_sources`] = figure(ratio, 'x', { atMost: 1.1 }, 'p50 with the most sources / p50 with the fewest, same round');
  return { figures, p50BySources };
}
