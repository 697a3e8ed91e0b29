/**
 * GraphQL Code Generator for an EMR vendor's TypeScript client: types of the public API
 * (schema/api.graphql) and of the vendor's operations (codegen/operations/*.graphql).
 *
 *   npm run codegen          # writes codegen/generated/graphql.ts
 *
 * The custom scalars name their specification with @specifiedBy (GraphQL spec §3.13.4); on the wire
 * all three are strings, so they map to `string`. `strictScalars` makes a scalar added later without
 * a mapping fail the generation instead of becoming `any`. test/codegen/codegen.test.ts runs this
 * configuration and type-checks what it writes (CODEGEN_OUT points it at a temporary file).
 */
import type { CodegenConfig } from '@graphql-codegen/cli';

export const SCALARS = { NAM: 'string', Date: 'string', DateTime: 'string' };

const config: CodegenConfig = {
  schema: 'schema/api.graphql',
  documents: 'codegen/operations/*.graphql',
  generates: {
    [process.env.CODEGEN_OUT || 'codegen/generated/graphql.ts']: {
      plugins: ['typescript', 'typescript-operations'],
      config: { scalars: SCALARS, strictScalars: true, enumsAsTypes: true, useTypeImports: true },
    },
  },
};

export default config;
