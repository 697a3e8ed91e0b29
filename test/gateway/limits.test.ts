import { buildSchema, parse, validate } from 'graphql';
import { depthLimit } from '../../gateway/limits';

// A schema deeper than today's contract, as the graph will grow (referrals, episodes...).
const schema = buildSchema(`
  type Query { patient: Patient }
  type Patient { encounter: Encounter name: String }
  type Encounter { facility: Facility }
  type Facility { parent: Facility name: String }
`);
const errorsOf = (query: string, max: number) => validate(schema, parse(query), [depthLimit(max)]).map((e) => e.message);

describe('the query depth limit', () => {
  test('a query within the limit passes', () => {
    expect(errorsOf('{ patient { encounter { facility { name } } } }', 4)).toEqual([]);
  });

  test('a query one level deeper than the limit is refused', () => {
    expect(errorsOf('{ patient { encounter { facility { parent { name } } } } }', 4)).toEqual(['The query is deeper than 4 levels.']);
  });

  test('depth hidden in fragments counts', () => {
    const query = '{ patient { ...P } } fragment P on Patient { encounter { facility { ...F } } } fragment F on Facility { parent { name } }';
    expect(errorsOf(query, 4)).toHaveLength(1);
  });

  test('introspection does not count: it reads the schema, not records', () => {
    expect(errorsOf('{ __schema { types { fields { type { ofType { ofType { name } } } } } } }', 4)).toEqual([]);
  });
});
