import { Writable } from 'node:stream';
import type { RosterEntry, RosterRequest, RosterSource } from '../../adapters/port';
import { createLogger } from '../../lib/logger';
import { DEFAULT_NAM_SYSTEM, type SourceConfig } from '../../lib/sources';
import { coverageOf, CoverageView } from '../../locator/coverage';
import { XrefStore } from '../../locator/cross-reference';
import { RecordLocator } from '../../locator/record-locator';
import { RosterReads } from '../../locator/roster-reads';
import { openTestDb } from '../support/db';

const TREMBLAY = 'TREM75561212';
const GAGNON = 'GAGN80010112';
const ROY = 'ROYJ44541911';

const source = (id: string, patientId: 'nam' | 'local' = 'nam', extra: Partial<SourceConfig> = {}): SourceConfig => ({
  id,
  name: id,
  domain: 'MEDICATIONS',
  protocol: 'fhir-r4',
  url: `http://127.0.0.1:1/${id}/fhir`,
  patientId,
  namSystem: DEFAULT_NAM_SYSTEM,
  timeZone: 'America/Montreal',
  ...extra,
});

/** A roster answering what `pages` says for each read (the read's index), recording the cursors it was given. */
function fakeRoster(config: SourceConfig, pages: (read: number) => RosterEntry[][], options: { cursorOf?: (read: number) => string; fail?: (read: number) => boolean; hold?: Promise<void> } = {}) {
  const cursors: (string | undefined)[] = [];
  const roster: RosterSource & { cursors: typeof cursors } = {
    source: config,
    cursors,
    async read(request: RosterRequest) {
      const read = cursors.push(request.cursor) - 1;
      await options.hold;
      if (options.fail?.(read)) throw Object.assign(new Error('no'), { failure: 'timeout' });
      let people = 0;
      for (const page of pages(read)) {
        people += page.length;
        await request.onPage(page);
      }
      return { cursor: options.cursorOf?.(read) ?? `cursor-${read + 1}`, people, pages: pages(read).length };
    },
  };
  return roster;
}

const silent = createLogger('silent', new Writable({ write: (_c, _e, done) => done() }));

let db: Awaited<ReturnType<typeof openTestDb>>;
let locator: RecordLocator;
let xref: XrefStore;
beforeEach(async () => {
  db = await openTestDb('roster_reads');
  locator = new RecordLocator(db);
  xref = new XrefStore(db);
  await xref.migrate();
  await locator.migrate();
});
afterEach(() => db.drop());

const reads = (rosters: RosterSource[], extra: Partial<ConstructorParameters<typeof RosterReads>[0]> = {}) =>
  new RosterReads({ rosters, locator, xref, logger: silent, defaultIntervalMs: 60_000, defaultTimeoutMs: 1_000, ...extra });

describe('the roster reads that feed the record locator', () => {
  test('what a pharmacy lists by NAM is located at that pharmacy', async () => {
    const roster = fakeRoster(source('pharmacy-a'), () => [[{ nam: TREMBLAY }], [{ nam: GAGNON }]]);
    await reads([roster]).readOnce(roster);
    const holders = await locator.holdersOf([TREMBLAY, GAGNON, ROY]);
    expect(Object.fromEntries(holders)).toEqual({ [TREMBLAY]: ['pharmacy-a'], [GAGNON]: ['pharmacy-a'] });
  });

  test('a pharmacy listing its own ids locates the people the cross-reference links them to, and a NAM given beside an id links them', async () => {
    await xref.linkMany([{ sourceId: 'pharmacy-local', localId: 'TR-1', nam: TREMBLAY }], 'import');
    const roster = fakeRoster(source('pharmacy-local', 'local'), () => [[{ localId: 'TR-1' }, { localId: 'TR-2', nam: GAGNON }, { localId: 'TR-3' }]]);
    await reads([roster]).readOnce(roster);
    expect(Object.fromEntries(await locator.holdersOf([TREMBLAY, GAGNON]))).toEqual({ [TREMBLAY]: ['pharmacy-local'], [GAGNON]: ['pharmacy-local'] });
    expect(await xref.namFor('pharmacy-local', 'TR-2')).toBe(GAGNON);
    expect(Object.fromEntries(await locator.locationsOf([GAGNON]))).toEqual({ [GAGNON]: [{ source: 'pharmacy-local', localId: 'TR-2' }] });
  });

  test('the first read is complete, the next ones start where the last one ended', async () => {
    const roster = fakeRoster(source('pharmacy-a'), () => [[{ nam: TREMBLAY }]]);
    const scheduler = reads([roster], { defaultIntervalMs: 1 });
    await scheduler.readOnce(roster);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await scheduler.readOnce(roster);
    expect(roster.cursors).toEqual([undefined, 'cursor-1']);
  });

  test('a source is not read again before its interval, even by another roster reader', async () => {
    const roster = fakeRoster(source('pharmacy-a'), () => [[{ nam: TREMBLAY }]]);
    await reads([roster]).readOnce(roster);
    await reads([roster]).readOnce(roster);
    expect(roster.cursors).toHaveLength(1);
  });

  test('two roster readers never read one source at the same time', async () => {
    let release!: () => void;
    const hold = new Promise<void>((resolve) => (release = resolve));
    const roster = fakeRoster(source('pharmacy-a'), () => [[{ nam: TREMBLAY }]], { hold });
    const first = reads([roster], { defaultIntervalMs: 0 }).readOnce(roster);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await reads([roster], { defaultIntervalMs: 0 }).readOnce(roster);
    release();
    await first;
    expect(roster.cursors).toHaveLength(1);
  });

  test('with more sources than one round of reads, every source is read before any is read again, without waiting for the next tick', async () => {
    const order: string[] = [];
    const rosters = Array.from({ length: 12 }, (_, i) => {
      const roster = fakeRoster(source(`pharmacy-${String(i).padStart(2, '0')}`), () => [[{ nam: TREMBLAY }]]);
      const read = roster.read.bind(roster);
      roster.read = async (request) => {
        order.push(roster.source.id);
        await new Promise((resolve) => setTimeout(resolve, 10));
        return read(request);
      };
      return roster;
    });
    // Two at a time, every source due again at once, and a tick that never comes while the test runs.
    const scheduler = reads(rosters, { concurrency: 2, defaultIntervalMs: 0, tickMs: 600_000 });
    scheduler.start();
    // Generous: each read writes to PostgreSQL, slow on a loaded machine; the loop ends at the twelfth read.
    const deadline = Date.now() + 25_000;
    while (order.length < 12 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await scheduler.stop();
    expect(new Set(order.slice(0, 12)).size).toBe(12);
  });

  test('a failed read is counted and leaves the cursor where it was', async () => {
    const roster = fakeRoster(source('pharmacy-a'), () => [[{ nam: TREMBLAY }]], { fail: (read) => read === 1 });
    const scheduler = reads([roster], { defaultIntervalMs: 1 });
    await scheduler.readOnce(roster);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await scheduler.readOnce(roster);
    expect((await locator.rosterStates()).get('pharmacy-a')).toMatchObject({ cursor: 'cursor-1', failures: 1 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await scheduler.readOnce(roster);
    expect(roster.cursors).toEqual([undefined, 'cursor-1', 'cursor-1']);
    expect((await locator.rosterStates()).get('pharmacy-a')).toMatchObject({ cursor: 'cursor-3', failures: 0 });
  });

  test("people who changed at a source since the last read lose that source's cached answers; the first, complete read invalidates nothing", async () => {
    const invalidated: [string, string[]][] = [];
    const roster = fakeRoster(source('pharmacy-a'), (read) => (read === 0 ? [[{ nam: TREMBLAY }, { nam: GAGNON }]] : [[{ nam: GAGNON }]]));
    const scheduler = reads([roster], { defaultIntervalMs: 1, invalidation: { invalidate: async (sourceId, nams) => void invalidated.push([sourceId, [...nams]]) } });
    await scheduler.readOnce(roster);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await scheduler.readOnce(roster);
    expect(invalidated).toEqual([['pharmacy-a', [GAGNON]]]);
  });
});

describe('which sources the locator can vouch for', () => {
  const now = Date.parse('2026-11-24T12:00:00Z');
  const read = (msAgo: number) => ({ sourceId: 'x', readAt: new Date(now - msAgo), completeAt: new Date(now - msAgo), failures: 0 });

  test('a pull source is covered once its roster was read completely, and while that read is recent', () => {
    expect(coverageOf(source('p'), undefined, 60_000, now).covered).toBe(false);
    expect(coverageOf(source('p'), read(1_000), 60_000, now)).toEqual({ covered: true, readAt: new Date(now - 1_000) });
  });

  test('a pull source whose reads keep failing is asked again by every view after five intervals (five minutes at least)', () => {
    expect(coverageOf(source('p'), read(4 * 60_000), 60_000, now).covered).toBe(true);
    expect(coverageOf(source('p'), read(6 * 60_000), 60_000, now).covered).toBe(false);
    expect(coverageOf(source('p', 'nam', { rosterIntervalMs: 600_000 }), read(40 * 60_000), 60_000, now).covered).toBe(true);
  });

  test('a source whose roster the locator never reads (rosterIntervalMs 0) is never covered', () => {
    expect(coverageOf(source('p', 'nam', { rosterIntervalMs: 0 }), read(1_000), 60_000, now).covered).toBe(false);
  });

  test('a laboratory that pushes its results is covered once what it sent before the locator was located', () => {
    const lab = source('lab', 'nam', { protocol: 'hl7v2-mllp', domain: 'LAB_RESULTS', url: undefined });
    expect(coverageOf(lab, undefined, 60_000, now).covered).toBe(false);
    expect(coverageOf(lab, { sourceId: 'lab', completeAt: new Date(0), failures: 0 }, 60_000, now)).toEqual({ covered: true });
  });
});

describe('the coverage snapshot a view plans its asks from', () => {
  const silent = createLogger('silent');
  const states = (entries: [string, Date | undefined][]) =>
    new Map(entries.map(([id, at]) => [id, { sourceId: id, readAt: at, completeAt: at, failures: 0 }]));

  test('names the sources it cannot vouch for, worked out once per snapshot and shared by every view until the next', async () => {
    let snapshot = states([['a', new Date()], ['b', undefined]]);
    const view = new CoverageView({ locator: { rosterStates: async () => snapshot }, defaultIntervalMs: 60_000, logger: silent }, 60_000);
    await view.start();
    try {
      const sources = [{ source: source('a') }, { source: source('b') }, { source: source('c') }];
      const glance = view.among(sources);
      expect(glance.uncovered.map((s) => s.source.id)).toEqual(['b', 'c']);
      expect(glance.byId.get('a')).toBe(sources[0]);
      expect(view.among(sources)).toBe(glance);
      // The next snapshot: b and c were read, a's roster was never complete.
      snapshot = states([['a', undefined], ['b', new Date()], ['c', new Date()]]);
      await (view as unknown as { refresh(): Promise<void> }).refresh();
      expect(view.among(sources).uncovered.map((s) => s.source.id)).toEqual(['a']);
    } finally {
      view.stop();
    }
  });
});

