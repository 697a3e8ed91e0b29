import { developmentToken } from '../bin/token';
import { SUBGRAPH_NAMES } from '../lib/config';
import { INTERNAL_HEADER, signInternalToken } from '../lib/internal-token';
import { DOMAINS } from '../lib/sources';
import type { LoadItem } from './load';

/** The patient view every scenario sends: every domain, and how each source answered. */
export const VIEW = `query View($nam: NAM!) { patient(nam: $nam) {
  nam familyName givenName recordStatus
  medications { id din name dispensedAt pharmacy { id name } }
  labResults { id code value unit abnormalFlag observedAt }
  imagingStudies { studyInstanceUid modalities description startedAt }
  encounters { id class start facility { id name } }
  conditions { id code display clinicalStatus onset }
  allergies { id substance criticality }
  immunizations { id vaccine occurredAt }
} }`;

export const PANEL = `query Panel($nams: [NAM!]!) { patients(nams: $nams) {
  nam medications { id } labResults { id } imagingStudies { studyInstanceUid }
  encounters { id } conditions { id } allergies { id } immunizations { id }
} }`;

const body = (nam: string) => JSON.stringify({ query: VIEW, variables: { nam }, operationName: 'View' });

/** Views through our gateway, as a physician (one token for all: signing is the client's cost, not the gateway's). */
export async function viewsThroughOurs(nams: readonly string[], jwtSecret: string): Promise<LoadItem[]> {
  const token = await developmentToken({ sub: 'MD-BENCH', role: 'physician', facility: 'bench' }, jwtSecret, '2h');
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  return nams.map((nam) => ({ body: body(nam), headers }));
}

/**
 * Views through a peer gateway: no authentication, no consent, no log; each carries the signed
 * subgraph token our subgraphs require (valid for all five, granting that one person), which the
 * peer forwards. Signed just before a round: it lives 60 s.
 */
export async function viewsThroughPeer(nams: readonly string[], subgraphSecret: string): Promise<LoadItem[]> {
  return Promise.all(
    nams.map(async (nam) => {
      const token = await signInternalToken({ providerId: 'MD-BENCH', role: 'physician', domains: [...DOMAINS], grants: { [nam]: null } }, SUBGRAPH_NAMES, subgraphSecret);
      return { body: body(nam), headers: { 'content-type': 'application/json', [INTERNAL_HEADER]: token } };
    }),
  );
}

/** Sends one operation to our gateway and returns the parsed body (status checked; the body is never printed). */
export async function queryOurs(url: string, jwtSecret: string, query: string, variables: Record<string, unknown>): Promise<any> {
  const token = await developmentToken({ sub: 'MD-BENCH', role: 'physician', facility: 'bench' }, jwtSecret, '10m');
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
  if (response.status !== 200) {
    // The error codes only (from lib/errors.ts's registry): they name no person.
    const codes = await response.json().then((body: { errors?: { extensions?: { code?: unknown } }[] }) => (body.errors ?? []).map((e) => String(e.extensions?.code).replace(/[^A-Z_]/g, '')), () => []);
    throw new Error(`the gateway answered HTTP ${response.status} (${[...new Set(codes)].join(', ') || 'no error code'})`);
  }
  return response.json();
}
