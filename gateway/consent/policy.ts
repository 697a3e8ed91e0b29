import { readFileSync } from 'node:fs';
import { DOMAINS, type Domain } from '../../lib/sources';

/**
 * Who may see which domains of a record (issue #4 §2). A role missing from the policy sees
 * nothing: deny by default. The default below is the QHR's; POLICY_FILE replaces it with a JSON
 * file of the same shape: { "roles": { "physician": ["MEDICATIONS", ...], ... } }.
 */
export type Policy = ReadonlyMap<string, readonly Domain[]>;

export const DEFAULT_POLICY_ROLES: Record<string, Domain[]> = {
  physician: ['MEDICATIONS', 'LAB_RESULTS', 'IMAGING', 'CLINICAL'],
  nurse: ['MEDICATIONS', 'LAB_RESULTS', 'CLINICAL'],
  pharmacist: ['MEDICATIONS', 'LAB_RESULTS'],
  consent_clerk: [],
  privacy_officer: [],
  person: [],
};

export function parsePolicy(json: unknown): Policy {
  const roles = (json as { roles?: unknown })?.roles;
  if (!roles || typeof roles !== 'object' || Array.isArray(roles)) throw new Error('policy: expected { "roles": { "<role>": ["<DOMAIN>", ...] } }');
  const policy = new Map<string, Domain[]>();
  for (const [role, domains] of Object.entries(roles)) {
    if (!Array.isArray(domains) || domains.some((d) => !DOMAINS.includes(d))) {
      throw new Error(`policy: role "${role}" must list domains among ${DOMAINS.join(', ')}`);
    }
    policy.set(role, [...new Set(domains as Domain[])]);
  }
  return policy;
}

export function loadPolicy(file?: string): Policy {
  if (!file) return parsePolicy({ roles: DEFAULT_POLICY_ROLES });
  return parsePolicy(JSON.parse(readFileSync(file, 'utf8')));
}

export const domainsFor = (policy: Policy, role: string): readonly Domain[] => policy.get(role) ?? [];
