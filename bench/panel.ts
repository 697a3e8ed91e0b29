import type { BenchStack } from './stack';
import type { RequestCounter } from './counting';
import { check, fewer, median, ms, progress, speed, timed } from './measure';

/** What a clinic's EMR shows for each person of a panel: every domain the physician may see. */
export const RECORD_FRAGMENT = `fragment Record on Patient {
  nam givenName familyName birthDate recordStatus
  medications { id din name dispensedAt pharmacy { id name } }
  encounters { id class start end facility { id name } }
  conditions { id code display clinicalStatus onset }
  allergies { id substance criticality reaction }
  immunizations { id vaccine occurredAt lotNumber }
  labResults { id code display value unit abnormalFlag observedAt laboratory { id name } }
  imagingStudies { studyInstanceUid modalities description startedAt seriesCount }
}`;
export const PANEL_QUERY = `query Panel($nams: [NAM!]!) { patients(nams: $nams) { ...Record } }\n${RECORD_FRAGMENT}`;
export const ONE_QUERY = `query One($nam: NAM!) { patient(nam: $nam) { ...Record } }\n${RECORD_FRAGMENT}`;

const LISTS = ['medications', 'encounters', 'conditions', 'allergies', 'immunizations', 'labResults', 'imagingStudies'] as const;

/** How many records of each kind a person's answer holds: compares answers without keeping their content. */
export const shapeOf = (patient: Record<string, unknown> | null) => (patient ? LISTS.map((list) => (Array.isArray(patient[list]) ? (patient[list] as unknown[]).length : -1)).join(',') : 'null');

interface Sample {
  ms: number;
  fhir: number;
  pacs: number;
  calls: number;
  shapes: string[];
}

export interface PanelResult {
  lines: string[];
  /** The panel's answer from its last round (to pick a well-filled record for the next phase). */
  patients: Record<string, unknown>[];
}

/**
 * A clinic panel of 50 demo people: one `patients(nams:)` request against the reference an EMR
 * without batching makes, 50 `patient(nam:)` requests sent one after another (the same client
 * concurrency: one request in flight). Rounds alternate which goes first.
 */
export async function benchPanel(stack: BenchStack, calls: RequestCounter, rounds: number): Promise<PanelResult> {
  const nams = stack.people.slice(0, 50).map((p) => p.nam);
  let patients: Record<string, unknown>[] = [];
  const measure = async (work: () => Promise<string[]>): Promise<Sample> => {
    stack.fhir.reset();
    stack.pacs.reset();
    calls.reset();
    const { ms, value } = await timed(work);
    return { ms, fhir: stack.fhir.count, pacs: stack.pacs.count, calls: calls.count, shapes: value };
  };
  const panel = () =>
    measure(async () => {
      const body = await stack.query(PANEL_QUERY, { nams });
      check(!body.errors, 'the panel query answered errors');
      check(Array.isArray(body.data?.patients) && body.data.patients.length === nams.length, 'the panel query answered 50 records');
      patients = body.data.patients;
      return patients.map(shapeOf);
    });
  const oneByOne = () =>
    measure(async () => {
      const shapes: string[] = [];
      for (const nam of nams) {
        const body = await stack.query(ONE_QUERY, { nam });
        check(!body.errors, 'a single-record query answered errors');
        shapes.push(shapeOf(body.data?.patient ?? null));
      }
      return shapes;
    });

  progress('panel warm-up…');
  const [warmPanel, warmOne] = [await panel(), await oneByOne()];
  check(warmPanel.shapes.every((s) => s !== 'null' && !s.includes('-1')), 'every panel record has every list');
  check(warmPanel.shapes.join(';') === warmOne.shapes.join(';'), 'the panel and the 50 single reads hold the same records');
  check(warmPanel.shapes.some((s) => s.split(',').every((n) => n !== '0')), 'some panel record has records in every list');

  const ours: Sample[] = [];
  const reference: Sample[] = [];
  for (let round = 1; round <= rounds; round++) {
    progress(`panel round ${round}/${rounds}…`);
    if (round % 2) {
      ours.push(await panel());
      reference.push(await oneByOne());
    } else {
      reference.push(await oneByOne());
      ours.push(await panel());
    }
  }
  const m = (samples: Sample[], key: 'ms' | 'fhir' | 'pacs' | 'calls') => median(samples.map((s) => s[key]));
  const [a, b] = [ours, reference];
  return {
    patients,
    lines: [
      `panel of 50 (1× patients(nams:) vs 50× patient(nam:) sent one after another): ${speed(m(a, 'ms'), m(b, 'ms'))}, ` +
        `${fewer(m(a, 'fhir'), m(b, 'fhir'), 'FHIR requests')}, ${fewer(m(a, 'calls'), m(b, 'calls'), 'gateway→subgraph calls')} (median of ${rounds} rounds)`,
      `  raw medians: ${ms(m(a, 'ms'))} vs ${ms(m(b, 'ms'))}; FHIR requests ${m(a, 'fhir')} vs ${m(b, 'fhir')}; ` +
        `gateway→subgraph calls ${m(a, 'calls')} vs ${m(b, 'calls')}; PACS requests ${m(a, 'pacs')} vs ${m(b, 'pacs')} (QIDO-RS has no OR on PatientID: one search per person either way)`,
    ],
  };
}
