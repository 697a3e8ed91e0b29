import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, getIntrospectionQuery, parse, validate } from 'graphql';
import { queryLimitRules } from '../../gateway/limits';

// The public API as composed; the limits as configured by default.
const api = buildSchema(readFileSync(join(__dirname, '../../schema/api.graphql'), 'utf8'));
const LIMITS = { maxDepth: 8, maxAliases: 15, maxTokens: 1000, maxCost: 5000 };
const refusals = (query: string, limits = LIMITS) => validate(api, parse(query), queryLimitRules(limits)).map((e) => ({ code: e.extensions.code, message: e.message }));

const NAM = 'TREM75561212';
/** Every field of every domain of one record, as a chart summary screen would ask. */
const WHOLE_RECORD = `{ nam familyName givenName birthDate recordStatus
  medications { id din name dosageInstruction quantity daysSupply dispensedAt pharmacy { id name region area } }
  labResults { id code display value unit referenceRange abnormalFlag status observedAt laboratory { id name region area } }
  imagingStudies { studyInstanceUid modalities description startedAt accessionNumber seriesCount instanceCount facility { id name region area } }
  encounters { id class start end reason facility { id name region area } }
  conditions { id code display clinicalStatus onset } allergies { id substance criticality reaction recordedAt } immunizations { id vaccine occurredAt lotNumber }
  sources { source { id name region area } domain state asked answeredAt selectedBy locatorReadAt } }`;
const records = (count: number, selection = WHOLE_RECORD) => `{ ${Array.from({ length: count }, (_, i) => `p${i}: patient(nam: "${NAM}") ${selection}`).join(' ')} }`;

describe('query depth', () => {
  test('the deepest path of the contract (patient, medications, pharmacy, name) is accepted', () => {
    expect(refusals(`{ patient(nam: "${NAM}") { medications { pharmacy { name } } } }`, { ...LIMITS, maxDepth: 4 })).toEqual([]);
  });

  test('one level deeper than the limit is refused as QUERY_TOO_COMPLEX, naming the limit', () => {
    expect(refusals(`{ patient(nam: "${NAM}") { medications { pharmacy { name } } } }`, { ...LIMITS, maxDepth: 3 })).toEqual([
      { code: 'QUERY_TOO_COMPLEX', message: 'The query is nested deeper than 3 levels.' },
    ]);
  });

  test('depth hidden in fragments counts as if written out', () => {
    const query = `{ patient(nam: "${NAM}") { ...P } } fragment P on Patient { medications { ...M } } fragment M on MedicationDispense { pharmacy { name } }`;
    expect(refusals(query, { ...LIMITS, maxDepth: 3 }).map((r) => r.code)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(refusals(query, { ...LIMITS, maxDepth: 4 })).toEqual([]);
  });
});

describe('aliases', () => {
  test('a screen asking the same record under as many aliases as allowed is accepted', () => {
    expect(refusals(records(15, '{ nam }'))).toEqual([]);
  });

  test('one alias more than allowed is refused as QUERY_TOO_COMPLEX, naming the limit and no NAM', () => {
    const found = refusals(records(16, '{ nam }'));
    expect(found).toEqual([{ code: 'QUERY_TOO_COMPLEX', message: 'The query has more than 15 aliases; split it into several requests.' }]);
    expect(JSON.stringify(found)).not.toContain(NAM);
  });

  test('aliases inside fragments count', () => {
    const query = `{ ...Q } fragment Q on Query { ${Array.from({ length: 16 }, (_, i) => `p${i}: patient(nam: "${NAM}") { nam }`).join(' ')} }`;
    expect(refusals(query).map((r) => r.code)).toEqual(['QUERY_TOO_COMPLEX']);
  });
});

describe('cost: every domain list of a record is expensive', () => {
  test('three whole records (every domain, every field) in one query are accepted', () => {
    expect(refusals(records(3))).toEqual([]);
  });

  test('four whole records are refused as QUERY_TOO_COMPLEX, naming the limit', () => {
    expect(refusals(records(4))).toEqual([{ code: 'QUERY_TOO_COMPLEX', message: 'The query costs more than 5000; ask for fewer records or domains at once.' }]);
  });

  test('thousands of records are refused even where the aliases limit is lifted', () => {
    expect(refusals(records(2000, '{ nam medications { id } }'), { ...LIMITS, maxAliases: 100_000 }).map((r) => r.code)).toEqual(['QUERY_TOO_COMPLEX']);
  });

  test('a panel asking five domains of each record (the 50-person panel of the benchmark) is cheap', () => {
    expect(refusals('query($n: [NAM!]!) { patients(nams: $n) { nam medications { id } encounters { id } conditions { id } allergies { id } immunizations { id } } }')).toEqual([]);
  });
});

describe('an integrator’s codegen can read the schema', () => {
  test('the standard introspection query, with every option codegen tools turn on, passes every limit', () => {
    const introspection = getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true });
    expect(refusals(introspection)).toEqual([]);
  });
});
