import { GraphQLError } from 'graphql';
import { maskError, queryTooComplex, withoutValues } from '../../lib/errors';

const NAM = 'TREM75561212';

describe('errors about the query never repeat what was typed into it', () => {
  test('a syntax error gives a fixed sentence and the location, not the token it stumbled on', () => {
    const masked = maskError({ message: `Syntax Error: Expected Name, found String "${NAM}".`, locations: [{ line: 1, column: 22 }], extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
    expect(masked).toEqual({ message: 'The query is not valid GraphQL (see locations).', locations: [{ line: 1, column: 22 }], extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
  });

  test('a validation error keeps the names of fields and types but not the value given', () => {
    expect(withoutValues(`Expected value of type "Boolean", found "${NAM}"; Boolean cannot represent a non boolean value: "${NAM}"`)).toBe('Expected value of type "Boolean", found …');
    expect(withoutValues('Enum "ConsentChannel" cannot represent non-enum value: "Gagnon Marie".')).toBe('Enum "ConsentChannel" cannot represent non-enum value: …');
    expect(withoutValues('Cannot query field "familyNam" on type "Patient". Did you mean "familyName"?')).toBe('Cannot query field "familyNam" on type "Patient". Did you mean "familyName"?');
  });

  test('a quoted string that is not a GraphQL name is blanked', () => {
    expect(withoutValues('Unknown thing "Gagnon, Marie" here.')).toBe('Unknown thing "…" here.');
  });

  test('a NAM typed where a field name goes does not come back', () => {
    const masked = maskError({ message: `Cannot query field "${NAM}" on type "Query".`, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    expect(masked.message).not.toContain(NAM);
    expect(masked.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});

describe('our codes survive Apollo’s wrapping', () => {
  test('a limit reported by a validation rule reaches the caller as QUERY_TOO_COMPLEX with our words', () => {
    const ours = queryTooComplex('The query has more than 15 aliases; split it into several requests.');
    // What Apollo makes of a validation rule's error: its own code, ours kept as originalError.
    const wrapped = new GraphQLError(ours.message, { originalError: ours, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    expect(maskError({ message: wrapped.message, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }, wrapped)).toEqual({
      message: 'The query has more than 15 aliases; split it into several requests.',
      extensions: { code: 'QUERY_TOO_COMPLEX' },
    });
  });

  test('an error that is not ours is still masked as an internal error', () => {
    const wrapped = new GraphQLError('connect ECONNREFUSED 10.0.0.5:5432', { originalError: new Error('db down'), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    expect(maskError({ message: wrapped.message, extensions: { code: 'SOMETHING_ELSE' } }, wrapped).extensions.code).toBe('INTERNAL_SERVER_ERROR');
  });
});
