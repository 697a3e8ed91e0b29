import { randomBytes } from 'node:crypto';
import { oru } from '../fixtures/hl7/messages';
import { mllpClient } from '../support/mllp-client';
import { corpus, NAM_SHAPED, padded } from './support/cases';
import { CORPUS_PERSON, SAMPLE_PATIENT, startCorpusStack, type CorpusStack } from './support/corpus-stack';
import type { JwtCase } from './support/identity-provider';
import { PACS_ID, PHARMACY_ID } from './support/scripted-sources';

// Issue #8 §8: every case of test/corpus fed to the real edge it targets (the gateway's HTTP front,
// the MLLP listener, the adapters through a whole view). Each must get a clear error with the
// registry's code, store nothing, leave the process serving, and never repeat what it was sent.
let edge: CorpusStack;
beforeAll(async () => {
  edge = await startCorpusStack();
}, 120_000);
afterAll(() => edge?.stop());

const READ = 'query Read($nam: NAM!) { patient(nam: $nam) { nam medications { id } } }';
const read = (nam: string) => JSON.stringify({ query: READ, variables: { nam }, operationName: 'Read' });
const codesOf = (text: string): string[] => [...new Set<string>((JSON.parse(text).errors ?? []).map((e: any) => e.extensions?.code))];
const casesOf = (format: Parameters<typeof corpus>[0]) => corpus(format).map((c) => ({ ...c, label: `${format}/${c.name}: ${c.what}` }));

/** The NAM-shaped words of a case's input, and any raw value given (a confusable NAM is not NAM-shaped). */
const inputValues = (input: string, ...raw: (string | undefined)[]) => [...new Set([...(input.match(NAM_SHAPED) ?? []), ...raw.filter((v): v is string => !!v && v.length >= 8)])];

function expectNothingEchoed(answer: string, values: string[]) {
  for (const value of values) expect({ echoed: answer.includes(value) ? value.slice(0, 40) : undefined }).toEqual({ echoed: undefined });
}

/** Log lines never carry a NAM, whatever was sent (lib/logger.ts; issue #8 §8). */
function expectLogsClean(mark: number, values: string[]) {
  const lines = edge.logsSince(mark).join('\n');
  expect(lines.match(NAM_SHAPED) ?? []).toEqual([]);
  expectNothingEchoed(lines, values);
}

/** A normal request right after the case: the process is alive and serves. */
async function expectStillServing() {
  const { status, text } = await edge.send(read(edge.someone));
  expect({ status, codes: codesOf(text) }).toEqual({ status: 200, codes: [] });
  expect(JSON.parse(text).data.patient.nam).toBe(edge.someone);
}

describe('GraphQL bodies: a 4xx with the registry’s code, nothing logged as an access, nothing quoted back', () => {
  test.each(casesOf('graphql'))('$label', async ({ spec, expect: wanted }) => {
    const before = await edge.counts();
    const mark = edge.stack.logs.length;
    const body = spec.raw !== undefined ? padded(Buffer.from(spec.raw, 'utf8'), spec.pad) : Buffer.from(JSON.stringify(spec.json), 'utf8');
    const { status, text } = await edge.send(body, { role: spec.role });
    expect({ status, codes: codesOf(text).sort() }).toEqual({ status: wanted.status, codes: (wanted.codes ?? [wanted.code]).sort() });
    expect(JSON.parse(text).data ?? undefined).toEqual(wanted.data);
    const values = inputValues(body.subarray(0, 2000).toString('utf8'));
    expect(text.match(NAM_SHAPED) ?? []).toEqual([]);
    expectNothingEchoed(text, values);
    expect(await edge.counts()).toEqual(before);
    expectLogsClean(mark, values);
    await expectStillServing();
  });
});

describe('provider tokens: UNAUTHENTICATED (HTTP 401), nothing read, nothing logged as an access', () => {
  test.each(casesOf('jwt'))('$label', async ({ spec, expect: wanted }) => {
    const token = await edge.idp.forge(spec as JwtCase);
    const before = await edge.counts();
    const mark = edge.stack.logs.length;
    const { status, text } = await edge.send(read(CORPUS_PERSON), { token });
    expect({ status, codes: codesOf(text) }).toEqual({ status: wanted.status, codes: [wanted.code] });
    expect(JSON.parse(text).data ?? undefined).toBeUndefined();
    const values = inputValues(JSON.stringify(spec), CORPUS_PERSON, token);
    expectNothingEchoed(text, values);
    expect(await edge.counts()).toEqual(before);
    expectLogsClean(mark, values);
    await expectStillServing();
  });
});

describe('NAMs as typed: BAD_USER_INPUT without a trace, or accepted normalised', () => {
  test.each(casesOf('nam'))('$label', async ({ spec, expect: wanted }) => {
    const before = await edge.counts();
    const mark = edge.stack.logs.length;
    const { status, text } = await edge.send(read(spec.nam));
    const values = inputValues(spec.nam, spec.nam);
    if (wanted.accepted) {
      expect({ status, codes: codesOf(text), nam: JSON.parse(text).data.patient?.nam }).toEqual({ status: 200, codes: [], nam: wanted.accepted });
      expect(await edge.counts()).toEqual({ ...before, accessLog: before.accessLog + 1 });
    } else {
      expect({ status, codes: codesOf(text) }).toEqual({ status: 400, codes: [wanted.code] });
      expect(text.match(NAM_SHAPED) ?? []).toEqual([]);
      expectNothingEchoed(text, values);
      expect(await edge.counts()).toEqual(before);
    }
    expectLogsClean(mark, values);
    await expectStillServing();
  });
});

describe('HL7 v2 over MLLP: AE or AR with the reason in MSA-3 and ERR, nothing stored (the controls: AA, stored once)', () => {
  test.each(casesOf('hl7v2'))('$label', async ({ data, expect: wanted, spec }) => {
    const before = await edge.counts();
    const mark = edge.stack.logs.length;
    const client = await mllpClient(edge.labPort);
    client.send(data!);
    const [ack] = await client.until(1);
    const msa = ack.msa.split('|');
    expect(msa[1]).toBe(wanted.ack);
    if (wanted.error) {
      const err = ack.err?.split('|') ?? [];
      expect({ code: err[3]?.split('^')[0], reasonInMsa3: !!msa[3], reasonInErr8: !!err[8] }).toEqual({ code: String(wanted.error), reasonInMsa3: true, reasonInErr8: true });
    }
    if (wanted.closes) await expect(Promise.race([client.closed.then(() => 'closed'), new Promise((r) => setTimeout(() => r('still open'), 5000))])).resolves.toBe('closed');
    client.destroy();
    expect(await edge.counts()).toEqual({ ...before, labMessages: before.labMessages + (wanted.stored ?? 0) });
    const values = inputValues(data!.subarray(0, 4000).toString('latin1'), ...(spec.mustNotEcho ?? []));
    expectNothingEchoed(ack.text, values);
    expectLogsClean(mark, values);
    await expectListenerServing();
    await expectStillServing();
  });
});

/** A well-formed message on a new connection is still acknowledged AA. */
async function expectListenerServing() {
  const client = await mllpClient(edge.labPort);
  client.send(oru({ controlId: `ALIVE-${randomBytes(4).toString('hex')}` }));
  const [ack] = await client.until(1);
  client.destroy();
  expect(ack.msa.split('|')[1]).toBe('AA');
}

const MEDICATIONS = 'query($nam: NAM!) { patient(nam: $nam) { medications { id din daysSupply pharmacy { id } } sources { source { id } state } } }';
const IMAGING = 'query($nam: NAM!) { patient(nam: $nam) { imagingStudies { studyInstanceUid modalities seriesCount instanceCount facility { id } } sources { source { id } state } } }';

const VIEWS = {
  fhir: { query: MEDICATIONS, nam: CORPUS_PERSON, list: 'medications', sourceId: PHARMACY_ID, facility: 'pharmacy' },
  'dicom-json': { query: IMAGING, nam: SAMPLE_PATIENT, list: 'imagingStudies', sourceId: PACS_ID, facility: 'facility' },
} as const;

/** A view through the whole stack: the scripted source's state, and its records (the fields `keys`). */
async function viewOf(format: keyof typeof VIEWS, keys: string[]) {
  const { query, nam, list, sourceId, facility } = VIEWS[format];
  const { status, text } = await edge.send(JSON.stringify({ query, variables: { nam } }));
  const patient = JSON.parse(text).data?.patient;
  const fromSource = ((patient?.[list] ?? []) as Record<string, any>[]).filter((record) => record[facility]?.id === sourceId);
  return {
    status,
    text,
    codes: codesOf(text),
    state: (patient?.sources as { source: { id: string }; state: string }[] | undefined)?.find((s) => s.source.id === sourceId)?.state,
    records: fromSource.map((record) => Object.fromEntries(Object.entries(record).filter(([key]) => keys.includes(key)))),
  };
}

describe.each([
  ['fhir', 'FHIR answers from a pharmacy'],
  ['dicom-json', 'DICOM JSON answers from a PACS'],
] as const)('%s: %s become records only when they are records; an answer that cannot be read makes the source UNAVAILABLE', (format, _what) => {
  test.each(casesOf(format))('$label', async ({ data, spec, expect: wanted }) => {
    const before = await edge.counts();
    const mark = edge.stack.logs.length;
    if (format === 'fhir') edge.sources.answerFhir(data!, spec.contentType);
    else edge.sources.answerDicom(data!);
    const seen = await viewOf(format, (wanted.records as object[]).flatMap((r) => Object.keys(r))).finally(() => edge.sources.reset());
    expect(seen.status).toBe(200);
    expect(seen.codes).not.toContain('INTERNAL_SERVER_ERROR');
    expect({ state: seen.state, records: seen.records }).toEqual({ state: wanted.state, records: wanted.records });
    if (wanted.state === 'UNAVAILABLE') expect(seen.codes).toContain('SOURCE_UNAVAILABLE');
    expectNothingEchoed(seen.text, wanted.mustNotEcho ?? []);
    // A view is an access: the log grows by one; nothing else does.
    expect(await edge.counts()).toEqual({ ...before, accessLog: before.accessLog + 1 });
    expectLogsClean(mark, wanted.mustNotEcho ?? []);
    // Healthy again (an empty answer): the next view finds the source OK, and the stack serves.
    expect((await viewOf(format, [])).state).toBe('OK');
    await expectStillServing();
  });
});
