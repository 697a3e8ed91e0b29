import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { startPeer, type PeerKind, type RunningPeer } from '../../bench/peers';
import { SUBGRAPH_NAMES } from '../../lib/config';
import { INTERNAL_HEADER, signInternalToken } from '../../lib/internal-token';
import { peopleInEveryDomain } from '../support/demo-choices';
import { startTestStack, type TestStack } from '../support/stack';

const KINDS: PeerKind[] = ['apollo', 'hive'];
const LISTS = ['medications', 'labResults', 'imagingStudies', 'encounters', 'conditions', 'allergies', 'immunizations'] as const;
const VIEW = `query($nam: NAM!) { patient(nam: $nam) {
  nam
  medications { id } labResults { id } imagingStudies { id: studyInstanceUid } encounters { id }
  conditions { id } allergies { id } immunizations { id }
} }`;
const SEQUENTIAL_VIEWS = 1_000;

let stack: TestStack;
let nam: string;
/** Record ids per list, as our gateway answers them for `nam`. */
let ours: Record<string, string[]>;
const peers = new Map<PeerKind, RunningPeer>();
const figures = new Map<PeerKind, string[]>();

const idsOf = (patient: Record<string, { id: string }[] | null> | null) =>
  Object.fromEntries(LISTS.map((list) => [list, (patient?.[list] ?? []).map((record) => record.id)]));

/** One token for all five subgraphs, as the bench signs it; re-signed before its 60 s expire. */
let signed: { token: string; at: number } | undefined;
async function benchToken(): Promise<string> {
  if (!signed || performance.now() - signed.at > 30_000) {
    const caller = { providerId: 'BENCH', role: 'physician', domains: ['MEDICATIONS', 'LAB_RESULTS', 'IMAGING', 'CLINICAL'], grants: { [nam]: null } };
    signed = { token: await signInternalToken(caller, SUBGRAPH_NAMES, stack.config.internalSecret), at: performance.now() };
  }
  return signed.token;
}

async function viewThrough(peer: RunningPeer, withToken = true): Promise<{ status: number; body: any }> {
  const response = await fetch(peer.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(withToken ? { [INTERNAL_HEADER]: await benchToken() } : {}) },
    body: JSON.stringify({ query: VIEW, variables: { nam } }),
  });
  return { status: response.status, body: await response.json() };
}

const rssMiB = (pid: number) => Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim()) / 1024;

beforeAll(async () => {
  stack = await startTestStack();
  // The person our gateway shows records for in every list: a comparison over empty lists would prove nothing.
  for (const person of peopleInEveryDomain(stack.people)) {
    const { body } = await stack.query(VIEW, { nam: person.nam });
    const ids = idsOf(body.data?.patient ?? null);
    if (!body.errors && LISTS.every((list) => ids[list].length > 0)) {
      [nam, ours] = [person.nam, ids];
      break;
    }
  }
  if (!nam) throw new Error('no demo person has records in every list through our gateway');
  // One after the other, so each cold start is measured alone.
  for (const kind of KINDS) {
    const started = performance.now();
    peers.set(kind, await startPeer(kind, { subgraphUrls: stack.platform.subgraphUrls! }));
    figures.set(kind, [`cold start ${Math.round(performance.now() - started)} ms (spawn to ready, supergraph loaded)`]);
  }
}, 180_000);

afterAll(async () => {
  await Promise.all([...peers.values()].map((peer) => peer.stop()));
  await stack?.stop();
  // Figures only: no NAM, name or record leaves the test.
  for (const [kind, lines] of figures) process.stderr.write(`${kind} peer: ${lines.join('; ')}\n`);
}, 60_000);

describe.each(KINDS)('the %s peer gateway, over our supergraph and our subgraphs', (kind) => {
  test('answers a patient view in every domain with the records our gateway answers, and no errors', async () => {
    const started = performance.now();
    const { status, body } = await viewThrough(peers.get(kind)!);
    figures.get(kind)!.push(`first view ${Math.round(performance.now() - started)} ms`);
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data.patient.nam).toBe(nam);
    expect(idsOf(body.data.patient)).toEqual(ours);
  });

  test('without the gateway token it gets no record: the subgraphs refuse the call', async () => {
    const { body } = await viewThrough(peers.get(kind)!, false);
    expect(body.errors?.length).toBeGreaterThan(0);
    expect(body.data?.patient ?? null).toBeNull();
  });

  test(`answers ${SEQUENTIAL_VIEWS.toLocaleString('en')} sequential views the same (RSS reported)`, async () => {
    const peer = peers.get(kind)!;
    const started = performance.now();
    for (let i = 0; i < SEQUENTIAL_VIEWS; i++) {
      const { body } = await viewThrough(peer);
      if (body.errors || JSON.stringify(idsOf(body.data?.patient ?? null)) !== JSON.stringify(ours)) throw new Error(`view ${i + 1} differs from our gateway's`);
    }
    const seconds = (performance.now() - started) / 1000;
    const rss = rssMiB(peer.pid);
    figures.get(kind)!.push(`${Math.round(SEQUENTIAL_VIEWS / seconds)} views/s sequential`, `RSS ${rss.toFixed(0)} MiB after ${SEQUENTIAL_VIEWS} views`);
    expect(rss).toBeGreaterThan(0);
  }, 300_000);

  test('stop() ends its process', async () => {
    const peer = peers.get(kind)!;
    await peer.stop();
    peers.delete(kind);
    expect(() => process.kill(peer.pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  });
});

test('a peer that cannot start rejects with its reason', async () => {
  await expect(startPeer('apollo', { subgraphUrls: { pharmacy: 'http://127.0.0.1:1/graphql' } as never })).rejects.toThrow(/exited before it was ready[\s\S]*no http\(s\) URL for subgraph patient-index/);
}, 60_000);
