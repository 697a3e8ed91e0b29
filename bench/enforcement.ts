import type { RequestCounter } from './counting';
import { check, median, ms, progress, timed } from './measure';
import { ONE_QUERY, shapeOf } from './panel';
import { startPlainGateway } from './plain-gateway';
import type { BenchStack } from './stack';

/**
 * The cost of consent and audit enforcement on one record read as a physician: our gateway (root
 * rules and consent decision before the plan, result phase with the rules on every field, one
 * access-log entry written before answering) against the same @apollo/gateway without those
 * plugins (bench/plain-gateway.ts) over the very same subgraphs. Both must send the same subgraph
 * calls and answer the same data, or the reference is not one and the bench fails.
 */
export async function benchEnforcement(stack: BenchStack, calls: RequestCounter, nam: string, reads: number): Promise<string[]> {
  const plain = await startPlainGateway({ config: stack.config, logger: stack.logger, subgraphUrls: stack.platform.subgraphUrls, grantedNams: [nam] });
  try {
    const read = async (url: string) => {
      calls.reset();
      const { ms, value } = await timed(() => stack.query(ONE_QUERY, { nam }, { url }));
      check(!value.errors, 'a single-record read answered errors');
      return { ms, calls: calls.count, data: JSON.stringify(value.data) };
    };
    const enforced = () => read(stack.platform.gatewayUrl);
    const reference = () => read(plain.url);

    progress('enforcement warm-up…');
    for (let i = 0; i < 5; i++) {
      const [a, b] = [await enforced(), await reference()];
      check(a.data === b.data, 'the enforced and the plain gateway answer the same record');
      check(a.calls === b.calls, 'the enforced and the plain gateway send the same subgraph calls');
    }
    check(shapeOf(JSON.parse((await enforced()).data).patient).split(',').every((n) => n !== '0'), 'the record read has records in every list');

    const ours: number[] = [];
    const plainMs: number[] = [];
    let subgraphCalls = 0;
    for (let i = 1; i <= reads; i++) {
      if (i % 10 === 0) progress(`enforcement read ${i}/${reads}…`);
      if (i % 2) {
        ours.push((await enforced()).ms);
        plainMs.push((await reference()).ms);
      } else {
        plainMs.push((await reference()).ms);
        const sample = await enforced();
        ours.push(sample.ms);
        subgraphCalls = sample.calls;
      }
    }
    const [a, b] = [median(ours), median(plainMs)];
    return [
      `consent + audit enforcement (1 record as physician, our gateway vs the same @apollo/gateway without the consent/audit plugins): ` +
        `${(a / b).toFixed(2)}× the time of the plain gateway, +${ms(a - b)} per read (median of ${reads} reads each)`,
      `  raw medians: ${ms(a)} vs ${ms(b)}; both send ${subgraphCalls} subgraph calls and answer the same data; ` +
        `the plain gateway signs the grant the rules would give (nobody in the demo refused) and writes no access log`,
    ];
  } finally {
    await plain.stop();
  }
}
