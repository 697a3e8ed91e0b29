import { expectedRequests } from '../../bench/people';
import { connectOutcome, idsByKind, onPostgres, startApart, type Apart } from './support/apart';

// Issue #8 §7: a gateway told to stop (SIGTERM, as an orchestrator does before replacing it)
// finishes the views it is answering, takes no new connection, then exits 0. Our services run as
// separate processes on a small bench world whose sources answer slowly (1.5 s), so views are
// surely in flight when the signal comes. With GATEWAY_INSTANCES=2 the signal goes to the cluster
// primary, which passes it on to both workers.
const describeApart = onPostgres ? describe : describe.skip;
const SOURCE_LATENCY_MS = 1500;
const VIEWS_IN_FLIGHT = 6;

interface Seen {
  answers: { status: number; body: any }[];
  expected: Record<string, string[]>[];
  newConnection?: string;
  answeredBeforeThatConnection: number;
  exit?: { code: number | null; signal: NodeJS.Signals | null };
}

/** Views in flight, then SIGTERM to the gateway process; what each side saw. */
async function stopWhileAnswering(apart: Apart, instances: number): Promise<Seen> {
  const people = apart.people.slice(0, VIEWS_IN_FLIGHT);
  const seen: Seen = { answers: [], answeredBeforeThatConnection: 0, expected: await Promise.all(people.map(async (person) => expectedIds(await apart.world.expected(person.nam)))) };
  await apart.world.setLatency(SOURCE_LATENCY_MS);
  await apart.world.resetStats();
  const gateway = apart.system.services.get('gateway')!;
  let answered = 0;
  const views = people.map((person) => apart.view(person.nam).finally(() => answered++));
  // Every view has reached its sources: they are in flight in the gateway.
  const requests = people.reduce((sum, person) => sum + expectedRequests(person), 0);
  await until(async () => Object.values(await apart.world.stats()).reduce((a, b) => a + b, 0) >= requests);
  gateway.signal('SIGTERM');
  // Each gateway process says it is stopping (services/run.ts) once its listener is closing.
  const stopping = instances > 1 ? /\[gateway \d+\] stopping/ : /\[gateway\] stopping/;
  for (let n = 0; n < instances; n++) await until(async () => gateway.lines.filter((line) => stopping.test(line)).length > n);
  await new Promise((resolve) => setTimeout(resolve, 100));
  seen.newConnection = await connectOutcome(Number(new URL(apart.system.gatewayUrl).port));
  seen.answeredBeforeThatConnection = answered;
  seen.answers = await Promise.all(views);
  seen.exit = await gateway.exited;
  return seen;
}

describeApart.each([1, 2])('a gateway of %i process(es) told to stop (SIGTERM) drains (issue #8 §7)', (instances) => {
  let apart: Apart;
  let seen: Seen;
  beforeAll(async () => {
    // No answer cache: every view goes to the slow sources.
    apart = await startApart(`shutdown_gw${instances}`, { SOURCE_CACHE: 'off', SOURCE_TIMEOUT_MS: '8000' }, instances);
    seen = await stopWhileAnswering(apart, instances);
  }, 240_000);
  afterAll(() => apart?.stop(), 60_000);

  test('every view in flight when the signal came gets its full answer: every record of every source, no error', () => {
    expect(seen.answers).toHaveLength(VIEWS_IN_FLIGHT);
    seen.answers.forEach(({ status, body }, i) => {
      expect({ status, errors: body.errors?.map((e: any) => e.extensions?.code) }).toEqual({ status: 200, errors: undefined });
      expect(idsByKind(body.data.patient)).toEqual(seen.expected[i]);
    });
  });

  test('a connection opened after the signal, while those views are still being answered, is refused', () => {
    expect(seen.answeredBeforeThatConnection).toBe(0);
    expect(seen.newConnection).toBe('refused');
  });

  test('once they are answered the process exits 0 by itself', () => {
    expect(seen.exit).toEqual({ code: 0, signal: null });
  });
});

if (!onPostgres) test.skip('graceful shutdown runs our services apart: set DATABASE_URL', () => undefined);

/** What a correct reader shows, by kind: the world's expected ids of every holding source, merged. */
function expectedIds(expected: { kind: string; ids: string[] }[]): Record<string, string[]> {
  const kinds = ['medications', 'labResults', 'imagingStudies', 'encounters', 'conditions', 'allergies', 'immunizations'];
  return Object.fromEntries(kinds.map((kind) => [kind, expected.filter((e) => e.kind === kind).flatMap((e) => e.ids).sort()]));
}

async function until(condition: () => Promise<boolean>, withinMs = 20_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('not within time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
