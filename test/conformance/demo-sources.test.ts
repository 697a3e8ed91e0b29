import { PROTOCOL_ADAPTERS } from '../../adapters';
import { RequestCounter, runConformance, type CheckResult } from '../../adapters/conformance';
import { PROTOCOLS } from '../../lib/protocols';
import { DEMO_HARNESSES, representativeSources, type RunningDemo } from './demo-harnesses';

/**
 * Every protocol of the registry passes the conformance suite (adapters/conformance/) against its demo
 * source system, as `npm start` runs them: a protocol joins by being in lib/protocols.ts (its adapter,
 * conformance profile and demo harness are then required by the compiler).
 */
const counter = new RequestCounter();
beforeAll(() => expect(counter.install()).toBe(true));

test('every protocol of the registry has an adapter and a demo source to check it against', () => {
  for (const protocol of PROTOCOLS) {
    expect([protocol, typeof PROTOCOL_ADAPTERS[protocol]?.recordSources]).toEqual([protocol, 'function']);
    expect([protocol, representativeSources(protocol).length > 0]).toEqual([protocol, true]);
  }
});

/** The checks a demo source may skip: a push source has no roster. Anything else skipped would hide a gap. */
const mayBeSkipped = (result: CheckResult) => /^the roster/.test(result.name) && /no roster/.test(result.detail);

describe.each(PROTOCOLS)('the %s adapter', (protocol) => {
  let demo: RunningDemo;
  beforeAll(async () => {
    demo = await DEMO_HARNESSES[protocol](representativeSources(protocol));
  }, 60_000);
  afterAll(() => demo?.stop());

  test.each(representativeSources(protocol).map((source) => [source.id]))('passes every check against the demo source %s', async (id) => {
    const subject = demo.subjects.get(id);
    expect(subject).toBeDefined();
    const results = await runConformance(subject!, { counter });
    if (process.env.CONFORMANCE_VERBOSE) console.log(id, results);
    const notPassed = results.filter((r) => r.outcome === 'failed' || (r.outcome === 'skipped' && !mayBeSkipped(r)));
    expect(notPassed).toEqual([]);
    expect(results.filter((r) => r.outcome === 'passed').length).toBeGreaterThanOrEqual(8);
  }, 120_000);
});
