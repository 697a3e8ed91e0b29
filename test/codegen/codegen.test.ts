import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Issue #10 §5: an EMR vendor generates TypeScript types from schema/api.graphql with GraphQL Code
// Generator (codegen/codegen.ts, the README's example), and gets strings, not `any`, for our scalars.
const root = join(__dirname, '../..');
const bin = (name: string) => join(root, 'node_modules', '.bin', name);

/** What a vendor's code does with the generated types; it only compiles if the scalars are strings. */
const USAGE = `
import type { PatientSummaryQuery, PatientSummaryQueryVariables, Scalars } from './graphql';

type IsAny<T> = 0 extends 1 & T ? true : false;
const notAny = <T>(_: IsAny<T> extends false ? true : never) => undefined;

export const variables: PatientSummaryQueryVariables = { nam: 'TREM75561212', since: '2024-01-01' };
export function summary(result: PatientSummaryQuery): string[] {
  const patient = result.patient;
  if (!patient) return [];
  const nam: string = patient.nam;
  const born: string | null | undefined = patient.birthDate;
  const dispensed: string[] = (patient.medications ?? []).map((dispense) => dispense.dispensedAt);
  return [nam, born ?? '', ...dispensed];
}
notAny<Scalars['NAM']['output']>(true);
notAny<Scalars['Date']['input']>(true);
notAny<Scalars['DateTime']['output']>(true);
notAny<NonNullable<PatientSummaryQuery['patient']>['nam']>(true);
// @ts-expect-error a NAM is a string, not a number
export const wrong: PatientSummaryQueryVariables = { nam: 75561212 };
`;

describe('GraphQL Code Generator on the public API (codegen/codegen.ts)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'codegen-'));
  const generated = join(dir, 'graphql.ts');

  beforeAll(() => {
    execFileSync(bin('graphql-codegen'), ['--config', 'codegen/codegen.ts', '--silent'], { cwd: root, env: { ...process.env, CODEGEN_OUT: generated }, stdio: 'pipe' });
    writeFileSync(join(dir, 'usage.ts'), USAGE);
  }, 60_000);

  test('NAM, Date and DateTime become string, never any', () => {
    const text = readFileSync(generated, 'utf8');
    for (const scalar of ['NAM', 'Date', 'DateTime']) expect(text).toContain(`${scalar}: { input: string; output: string; }`);
    expect(text).not.toMatch(/\b(NAM|Date|DateTime): \{ input: any/);
  });

  test('the example operation gets typed variables and a typed result', () => {
    const text = readFileSync(generated, 'utf8');
    expect(text).toContain('export type PatientSummaryQueryVariables');
    expect(text).toContain('export type PatientSummaryQuery');
  });

  test('the generated file and code using it type-check under strict TypeScript', () => {
    const check = () => execFileSync(bin('tsc'), ['--noEmit', '--strict', '--target', 'ES2022', '--module', 'commonjs', '--skipLibCheck', generated, join(dir, 'usage.ts')], { cwd: root, stdio: 'pipe', encoding: 'utf8' });
    expect(check).not.toThrow();
  }, 60_000);
});
