import { getIntrospectionQuery } from 'graphql';
import { startTestStack, type TestStack } from '../support/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
}, 60_000);
afterAll(() => stack?.stop());

const NAM = 'TREM75561212';
const refusalOf = ({ status, body }: { status: number; body: any }) => ({ status, codes: body.errors?.map((e: any) => e.extensions?.code), data: body.data });
const TOO_COMPLEX = { status: 400, codes: ['QUERY_TOO_COMPLEX'], data: undefined };

/** Every field of every domain of one record, as a chart summary screen would ask. */
const WHOLE_RECORD = `{ nam familyName givenName birthDate recordStatus
  medications { id din name dosageInstruction quantity daysSupply dispensedAt pharmacy { id name region area } }
  labResults { id code display value unit referenceRange abnormalFlag status observedAt laboratory { id name region area } }
  imagingStudies { studyInstanceUid modalities description startedAt accessionNumber seriesCount instanceCount facility { id name region area } }
  encounters { id class start end reason facility { id name region area } }
  conditions { id code display clinicalStatus onset } allergies { id substance criticality reaction recordedAt } immunizations { id vaccine occurredAt lotNumber }
  sources { source { id name region area } domain state asked answeredAt selectedBy locatorReadAt } }`;

describe('each limit refuses a request before anything runs, with QUERY_TOO_COMPLEX and HTTP 400', () => {
  test('a query nested deeper than MAX_QUERY_DEPTH (8)', async () => {
    // The contract's own paths are 4 deep at most; a type looked up by name (`__type`) nests deeper.
    // Only `__schema`, what codegen asks, is exempt.
    const deep = '{ __type(name: "Patient") { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } }';
    const answer = await stack.query(deep);
    expect(refusalOf(answer)).toEqual(TOO_COMPLEX);
    expect(answer.body.errors[0].message).toBe('The query is nested deeper than 8 levels.');
  });

  test('more aliases than MAX_QUERY_ALIASES (15), answered without the NAM asked', async () => {
    const answer = await stack.query(`{ ${Array.from({ length: 16 }, (_, i) => `p${i}: patient(nam: "${NAM}") { nam }`).join(' ')} }`);
    expect(refusalOf(answer)).toEqual(TOO_COMPLEX);
    expect(answer.body.errors[0].message).toBe('The query has more than 15 aliases; split it into several requests.');
    expect(JSON.stringify(answer.body)).not.toContain(NAM);
  });

  test('a document longer than MAX_QUERY_TOKENS (1000), answered without the NAMs typed into it', async () => {
    const answer = await stack.query(`{ patients(nams: [${Array.from({ length: 1000 }, () => `"${NAM}"`).join(', ')}]) { nam } }`);
    expect(refusalOf(answer)).toEqual(TOO_COMPLEX);
    expect(answer.body.errors[0].message).toBe('The query is longer than 1000 tokens; split it into several requests.');
    expect(JSON.stringify(answer.body)).not.toContain(NAM);
  });

  test('a query costing more than MAX_QUERY_COST (5000): four whole records with every domain', async () => {
    const answer = await stack.query(`{ ${Array.from({ length: 4 }, (_, i) => `p${i}: patient(nam: "${NAM}") ${WHOLE_RECORD}`).join(' ')} }`);
    expect(refusalOf(answer)).toEqual(TOO_COMPLEX);
    expect(answer.body.errors[0].message).toBe('The query costs more than 5000; ask for fewer records or domains at once.');
  });

  test('three whole records with every domain are within the cost limit', async () => {
    const [a, b, c] = stack.people;
    const { status, body } = await stack.query(`{ a: patient(nam: "${a.nam}") ${WHOLE_RECORD} b: patient(nam: "${b.nam}") ${WHOLE_RECORD} c: patient(nam: "${c.nam}") ${WHOLE_RECORD} }`);
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect([body.data.a.nam, body.data.b.nam, body.data.c.nam]).toEqual([a.nam, b.nam, c.nam]);
  });
});

describe('an integrator’s codegen can read the schema', () => {
  test('the standard introspection query, with the options codegen tools turn on, is answered', async () => {
    const query = getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true });
    const { status, body } = await stack.query(query);
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data.__schema.types.map((t: { name: string }) => t.name)).toContain('Patient');
  });
});

describe('the 100-people cap counts every record field of the request together', () => {
  const panels = (count: number) => `query($n: [NAM!]!) { ${Array.from({ length: count }, (_, i) => `p${i}: patients(nams: $n) { nam }`).join(' ')} }`;

  test('three panels of 30 people (90) are answered', async () => {
    const thirty = stack.people.slice(0, 30).map((p) => p.nam);
    const { status, body } = await stack.query(panels(3), { n: thirty });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect([body.data.p0, body.data.p1, body.data.p2].map((list: unknown[]) => list.length)).toEqual([30, 30, 30]);
  });

  test('five panels of 30 people (150) are refused as QUERY_TOO_COMPLEX, naming the cap and none of the NAMs', async () => {
    const thirty = stack.people.slice(0, 30).map((p) => p.nam);
    const answer = await stack.query(panels(5), { n: thirty });
    expect(refusalOf(answer)).toEqual(TOO_COMPLEX);
    expect(answer.body.errors[0].message).toContain('at most 100 people');
    for (const nam of thirty) expect(JSON.stringify(answer.body)).not.toContain(nam);
  });

  test('2,000 aliased patient fields are refused at once (well under the 3.4 s they once blocked everyone) while another provider’s read is answered', async () => {
    const other = stack.query(`{ patient(nam: "${stack.people[0].nam}") { nam medications { id } } }`);
    const started = performance.now();
    const answer = await stack.query(`{ ${Array.from({ length: 2000 }, (_, i) => `p${i}: patient(nam: "${NAM}") { nam }`).join(' ')} }`);
    const elapsed = performance.now() - started;
    expect(refusalOf(answer)).toEqual(TOO_COMPLEX);
    // A bound for a loaded CI machine (two cores, parallel suites); unloaded it takes a few ms.
    expect(elapsed).toBeLessThan(500);
    const { status, body } = await other;
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data.patient.nam).toBe(stack.people[0].nam);
  });
});
