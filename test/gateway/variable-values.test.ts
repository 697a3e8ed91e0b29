import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, parse, type OperationDefinitionNode } from 'graphql';
import { variableValues } from '../../gateway/variable-values';

const api = buildSchema(readFileSync(join(__dirname, '../../schema/api.graphql'), 'utf8'));
const NAM = 'TREM75561212';
const operationOf = (query: string) => parse(query).definitions[0] as OperationDefinitionNode;
const coerce = (query: string, variables: Record<string, unknown>) => variableValues(api, operationOf(query), variables);
const failure = (query: string, variables: Record<string, unknown>) => {
  try {
    coerce(query, variables);
    return undefined;
  } catch (error: any) {
    return { code: error.extensions.code, status: error.extensions.http?.status, message: error.message };
  }
};
const PANEL = 'query($nams: [NAM!]!) { patients(nams: $nams) { nam } }';

describe('variables are read as the query declares them, before anything runs', () => {
  test('a panel given as a list is read as given', () => {
    expect(coerce(PANEL, { nams: [NAM] })).toEqual({ nams: [NAM] });
  });

  test('one NAM sent as a string where the query declares a list is BAD_USER_INPUT (HTTP 400), not a list of one', () => {
    expect(failure(PANEL, { nams: NAM })).toEqual({ code: 'BAD_USER_INPUT', status: 400, message: 'Variable "$nams" must be a [NAM!]!: it is missing, null, or of another type or shape.' });
  });

  test('null for a required NAM is BAD_USER_INPUT (HTTP 400)', () => {
    expect(failure('query($nam: NAM!) { patient(nam: $nam) { nam } }', { nam: null })).toMatchObject({ code: 'BAD_USER_INPUT', status: 400 });
  });

  test('a missing required variable is BAD_USER_INPUT (HTTP 400)', () => {
    expect(failure('query($nam: NAM!) { patient(nam: $nam) { nam } }', {})).toMatchObject({ code: 'BAD_USER_INPUT', status: 400 });
  });

  test('a value of the wrong built-in type is BAD_USER_INPUT and the message does not repeat it', () => {
    const refused = failure('query($nam: NAM!, $all: Boolean) { patient(nam: $nam, allSources: $all) { nam } }', { nam: NAM, all: NAM });
    expect(refused).toMatchObject({ code: 'BAD_USER_INPUT', status: 400, message: 'Variable "$all" must be a Boolean: it is missing, null, or of another type or shape.' });
  });

  test('a variable left out takes the default the query declares', () => {
    expect(coerce(`query($nams: [NAM!]! = ["${NAM}"], $all: Boolean = true) { patients(nams: $nams, allSources: $all) { nam } }`, {})).toEqual({ nams: [NAM], all: true });
  });
});
