import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, parse, type ExecutionResult } from 'graphql';
import { DEFAULT_POLICY_ROLES, parsePolicy } from '../../gateway/consent/policy';
import { consentRules } from '../../gateway/consent/rules';
import { useConsent } from '../../gateway/consent/use-consent';
import type { GatewayContext } from '../../gateway/context';
import type { PlanRequest } from '../../gateway/execution/enforcing-gateway';
import { fragmentsOf } from '../../gateway/operation-view';

// The public API as composed, plus a field no rule names (as a careless schema change would add).
const api = buildSchema(readFileSync(join(__dirname, '../../schema/api.graphql'), 'utf8').replace('type Patient {', 'type Patient {\n  internalNote: String'));
const NAM = 'TREM75561212';

function requestFor(query: string, role: string, decision: 'open' | 'refused'): PlanRequest {
  const document = parse(query);
  const context: GatewayContext = {
    provider: { id: 'X-1', role },
    caller: { providerId: 'X-1', role, domains: DEFAULT_POLICY_ROLES[role] ?? [], grants: {} },
    decisions: new Map(),
    sourceReports: [],
    planErrors: new Map(),
  };
  const plugin = useConsent({
    rules: consentRules({
      policy: parsePolicy({ roles: DEFAULT_POLICY_ROLES }),
      async decide(ctx, nams) {
        for (const nam of nams) ctx.decisions.set(nam, decision === 'open' ? { open: true, closedBefore: null, reason: 'active' } : { open: false, reason: 'refused' });
      },
    }),
  });
  const operation = document.definitions.find((d) => d.kind === 'OperationDefinition') as never;
  return Object.assign({ context, view: { schema: api, operation, fragments: fragmentsOf(document), variables: {} }, document, skipped: new Set<string>() }, { plugin }) as never;
}

/** Runs the root phase, then the result phase over what a subgraph (wrongly) returned. */
async function enforce(query: string, role: string, planned: ExecutionResult, decision: 'open' | 'refused' = 'open') {
  const request = requestFor(query, role, decision) as PlanRequest & { plugin: ReturnType<typeof useConsent> };
  await request.plugin.beforePlan!(request);
  return { request, result: await request.plugin.afterPlan!(request, planned) };
}

describe('the gateway enforces its rules over the plan result itself, whatever the subgraphs did', () => {
  test('imaging a misbehaving subgraph returned to a nurse is withheld: null with FORBIDDEN', async () => {
    const { result } = await enforce(`{ patient(nam: "${NAM}") { nam img: imagingStudies { studyInstanceUid } } }`, 'nurse', {
      data: { patient: { nam: NAM, img: [{ studyInstanceUid: '2.25.1234' }] } },
    });
    expect(result.data).toEqual({ patient: { nam: NAM, img: null } });
    expect(result.errors?.map((e) => [e.path?.join('.'), e.extensions.code])).toEqual([['patient.img', 'FORBIDDEN']]);
  });

  test('a record the rules refused is withheld even if a subgraph sent it', async () => {
    const { request, result } = await enforce(`{ patient(nam: "${NAM}") { familyName medications { id } } }`, 'physician', {
      data: { patient: { familyName: 'Tremblay', medications: [{ id: 'x/1' }] } },
    }, 'refused');
    expect(JSON.stringify(result.data)).not.toContain('Tremblay');
    expect(result.errors?.every((e) => e.extensions.code === 'RECORD_REFUSED')).toBe(true);
    // And the subgraphs were told so: no grant for this NAM was signed.
    expect(request.context.caller.grants).toEqual({});
  });

  test('a field no rule names is denied (deny by default)', async () => {
    const { result } = await enforce(`{ patient(nam: "${NAM}") { nam internalNote } }`, 'physician', { data: { patient: { nam: NAM, internalNote: 'secret' } } });
    expect(result.data).toEqual({ patient: { nam: NAM, internalNote: null } });
    expect(result.errors?.[0].extensions.code).toBe('FORBIDDEN');
  });

  test('a root field the rules deny is left out of the plan before any subgraph is asked', async () => {
    const request = requestFor(`{ log: accessLog(nam: "${NAM}") { providerId } p: patient(nam: "${NAM}") { nam } }`, 'physician', 'open') as PlanRequest & { plugin: ReturnType<typeof useConsent> };
    await request.plugin.beforePlan!(request);
    expect([...request.skipped]).toEqual(['log']);
    expect(request.context.caller.grants).toEqual({ [NAM]: null });
  });
});
