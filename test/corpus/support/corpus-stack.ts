import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isUnknownToSources } from '../../../demo/people';
import { startTestStack, type TestStack } from '../../support/stack';
import { identityProvider, type IdentityProvider } from './identity-provider';
import { scriptedSources, type ScriptedSources } from './scripted-sources';

/**
 * The whole stack as the corpus feeds it: provider tokens verified against a JWKS (production's
 * path), a pharmacy and a PACS whose answers each case scripts, an MLLP listener capped at 64 KB
 * a message, and two people of the corpus in the registry beside the demo's: Marie Tremblay,
 * whose NAM the FHIR and HL7 cases carry, and the patient of the real DICOMweb sample.
 */
export interface CorpusStack {
  stack: TestStack;
  idp: IdentityProvider;
  sources: ScriptedSources;
  labPort: number;
  /** Sends a body to the gateway as it is (a physician's valid token unless told otherwise). */
  send(body: string | Buffer, options?: { token?: string; role?: string }): Promise<{ status: number; text: string }>;
  /** What the edges may change: rows of the access log, the refusal register, the lab store. */
  counts(): Promise<{ accessLog: number; refusals: number; labMessages: number }>;
  /** Log lines written from `mark` on. */
  logsSince(mark: number): string[];
  /** A demo person the demo sources hold records for: the normal request of "still alive". */
  someone: string;
  stop(): Promise<void>;
}

export const CORPUS_PERSON = 'TREM75561212';
export const SAMPLE_PATIENT = 'TREM75061512';
const CORPUS_PEOPLE = [`${CORPUS_PERSON},Tremblay,Marie,1975-06-12,F`, `${SAMPLE_PATIENT},Tremblay,Sylvie,1975-06-15,F`];

export async function startCorpusStack(): Promise<CorpusStack> {
  const dir = mkdtempSync(join(tmpdir(), 'qhr-corpus-'));
  const registryFile = join(dir, 'registry.csv');
  writeFileSync(registryFile, `${readFileSync(join(__dirname, '../../../demo/registry.csv'), 'utf8').trimEnd()}\n${CORPUS_PEOPLE.join('\n')}\n`);
  const idp = await identityProvider();
  const sources = await scriptedSources();
  const stack = await startTestStack({
    env: { AUTH_JWKS_URL: idp.jwksUrl, REGISTRY_FILE: registryFile, MLLP_MAX_FRAME_BYTES: '65536' },
    sources: (demo) => [...demo, ...sources.configs(demo.find((s) => s.protocol === 'fhir-r4')!)],
  });
  const token = await idp.issue();
  const count = async (table: string) => Number((await stack.platform.db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
  return {
    stack,
    idp,
    sources,
    labPort: stack.platform.labPorts.get('lab-mtl-centre')!,
    async send(body, options = {}) {
      const bearer = options.token ?? (options.role ? await idp.issue({ role: options.role, sub: `${options.role.toUpperCase()}-CORPUS` }) : token);
      const response = await fetch(stack.platform.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: typeof body === 'string' ? body : new Uint8Array(body) });
      return { status: response.status, text: await response.text() };
    },
    counts: async () => ({ accessLog: await count('access_log'), refusals: await count('consent_changes'), labMessages: await count('lab_messages') }),
    logsSince: (mark) => stack.logs.slice(mark),
    someone: stack.people.find((p) => p.region === 'Montréal' && !isUnknownToSources(p))!.nam,
    async stop() {
      await stack.stop();
      await sources.close();
      await idp.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
