import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, parse, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import { fragmentsOf } from '../../gateway/operation-view';
import { capPeople, peopleAsked } from '../../gateway/people-cap';
import { variableValues } from '../../gateway/variable-values';

const api = buildSchema(readFileSync(join(__dirname, '../../schema/api.graphql'), 'utf8'));
const NAM = 'TREM75561212';
const nams = (count: number) => Array.from({ length: count }, () => NAM);

/** The request as the gateway sees it once its operation is resolved: variables coerced. */
function viewOf(query: string | DocumentNode, variables: Record<string, unknown> = {}) {
  const document = typeof query === 'string' ? parse(query) : query;
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition')!;
  return { schema: api, operation, fragments: fragmentsOf(document), variables: variableValues(api, operation, variables) };
}
const refusal = (query: string | DocumentNode, variables?: Record<string, unknown>, cap = 100) => {
  try {
    capPeople(viewOf(query, variables), cap);
    return undefined;
  } catch (error: any) {
    return { code: error.extensions.code, status: error.extensions.http?.status, message: error.message };
  }
};

describe('the people cap holds for the whole request, not per field', () => {
  const aliases = (count: number) => `query($n: [NAM!]!) { ${Array.from({ length: count }, (_, i) => `p${i}: patients(nams: $n) { nam }`).join(' ')} }`;

  test('three panels of 30 people in one request (90) are accepted under a cap of 100', () => {
    expect(refusal(aliases(3), { n: nams(30) })).toBeUndefined();
  });

  test('five panels of 30 people (150) are refused as QUERY_TOO_COMPLEX (HTTP 400), naming the cap and no NAM', () => {
    const refused = refusal(aliases(5), { n: nams(30) });
    expect(refused).toEqual({ code: 'QUERY_TOO_COMPLEX', status: 400, message: 'A request may ask for at most 100 people, all patient and patients fields together; split it.' });
    expect(JSON.stringify(refused)).not.toContain(NAM);
  });

  test('single-record fields count with the panels', () => {
    expect(peopleAsked(viewOf(`query($n: [NAM!]!) { patients(nams: $n) { nam } one: patient(nam: "${NAM}") { nam } two: patient(nam: "${NAM}") { nam } }`, { n: nams(98) }))).toBe(100);
  });

  test('fields inside fragments count', () => {
    expect(peopleAsked(viewOf('query($n: [NAM!]!) { ...A } fragment A on Query { a: patients(nams: $n) { nam } ...B } fragment B on Query { b: patients(nams: $n) { nam } }', { n: nams(60) }))).toBe(120);
  });

  test('NAMs given as the default of a variable count', () => {
    expect(peopleAsked(viewOf(`query($n: [NAM!]! = ["${NAM}", "${NAM}", "${NAM}"]) { a: patients(nams: $n) { nam } b: patients(nams: $n) { nam } }`))).toBe(6);
  });

  test('a field skipped with @skip asks nobody', () => {
    expect(peopleAsked(viewOf('query($n: [NAM!]!) { a: patients(nams: $n) { nam } b: patients(nams: $n) @skip(if: true) { nam } }', { n: nams(60) }))).toBe(60);
  });

  test('the cap alone refuses 2,000 aliased patient fields within 50 ms (were the aliases and tokens limits lifted)', () => {
    const document = parse(`{ ${Array.from({ length: 2000 }, (_, i) => `p${i}: patient(nam: "${NAM}") { nam }`).join(' ')} }`);
    // The best of three warm runs: what the check costs, not what the test machine's other work costs.
    const timings = [0, 1, 2, 3].map(() => {
      const started = performance.now();
      expect(refusal(document)?.code).toBe('QUERY_TOO_COMPLEX');
      return performance.now() - started;
    });
    expect(Math.min(...timings.slice(1))).toBeLessThan(50);
  });
});
