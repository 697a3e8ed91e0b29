import { createFhirSources } from '../adapters/fhir';
import type { PatientRef, RecordSource } from '../adapters/port';
import type { BenchStack } from './stack';
import { check, fewer, median, ms, progress, speed, timed } from './measure';

const SOURCE_ID = 'pharmacy-mtl-centre';

/**
 * The FHIR adapter alone (no subgraph, no gateway): the demo Montréal pharmacy's MedicationDispense
 * source asked for 50 people in one RecordQuery, against 50 one-person RecordQuerys in a row.
 */
export async function benchAdapter(stack: BenchStack, rounds: number): Promise<string[]> {
  const config = stack.config.sources.find((s) => s.id === SOURCE_ID);
  check(config && config.protocol === 'fhir-r4', `${SOURCE_ID} is a FHIR source`);
  const [source]: RecordSource[] = createFhirSources(config);
  check(source.kind === 'medications', `${SOURCE_ID} serves medications`);
  const patients: PatientRef[] = stack.people.slice(0, 50).map((p) => ({ nam: p.nam }));
  const ask = (batch: PatientRef[]) => source.fetch({ patients: batch, signal: AbortSignal.timeout(10_000) });
  const count = (records: Map<string, unknown[]>) => [...records.values()].reduce((sum, list) => sum + list.length, 0);

  const measure = async (work: () => Promise<number>) => {
    stack.fhir.reset();
    const { ms, value } = await timed(work);
    return { ms, requests: stack.fhir.count, records: value };
  };
  const batched = () => measure(async () => count(await ask(patients)));
  const oneByOne = () =>
    measure(async () => {
      let records = 0;
      for (const patient of patients) records += count(await ask([patient]));
      return records;
    });

  progress('adapter warm-up…');
  const [warmBatched, warmOne] = [await batched(), await oneByOne()];
  check(warmBatched.records > 0, 'the pharmacy holds dispenses for the 50 people');
  check(warmBatched.records === warmOne.records, 'one query of 50 and 50 queries of one find the same dispenses');

  const ours: Awaited<ReturnType<typeof batched>>[] = [];
  const reference: typeof ours = [];
  for (let round = 1; round <= rounds; round++) {
    progress(`adapter round ${round}/${rounds}…`);
    if (round % 2) {
      ours.push(await batched());
      reference.push(await oneByOne());
    } else {
      reference.push(await oneByOne());
      ours.push(await batched());
    }
  }
  const m = (samples: typeof ours, key: 'ms' | 'requests') => median(samples.map((s) => s[key]));
  return [
    `FHIR adapter, 50 people (1 RecordQuery of 50 vs 50 RecordQuerys of 1, one after another): ${speed(m(ours, 'ms'), m(reference, 'ms'))}, ` +
      `${fewer(m(ours, 'requests'), m(reference, 'requests'), 'FHIR requests')} (median of ${rounds} rounds)`,
    `  raw medians: ${ms(m(ours, 'ms'))} vs ${ms(m(reference, 'ms'))}; FHIR requests ${m(ours, 'requests')} vs ${m(reference, 'requests')} (paging included); ${warmBatched.records} dispenses either way`,
  ];
}
