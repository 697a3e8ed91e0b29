import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, isScalarType, isSpecifiedScalarType, type GraphQLScalarType } from 'graphql';
import { SCALAR_SPECIFIED_BY } from '../../lib/scalars';

const api = buildSchema(readFileSync(join(__dirname, '../../schema/api.graphql'), 'utf8'));
const customScalars = Object.values(api.getTypeMap()).filter((type): type is GraphQLScalarType => isScalarType(type) && !isSpecifiedScalarType(type));

describe('custom scalars of the public API (GraphQL spec §3.13.4 @specifiedBy)', () => {
  test('the public API has the NAM, Date and DateTime scalars', () => {
    expect(customScalars.map((scalar) => scalar.name).sort()).toEqual(['Date', 'DateTime', 'NAM']);
  });

  test.each(customScalars.map((scalar) => [scalar.name, scalar]))('%s names the specification of its format with @specifiedBy', (_name, scalar) => {
    expect(scalar.specifiedByURL).toMatch(/^https:\/\//);
  });

  test.each(customScalars.map((scalar) => [scalar.name, scalar]))('%s has a description', (_name, scalar) => {
    expect(scalar.description?.length).toBeGreaterThan(10);
  });

  test('the URLs in the schema are the ones the scalars enforce (lib/scalars.ts)', () => {
    expect(Object.fromEntries(customScalars.map((scalar) => [scalar.name, scalar.specifiedByURL]))).toEqual(SCALAR_SPECIFIED_BY);
  });
});
