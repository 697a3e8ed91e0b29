/**
 * `npm run bench`: the performance claims of this project, as ratios measured in one run (ours
 * against a reference, on the same machine, interleaved), never absolute numbers. See bench/README.md.
 *
 * Starts the demo source systems and the whole platform in process on free ports of 127.0.0.1
 * (embedded PGlite and cache, or DATABASE_URL / REDIS_URL when set), measures, stops everything.
 * Result lines go to stdout, progress to stderr; no NAM or name is ever printed.
 */
import { benchAdapter } from './adapter';
import { countRequestsTo, type RequestCounter } from './counting';
import { benchEnforcement } from './enforcement';
import { check, progress } from './measure';
import { benchPanel, shapeOf } from './panel';
import { startBenchStack, type BenchStack } from './stack';

const ROUNDS = 7;
const ENFORCEMENT_READS = 40;
const DEADLINE_MS = 90_000;

/** The panel person with records in every list and the most of them: the single record phase 3 reads. */
function fullestRecord(patients: Record<string, unknown>[]): string {
  const scored = patients
    .map((patient) => ({ nam: String(patient.nam), counts: shapeOf(patient).split(',').map(Number) }))
    .filter(({ counts }) => counts.every((n) => n > 0))
    .sort((a, b) => b.counts.reduce((s, n) => s + n, 0) - a.counts.reduce((s, n) => s + n, 0));
  check(scored.length > 0, 'some panel record has records in every list');
  return scored[0].nam;
}

async function main(): Promise<void> {
  const started = Date.now();
  let stack: BenchStack | undefined;
  let calls: RequestCounter | undefined;
  try {
    progress('starting stack…');
    stack = await startBenchStack(progress);
    calls = countRequestsTo(Object.values(stack.platform.subgraphUrls));

    progress('phase 1/3: panel batching through the gateway');
    const panel = await benchPanel(stack, calls, ROUNDS);
    panel.lines.forEach((line) => console.log(line));

    progress('phase 2/3: FHIR adapter batching');
    (await benchAdapter(stack, ROUNDS)).forEach((line) => console.log(line));

    progress('phase 3/3: cost of consent and audit enforcement');
    (await benchEnforcement(stack, calls, fullestRecord(panel.patients), ENFORCEMENT_READS)).forEach((line) => console.log(line));
  } finally {
    calls?.stop();
    if (stack) {
      progress('stopping…');
      await stack.stop();
    }
  }
  progress(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

// A bench that hangs is a failure, not a slow result (unref'd: it never keeps a finished run alive).
setTimeout(() => {
  progress(`failed: not done within ${DEADLINE_MS / 1000} s`);
  process.exit(1);
}, DEADLINE_MS).unref();

main().catch((error: unknown) => {
  // The bench's own messages name no value; anything shaped like a NAM is masked in the others all the same.
  const message = error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error';
  progress(`failed: ${message.replace(/[A-Z]{4}\d{8}/gi, '[NAM]')}`);
  process.exitCode = 1;
});
