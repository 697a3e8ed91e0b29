import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Patient, Resource } from '@medplum/fhirtypes';
import { createRosterSources } from '../../../adapters';
import { CapabilityCaches } from '../../../adapters/fhir/capability-cache';
import { createFhirRoster, type FhirRosterOptions } from '../../../adapters/fhir/roster';
import { SourceError, type RosterEntry, type RosterSource } from '../../../adapters/port';
import { demoFhirResources, startDemoFhirServer, type DemoFhirServer } from '../../../demo/fhir-server';
import { demoPeople, localPharmacyIdOf } from '../../../demo/people';
import { relocateDemoSources } from '../../../demo/systems';
import { createLogger } from '../../../lib/logger';
import { DEFAULT_NAM_SYSTEM, parseSources, type SourceConfig } from '../../../lib/sources';
import { DEFAULT_TIME_ZONE } from '../../../lib/time';
import { recordingServer, sendJson, type RecordingServer } from '../../support/recording-server';
import { fixture, forges, GAGNON, namPatient, plateau, ROY, searchset, TREMBLAY } from './support';

const people = demoPeople();
const dataset = demoFhirResources(people);
const demoSources = parseSources(JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'demo', 'sources.json'), 'utf8')), { timeZone: DEFAULT_TIME_ZONE });

/** The demo FHIR sources pointed at a demo server started on a free port. */
function sourcesAt(server: DemoFhirServer): Record<string, SourceConfig> {
  return Object.fromEntries(relocateDemoSources(demoSources, { fhirUrl: server.url, pacsUrl: 'http://127.0.0.1:1' }).map((s) => [s.id, s]));
}

/** Reads a roster, keeping each page handed over. */
async function readRoster(roster: RosterSource, cursor?: string) {
  const pages: RosterEntry[][] = [];
  const result = await roster.read({ cursor, signal: AbortSignal.timeout(10_000), requestTimeoutMs: 5_000, onPage: async (entries) => void pages.push(entries) });
  return { ...result, handedOver: pages, entries: pages.flat() };
}

const patientsOf = (tenant: keyof typeof dataset) => dataset[tenant].filter((r): r is Patient => r.resourceType === 'Patient');
const sorted = (values: (string | undefined)[]) => [...values].sort();

describe('the roster of a FHIR source, read from the demo FHIR server', () => {
  let server: DemoFhirServer;
  let sources: Record<string, SourceConfig>;
  beforeAll(async () => {
    server = await startDemoFhirServer({ port: 0, people });
    sources = sourcesAt(server);
  });
  afterAll(() => server.close());

  test('lists exactly the people the Montréal pharmacy has on file, by NAM', async () => {
    const { entries, people: count } = await readRoster(createFhirRoster(sources['pharmacy-mtl-centre']));

    const onFile = patientsOf('pharmacy-mtl-centre').map((p) => p.identifier!.find((i) => i.system === DEFAULT_NAM_SYSTEM)!.value);
    expect(sorted(entries.map((e) => e.nam))).toEqual(sorted(onFile));
    expect(entries.every((e) => e.localId === undefined)).toBe(true);
    expect(count).toBe(onFile.length);
  });

  test("of a pharmacy filing people under its own ids lists those ids, with no NAM the pharmacy does not give", async () => {
    const { entries } = await readRoster(createFhirRoster(sources['pharmacy-trois-rivieres']));

    const mauricie = people.filter((p) => p.region === 'Mauricie');
    expect(sorted(entries.map((e) => e.localId))).toEqual(sorted(mauricie.map(localPharmacyIdOf)));
    expect(entries.every((e) => e.nam === undefined)).toBe(true);
  });

  test('reads a roster longer than a page across every page, handing each page over as it is read', async () => {
    const { entries, handedOver, pages } = await readRoster(createFhirRoster(sources['pharmacy-mtl-centre'], { pageSize: 7 }));

    const onFile = patientsOf('pharmacy-mtl-centre').length;
    expect(pages).toBe(Math.ceil(onFile / 7));
    expect(handedOver).toHaveLength(pages);
    expect(handedOver.every((page) => page.length <= 7)).toBe(true);
    expect(new Set(entries.map((e) => e.nam)).size).toBe(onFile);
  });

  test('read again with nothing changed at the source lists nobody', async () => {
    const roster = createFhirRoster(sources['clinic-mtl-east']);
    const first = await readRoster(roster);

    const again = await readRoster(roster, first.cursor);

    expect(first.people).toBeGreaterThan(0);
    expect(again).toMatchObject({ people: 0, pages: 1, entries: [] });
  });
});

describe('a roster read after the source changed (a demo FHIR server of its own)', () => {
  let server: DemoFhirServer;
  let sources: Record<string, SourceConfig>;
  beforeEach(async () => {
    server = await startDemoFhirServer({ port: 0, people });
    sources = sourcesAt(server);
  });
  afterEach(() => server.close());

  test('lists only the person whose file changed since the last read', async () => {
    const roster = createFhirRoster(sources['pharmacy-mtl-centre']);
    const first = await readRoster(roster);
    const changed = patientsOf('pharmacy-mtl-centre')[3];
    server.update('pharmacy-mtl-centre', { ...changed, telecom: [{ system: 'phone', value: '514-555-0142' }] } as Resource);

    const again = await readRoster(roster, first.cursor);

    const nam = changed.identifier!.find((i) => i.system === DEFAULT_NAM_SYSTEM)!.value;
    expect(again.entries).toEqual([{ nam }]);
  });

  test('gives the NAM along with the local id when the pharmacy records the health card number', async () => {
    const roster = createFhirRoster(sources['pharmacy-trois-rivieres']);
    const first = await readRoster(roster);
    const person = people.find((p) => p.region === 'Mauricie')!;
    const file = patientsOf('pharmacy-trois-rivieres').find((p) => p.id === localPharmacyIdOf(person))!;
    server.update('pharmacy-trois-rivieres', { ...file, identifier: [...file.identifier!, { system: DEFAULT_NAM_SYSTEM, value: person.nam }] } as Resource);

    const again = await readRoster(roster, first.cursor);

    expect(again.entries).toEqual([{ localId: localPharmacyIdOf(person), nam: person.nam }]);
  });
});

describe('what a FHIR roster read asks, and whose clock it trusts', () => {
  let fake: RecordingServer | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  /** A FHIR server answering every request with `answer(n)` (n counts from 1), and a source on it. */
  async function fakeFhir(answer: (n: number, origin: string) => { body: unknown; date?: Date | null }, config: SourceConfig = plateau) {
    let n = 0;
    fake = await recordingServer((_, response, origin) => {
      const { body, date } = answer(++n, origin);
      sendJson(response, body, { type: 'application/fhir+json', date });
    });
    return { ...config, url: `${fake.url}/fhir` };
  }
  const form = (index = 0) => new URLSearchParams(fake!.requests[index].body);
  const roster = (source: SourceConfig, options: Partial<FhirRosterOptions> = {}) => createFhirRoster(source, options);

  test('asks a NAM source, by POST, for the Patients with a NAM in its system, identifiers only, page by page', async () => {
    const source = await fakeFhir(() => ({ body: searchset([namPatient('1', TREMBLAY)]) }));

    await readRoster(roster(source));

    expect(fake!.requests.map((r) => `${r.method} ${r.url.pathname}`)).toEqual(['POST /fhir/Patient/_search']);
    expect(Object.fromEntries(form())).toEqual({ identifier: `${DEFAULT_NAM_SYSTEM}|`, _elements: 'identifier', _count: '200' });
  });

  test('of a server whose CapabilityStatement says it takes search by GET only is read by GET, naming nobody in the URL', async () => {
    const statement = fixture('capability-statement-hapi.json') as { rest: { resource: { interaction: { code: string; extension?: object[] }[] }[] }[] };
    for (const resource of statement.rest[0].resource) {
      for (const interaction of resource.interaction) if (interaction.code === 'search-type') interaction.extension = [{ url: 'http://hl7.org/fhir/StructureDefinition/capabilitystatement-search-mode', valueCode: 'GET' }];
    }
    const source = await fakeFhir((n) => ({ body: n === 1 ? statement : searchset([namPatient('1', TREMBLAY)]) }));

    const { entries } = await readRoster(roster(source, { capabilities: new CapabilityCaches() }));

    expect(fake!.requests.map((r) => `${r.method} ${r.url.pathname}`)).toEqual(['GET /fhir/metadata', 'GET /fhir/Patient']);
    expect(Object.fromEntries(fake!.requests[1].url.searchParams)).toEqual({ identifier: `${DEFAULT_NAM_SYSTEM}|`, _elements: 'identifier', _count: '200' });
    expect(entries).toEqual([{ nam: TREMBLAY }]);
  });

  test('asks a local-id source for every Patient', async () => {
    const source = await fakeFhir(() => ({ body: searchset([{ resourceType: 'Patient', id: 'TR-4007' }]) }), forges);

    const { entries } = await readRoster(roster(source));

    expect(form().has('identifier')).toBe(false);
    expect(entries).toEqual([{ localId: 'TR-4007' }]);
  });

  test('after the first read, asks for Patients changed since a minute before the cursor, so a write committed late is not lost', async () => {
    const source = await fakeFhir(() => ({ body: searchset([]) }));

    await readRoster(roster(source), '2026-11-24T15:00:00.000Z');

    expect(form().get('_lastUpdated')).toBe('gt2026-11-24T14:59:00.000Z');
  });

  test("takes the cursor from the server's clock, not ours, when the server is an hour off", async () => {
    const serverNow = new Date(Date.now() + 3_600_000);
    const source = await fakeFhir(() => ({ body: { ...searchset([]), meta: { lastUpdated: serverNow.toISOString() } }, date: serverNow }));

    const { cursor } = await readRoster(roster(source));

    expect(cursor).toBe(serverNow.toISOString());
  });

  test("takes the cursor from the server's Date header when its Bundle does not say when the search ran", async () => {
    const serverNow = new Date(Date.UTC(2026, 10, 24, 14, 30, 5));
    const source = await fakeFhir(() => ({ body: searchset([]), date: serverNow }));

    const { cursor } = await readRoster(roster(source));

    expect(cursor).toBe('2026-11-24T14:30:05.000Z');
  });

  test('falls back on our clock, moved back a quarter of an hour, when the server says nothing of its time', async () => {
    const source = await fakeFhir(() => ({ body: searchset([]), date: null }));

    const { cursor } = await readRoster(roster(source, { now: () => new Date('2026-11-24T15:00:00Z') }));

    expect(cursor).toBe('2026-11-24T14:45:00.000Z');
  });

  test('leaves out a Patient without a valid NAM in the source system, and logs only how many', async () => {
    const lines: string[] = [];
    const logger = createLogger('info', new Writable({ write: (chunk, _, done) => (lines.push(String(chunk)), done()) }));
    const otherSystem = { resourceType: 'Patient', id: '3', identifier: [{ system: 'https://ramq.example/autre', value: ROY }] };
    const source = await fakeFhir(() => ({
      body: searchset([namPatient('1', TREMBLAY), namPatient('2', 'TREM99999999'), otherSystem, namPatient('4', 'gagn 7158 0214')]),
    }));

    const { entries } = await readRoster(roster(source, { logger }));

    expect(entries).toEqual([{ nam: TREMBLAY }, { nam: GAGNON }]);
    expect(lines.map((line) => JSON.parse(line))).toEqual([expect.objectContaining({ source: plateau.id, skipped: 2 })]);
    expect(lines.join('')).not.toMatch(/TREM|ROYM|GAGN/);
  });

  test('refuses a next link to another host', async () => {
    const source = await fakeFhir(() => ({ body: searchset([namPatient('1', TREMBLAY)], 'https://ailleurs.example/fhir?_getpages=abc') }));

    const error = await readRoster(roster(source)).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'SourceError', failure: 'malformed' });
    expect(fake!.requests).toHaveLength(1);
  });

  test('fails a read that does not end within its page bound, rather than run forever', async () => {
    const source = await fakeFhir((n, origin) => ({ body: searchset([namPatient(String(n), TREMBLAY)], `${origin}/fhir?_getpages=x&page=${n + 1}`) }));

    const error = await readRoster(roster(source, { maxPages: 3 })).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'SourceError', failure: 'malformed' });
    expect(fake!.requests).toHaveLength(3);
  });

  test('a source that never answers a page fails the read as a timeout after the request timeout, not after the whole read', async () => {
    fake = await recordingServer(() => undefined);
    const started = Date.now();
    const error = await roster({ ...plateau, url: `${fake.url}/fhir` })
      .read({ signal: new AbortController().signal, requestTimeoutMs: 300, onPage: async () => undefined })
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'SourceError', failure: 'timeout' });
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  test('an answer that is not a searchset is a SourceError that does not quote it', async () => {
    const outcome = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception', diagnostics: `Patient ${TREMBLAY} Tremblay` }] };
    const source = await fakeFhir(() => ({ body: outcome }));

    const error = await readRoster(roster(source)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SourceError);
    expect(error).toMatchObject({ failure: 'malformed' });
    expect((error as Error).message).not.toMatch(/TREM|Tremblay/);
  });
});

describe('createRosterSources', () => {
  test('reads the roster of each pull source, but not of a push source nor of one set to rosterIntervalMs 0', () => {
    const sources = demoSources.map((s) => (s.id === 'clinic-mtl-east' ? { ...s, rosterIntervalMs: 0 } : s));

    const rosters = createRosterSources(sources);

    const pull = sources.filter((s) => s.protocol !== 'hl7v2-mllp' && s.id !== 'clinic-mtl-east').map((s) => s.id);
    expect(rosters.map((r) => r.source.id)).toEqual(pull);
    expect(pull).toEqual(expect.arrayContaining(['pharmacy-mtl-centre', 'pharmacy-trois-rivieres', 'pacs-mtl-centre-west']));
    expect(rosters.map((r) => r.source.id)).not.toContain('clinic-mtl-east');
    expect(rosters.map((r) => r.source.id)).not.toContain('lab-mtl-centre');
  });
});
