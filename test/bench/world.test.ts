import { createReadStream, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Bundle, MedicationDispense, Patient } from '@medplum/fhirtypes';
import { createDicomwebSources } from '../../adapters/dicomweb';
import { createDicomwebRoster } from '../../adapters/dicomweb/roster';
import { createFhirSources } from '../../adapters/fhir';
import { createFhirRoster } from '../../adapters/fhir/roster';
import type { RosterEntry, RosterSource } from '../../adapters/port';
import { runLoad, runPointToPoint } from '../../bench/load';
import { startWorld, type World, type WorldPerson } from '../../bench/world';
import { population } from '../../bench/world/population';
import { registryCsv } from '../../demo/people';
import { isValidNam } from '../../lib/nam';
import { DEFAULT_NAM_SYSTEM, parseSources, type SourceConfig } from '../../lib/sources';
import { DEFAULT_TIME_ZONE } from '../../lib/time';
import type { RecordKind } from '../../schema/records';
import { registryRows } from '../../subgraphs/patient-index/registry-file';
import { recordingServer } from '../support/recording-server';

/**
 * The bench's world (bench/world: simulated source systems in a process of their own) and its
 * load programs (bench/load), checked against the platform's own readers: the sources file
 * parser, the registry reader, the FHIR and DICOMweb adapters and roster readers.
 */
const SEED = 11;
const OPTIONS = { people: 2_000, pharmacies: 10, clinics: 7, pacs: 3, latency: [5, 40], seed: SEED };

let world: World;
let configs: SourceConfig[];
beforeAll(async () => {
  world = await startWorld(OPTIONS);
  configs = parseSources(JSON.parse(readFileSync(world.sourcesFile, 'utf8')), { timeZone: DEFAULT_TIME_ZONE });
}, 60_000);
afterAll(() => world?.stop());

const configOf = (id: string) => configs.find((c) => c.id === id)!;
const kindOf = (id: string) => id.replace(/-\d+$/, '');
const holders = (sourceId: string) => world.people().filter((p) => p.sources.some((s) => s.id === sourceId));
const ids = (records: unknown[] | undefined) => (records ?? []).map((r) => (r as { id?: string; studyInstanceUid?: string }).id ?? (r as { studyInstanceUid: string }).studyInstanceUid).sort();

/** Our adapter for one kind of record at one source. */
function adapter(sourceId: string, kind: RecordKind) {
  const config = configOf(sourceId);
  const sources = config.protocol === 'dicomweb' ? createDicomwebSources(config) : createFhirSources(config);
  return sources.find((s) => s.kind === kind)!;
}
const read = (sourceId: string, kind: RecordKind, people: readonly WorldPerson[]) =>
  adapter(sourceId, kind).fetch({ patients: people.map((p) => ({ nam: p.nam })), signal: AbortSignal.timeout(10_000) });

async function readRoster(roster: RosterSource, cursor?: string) {
  const pages: RosterEntry[][] = [];
  const result = await roster.read({ cursor, signal: AbortSignal.timeout(10_000), requestTimeoutMs: 5_000, onPage: async (entries) => void pages.push(entries) });
  return { ...result, entries: pages.flat() };
}

const postForm = async (url: string, form: [string, string][]) => {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
  return { status: response.status, body: (await response.json()) as Bundle & { issue?: unknown[] } };
};

describe('the world’s process', () => {
  test('runs apart from ours, and says so when it cannot start (its port taken) rather than hang', async () => {
    expect(world.pid).not.toBe(process.pid);
    expect(world.startMs).toBeGreaterThanOrEqual(world.buildMs);

    await expect(startWorld({ ...OPTIONS, port: Number(new URL(world.url).port) })).rejects.toThrow('the world exited before answering (code 1)');
  }, 30_000);
});

describe('the files the world writes', () => {
  test('a sources file the platform accepts: every source at the world, ids by kind, over Montréal’s six areas and Mauricie', () => {
    expect(configs).toHaveLength(20);
    expect(configs.map((c) => c.id).slice(0, 2)).toEqual(['pharmacy-0001', 'pharmacy-0002']);
    expect(configs.filter((c) => c.domain === 'MEDICATIONS' && c.protocol === 'fhir-r4')).toHaveLength(10);
    expect(configs.filter((c) => c.domain === 'CLINICAL' && c.protocol === 'fhir-r4')).toHaveLength(7);
    expect(configs.filter((c) => c.domain === 'IMAGING' && c.protocol === 'dicomweb')).toHaveLength(3);
    expect(configs.every((c) => c.url!.startsWith(`${world.url}/${c.id}/`) && c.patientId === 'nam' && c.namSystem === DEFAULT_NAM_SYSTEM)).toBe(true);
    expect(new Set(configs.map((c) => `${c.region}/${c.area}`))).toEqual(
      new Set(['Montréal/Centre', 'Montréal/East', 'Montréal/North', 'Montréal/South-west', 'Montréal/Centre-west', 'Montréal/West', 'Mauricie/Trois-Rivières']),
    );
  });

  test('a registry the patient index accepts: one row per person, every NAM valid and distinct', async () => {
    const nams: string[] = [];
    for await (const row of registryRows(createReadStream(world.registryFile))) {
      expect('problem' in row ? row.problem : undefined).toBeUndefined();
      if ('person' in row) nams.push(row.person.nam);
    }
    expect(nams).toHaveLength(2_000);
    expect(new Set(nams).size).toBe(2_000);
    expect(nams.every(isValidNam)).toBe(true);
    expect(world.people().map((p) => p.nam)).toEqual(nams);
  });

  test('the same seed makes the same people in any process; another seed, others', () => {
    expect(readFileSync(world.registryFile, 'utf8')).toBe(registryCsv(population(2_000, SEED)));
    expect(registryCsv(population(2_000, SEED + 1))).not.toBe(registryCsv(population(2_000, SEED)));
  });
});

describe('who holds whom', () => {
  test('every person at one to three sources, pharmacies most often, then clinics, then PACS; a few at none', () => {
    const people = world.people();
    const share = (kind: string) => people.filter((p) => p.sources.some((s) => kindOf(s.id) === kind)).length / people.length;

    expect(people.every((p) => p.sources.length <= 3 && new Set(p.sources.map((s) => s.id)).size === p.sources.length)).toBe(true);
    const none = people.filter((p) => p.sources.length === 0).length;
    expect(none).toBeGreaterThan(0);
    expect(none).toBeLessThan(people.length * 0.05);
    expect(share('pharmacy')).toBeGreaterThan(share('clinic'));
    expect(share('clinic')).toBeGreaterThan(share('pacs'));
    expect(share('pacs')).toBeGreaterThan(0.1);
    expect(people.some((p) => new Set(p.sources.map((s) => kindOf(s.id))).size === 3)).toBe(true);
  });
});

describe('what our adapters read from it', () => {
  test('each person’s records, exactly as the world says, through adapters/fhir and adapters/dicomweb; nothing where they are not held', async () => {
    const people = world.people();
    const sample = [...people.filter((p) => p.sources.length > 0).slice(0, 24), people.find((p) => p.sources.length === 0)!, people.find((p) => p.sources.length === 3)!];
    let records = 0;
    for (const person of sample) {
      const expected = await world.expected(person.nam);
      expect(expected.map((e) => e.source).filter((id, i, all) => all.indexOf(id) === i)).toEqual(person.sources.map((s) => s.id));
      await Promise.all(
        expected.map(async ({ source, kind, ids: expectedIds }) => {
          const found = await read(source, kind, [person]);
          expect({ source, kind, ids: ids(found.get(person.nam)) }).toEqual({ source, kind, ids: expectedIds });
          records += expectedIds.length;
        }),
      );
      const elsewhere = ['pharmacy', 'clinic', 'pacs'].map((kind) => configs.find((c) => kindOf(c.id) === kind && !person.sources.some((s) => s.id === c.id))!);
      for (const config of elsewhere) {
        const kind = config.protocol === 'dicomweb' ? 'imagingStudies' : config.domain === 'CLINICAL' ? 'encounters' : 'medications';
        expect((await read(config.id, kind, [person])).size).toBe(0);
      }
    }
    expect(records).toBeGreaterThan(100);
  }, 30_000);

  test('fifty people of a pharmacy in one search, across several pages: every dispense once', async () => {
    const pharmacy = configs.filter((c) => kindOf(c.id) === 'pharmacy').sort((a, b) => holders(b.id).length - holders(a.id).length)[0];
    const fifty = holders(pharmacy.id).slice(0, 50);
    const expected = (await Promise.all(fifty.map((p) => world.expected(p.nam)))).map((list) => list.find((e) => e.source === pharmacy.id)!.ids);
    await world.resetStats();

    const found = await read(pharmacy.id, 'medications', fifty);

    expect(fifty.map((p) => ids(found.get(p.nam)))).toEqual(expected);
    const dispenses = expected.flat().length;
    expect(dispenses).toBeGreaterThan(100);
    // One search of pages of 100 (the CapabilityStatement read by these fresh adapters is not a view's search).
    expect((await world.stats())[pharmacy.id]).toBe(Math.ceil(dispenses / 100));
  });

  test('a date bound narrows a pharmacy’s answer to the dispenses handed over on or after it', async () => {
    const pharmacy = configOf('pharmacy-0001');
    const person = holders(pharmacy.id)[0];
    const search = (extra: [string, string][]) =>
      postForm(`${pharmacy.url}/MedicationDispense/_search`, [['patient.identifier', `${DEFAULT_NAM_SYSTEM}|${person.nam}`], ...extra, ['_count', '100']]);
    const dates = (bundle: Bundle) => (bundle.entry ?? []).map((e) => (e.resource as MedicationDispense).whenHandedOver!.slice(0, 10)).sort();

    const all = dates((await search([])).body);
    const middle = all[Math.floor(all.length / 2)];
    const recent = dates((await search([['whenhandedover', `ge${middle}`]])).body);

    expect(recent).toEqual(all.filter((day) => day >= middle));
    expect(recent.length).toBeLessThanOrEqual(all.length);
    expect(recent.length).toBeGreaterThan(0);
  });

  test('refuses a search parameter it does not know, as HAPI FHIR does, rather than answer for everyone', async () => {
    const person = holders('pharmacy-0001')[0];
    const answer = await postForm(`${configOf('pharmacy-0001').url}/MedicationDispense/_search`, [['patient.identifier', `${DEFAULT_NAM_SYSTEM}|${person.nam}`], ['performer', 'x']]);

    expect(answer.status).toBe(400);
    expect(answer.body.resourceType).toBe('OperationOutcome');
  });
});

describe('the rosters the record locator reads', () => {
  test('a FHIR source lists everyone it holds, page by page, and nobody when read again from its cursor', async () => {
    const clinic = configOf('clinic-0001');
    const roster = createFhirRoster(clinic, { pageSize: 40 });

    const first = await readRoster(roster);
    const again = await readRoster(roster, first.cursor);

    const held = holders(clinic.id).map((p) => p.nam);
    expect(first.entries.map((e) => e.nam).sort()).toEqual([...held].sort());
    expect(first.pages).toBe(Math.ceil(held.length / 40));
    expect(again).toMatchObject({ people: 0, entries: [] });
  });

  test('a PACS lists the patients of all its studies without a Patient ID key, and nobody from its cursor on', async () => {
    const pacs = configOf('pacs-0001');
    const roster = createDicomwebRoster(pacs, { pageSize: 25 });

    const first = await readRoster(roster);
    const again = await readRoster(roster, first.cursor);

    const held = holders(pacs.id).map((p) => p.nam);
    expect([...new Set(first.entries.map((e) => e.nam))].sort()).toEqual([...held].sort());
    expect(first.pages).toBeGreaterThan(1);
    expect(again).toMatchObject({ people: 0, entries: [] });
  });

  test('Patients carry meta.lastUpdated, and every searchset carries the server’s now', async () => {
    const before = Date.now();
    const { body } = await postForm(`${configOf('pharmacy-0002').url}/Patient/_search`, [['identifier', `${DEFAULT_NAM_SYSTEM}|`], ['_count', '5']]);

    expect(Date.parse(body.meta!.lastUpdated!)).toBeGreaterThanOrEqual(before - 1000);
    expect(body.entry!.every((e) => Date.parse((e.resource as Patient).meta!.lastUpdated!) < before)).toBe(true);
    expect(body.link!.some((l) => l.relation === 'next')).toBe(true);
  });
});

describe('latency and counting', () => {
  const slow = () => configs.find((c) => world.latencyMsOf(c.id) === 40)!;

  test('a 40 ms source answers in no less than 40 ms, and twenty requests at once in about that, not twenty times it', async () => {
    const metadata = () => fetch(`${slow().url}/metadata`).then((r) => r.json());
    const started = performance.now();
    await metadata();
    expect(performance.now() - started).toBeGreaterThanOrEqual(40);

    const together = performance.now();
    const times = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const at = performance.now();
        await metadata();
        return performance.now() - at;
      }),
    );
    expect(Math.min(...times)).toBeGreaterThanOrEqual(40);
    expect(performance.now() - together).toBeLessThan(400);
  });

  test('a latency set while it runs applies to the next answers', async () => {
    const source = configOf('pharmacy-0001');
    await world.setLatency(60);
    try {
      const started = performance.now();
      await fetch(`${source.url}/metadata`).then((r) => r.json());
      expect(performance.now() - started).toBeGreaterThanOrEqual(60);
      expect(world.latencyMsOf(source.id)).toBe(60);
    } finally {
      await world.setLatency(OPTIONS.latency);
    }
  });

  test('counts the searches a view sends per source until reset, and no other source’s; not a roster read nor a CapabilityStatement read', async () => {
    await world.resetStats();
    for (let i = 0; i < 3; i++) await fetch(`${configOf('clinic-0002').url}/Condition?_count=1`).then((r) => r.json());
    await fetch(`${configOf('pacs-0002').url}/studies?PatientID=${world.people()[0].nam}&limit=1`).then((r) => r.text());
    // What the roster reader and the CapabilityStatement cache send, on their own schedule.
    await fetch(`${configOf('clinic-0002').url}/metadata`).then((r) => r.json());
    await fetch(`${configOf('clinic-0002').url}/Patient?_count=1`).then((r) => r.json());
    await fetch(`${configOf('pacs-0002').url}/studies?limit=1`).then((r) => r.json());

    const stats = await world.stats();
    expect(stats['clinic-0002']).toBe(3);
    expect(stats['pacs-0002']).toBe(1);
    expect(Object.values(stats).reduce((a, b) => a + b, 0)).toBe(4);

    await world.resetStats();
    expect(Object.values(await world.stats()).every((n) => n === 0)).toBe(true);
  });
});

describe('the load programs', () => {
  test('runLoad drives a closed loop against a FHIR source and measures it', async () => {
    const pharmacy = configs.find((c) => kindOf(c.id) === 'pharmacy' && world.latencyMsOf(c.id) === 5)!;
    const items = holders(pharmacy.id).map((p) => ({
      body: new URLSearchParams([['patient.identifier', `${DEFAULT_NAM_SYSTEM}|${p.nam}`], ['_include', 'MedicationDispense:patient'], ['_count', '100']]).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/fhir+json' },
    }));
    await world.resetStats();

    const result = await runLoad({ url: `${pharmacy.url}/MedicationDispense/_search`, items, concurrency: 4, warmupMs: 300, durationMs: 1_500 });

    expect(result).toMatchObject({ httpErrors: 0, graphqlErrors: 0, errorCodes: {}, concurrency: 4, windowMs: 1_500 });
    expect(result.requests).toBeGreaterThan(50);
    expect(result.perSecond).toBeCloseTo(result.requests / 1.5, 0);
    // Four clients on a 5 ms source: at most 800 answers a second.
    expect(result.perSecond).toBeLessThanOrEqual(800);
    const { p50, p95, p99, max, mean } = result.latencyMs;
    expect(p50).toBeGreaterThanOrEqual(5);
    expect(p50 <= p95 && p95 <= p99 && p99 <= max && mean <= max).toBe(true);
    expect((await world.stats())[pharmacy.id]).toBeGreaterThanOrEqual(result.requests);
  }, 30_000);

  test('runLoad counts HTTP errors and GraphQL error codes, and carries no value of an answer', async () => {
    const answers: Record<string, [number, unknown]> = {
      ok: [200, { data: { patient: null } }],
      refused: [200, { data: null, errors: [{ message: 'no', extensions: { code: 'RECORD_REFUSED' } }] }],
      leaky: [200, { errors: [{ message: 'x', extensions: { code: 'TREM75561212 Tremblay' } }, { message: 'y' }] }],
      down: [503, { error: 'unavailable' }],
    };
    const server = await recordingServer((request, response) => {
      const [status, body] = answers[JSON.parse(request.body).answer];
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    try {
      const items = Object.keys(answers).map((answer) => ({ body: JSON.stringify({ answer }), headers: { 'content-type': 'application/json' } }));

      const result = await runLoad({ url: `${server.url}/graphql`, items, concurrency: 2, warmupMs: 200, durationMs: 800 });

      expect(result.requests).toBeGreaterThan(40);
      expect(result.graphqlErrors / result.requests).toBeCloseTo(0.5, 1);
      expect(result.errorCodes.RECORD_REFUSED).toBeGreaterThan(0);
      expect(result.errorCodes.OTHER).toBe(result.errorCodes.NO_CODE);
      expect(result.httpErrors).toBe(result.httpStatuses['503']);
      expect(result.httpErrors / result.requests).toBeCloseTo(0.25, 1);
      expect(JSON.stringify(result)).not.toMatch(/TREM|Tremblay/);
    } finally {
      await server.close();
    }
  }, 30_000);

  test('runPointToPoint reads a person source after source, with every search our adapters would send', async () => {
    const person = world.people().find((p) => p.sources.length === 2 && p.sources.some((s) => s.domain === 'MEDICATIONS') && p.sources.some((s) => s.domain === 'CLINICAL'))!;
    const [pharmacy, clinic] = [person.sources.find((s) => s.domain === 'MEDICATIONS')!, person.sources.find((s) => s.domain === 'CLINICAL')!];
    await world.resetStats();

    const result = await runPointToPoint({ people: [person], concurrency: 2, warmupMs: 200, durationMs: 1_000 });

    expect(result).toMatchObject({ httpErrors: 0, graphqlErrors: 0 });
    expect(result.requests).toBeGreaterThan(0);
    // One view: the pharmacy's search, then the clinic's four, one after another.
    expect(result.latencyMs.p50).toBeGreaterThanOrEqual(world.latencyMsOf(pharmacy.id) + 4 * world.latencyMsOf(clinic.id));
    const stats = await world.stats();
    expect(stats[pharmacy.id]).toBeGreaterThanOrEqual(result.requests);
    expect(stats[clinic.id]).toBe(4 * stats[pharmacy.id]);
    expect(Object.values(stats).reduce((a, b) => a + b, 0)).toBe(5 * stats[pharmacy.id]);
  }, 30_000);

  test("runPointToPoint with allAtOnce sends every search of the view together: a view takes its slowest source's time, not the sum", async () => {
    // Both sources at 40 ms: one after the other would take 200 ms (five searches), together about 40.
    const person = world.people().find((p) => p.sources.length === 2 && p.sources.every((s) => world.latencyMsOf(s.id) === 40) && p.sources.some((s) => s.domain === 'MEDICATIONS') && p.sources.some((s) => s.domain === 'CLINICAL'))!;
    const [pharmacy, clinic] = [person.sources.find((s) => s.domain === 'MEDICATIONS')!, person.sources.find((s) => s.domain === 'CLINICAL')!];
    const slowest = 40;
    await world.resetStats();

    const result = await runPointToPoint({ people: [person], allAtOnce: true, concurrency: 2, warmupMs: 200, durationMs: 1_000 });

    expect(result).toMatchObject({ httpErrors: 0, graphqlErrors: 0 });
    expect(result.latencyMs.p50).toBeGreaterThanOrEqual(slowest);
    // The same five searches a view sends, in less than the time of two of them one after the other.
    expect(result.latencyMs.p50).toBeLessThan(2 * slowest);
    const stats = await world.stats();
    expect(stats[clinic.id]).toBe(4 * stats[pharmacy.id]);
    expect(Object.values(stats).reduce((a, b) => a + b, 0)).toBe(5 * stats[pharmacy.id]);
  }, 30_000);
});
