import { Writable } from 'node:stream';
import type { RecordSource } from '../../adapters/port';
import { createLogger } from '../../lib/logger';
import type { SourceConfig } from '../../lib/sources';
import { prepareSources } from '../../subgraphs/prepare-sources';

/** 800 pharmacies whose servers take a moment to describe themselves; counts how many are read at once. */
function province(count: number) {
  let inFlight = 0;
  let most = 0;
  const prepared: string[] = [];
  const sources = Array.from({ length: count }, (_, i): RecordSource => {
    const source = { id: `pharmacy-${i}`, name: `Pharmacie ${i}`, domain: 'MEDICATIONS', protocol: 'fhir-r4' } as SourceConfig;
    return {
      source,
      kind: 'medications',
      fetch: async () => new Map(),
      prepare: async () => {
        most = Math.max(most, ++inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight--;
        prepared.push(source.id);
      },
    };
  });
  return { sources, prepared, most: () => most };
}

const quietLogger = () => {
  const lines: string[] = [];
  return { lines, logger: createLogger('info', new Writable({ write: (chunk, _, done) => (lines.push(String(chunk)), done()) })) };
};

test("every connected source's server is read once, a few at a time, not all 800 in the same instant", async () => {
  const { sources, prepared, most } = province(800);
  const { logger } = quietLogger();

  await prepareSources(sources, { concurrency: 16, logger, signal: new AbortController().signal });

  expect(new Set(prepared).size).toBe(800);
  expect(prepared).toHaveLength(800);
  expect(most()).toBe(16);
});

test('a service that stops stops reading servers', async () => {
  const { sources, prepared } = province(100);
  const stopping = new AbortController();
  stopping.abort();

  await prepareSources(sources, { concurrency: 4, logger: quietLogger().logger, signal: stopping.signal });

  expect(prepared).toEqual([]);
});

test('the progress lines count sources and say how long it took, naming no source and no person', async () => {
  const { sources } = province(20);
  const { lines, logger } = quietLogger();

  await prepareSources(sources, { concurrency: 4, logger, signal: new AbortController().signal });

  expect(lines.map((line) => JSON.parse(line))).toEqual([
    expect.objectContaining({ sources: 20, msg: 'preparing sources before views ask them' }),
    expect.objectContaining({ sources: 20, ms: expect.any(Number), msg: 'sources prepared' }),
  ]);
  expect(lines.join('')).not.toContain('pharmacy-');
});

test('sources without anything to learn beforehand (an HL7 feed, a PACS) cost nothing and log nothing', async () => {
  const { lines, logger } = quietLogger();
  const source = { source: { id: 'lab-mtl-centre' } as SourceConfig, kind: 'labResults', fetch: async () => new Map() } as RecordSource;

  expect(await prepareSources([source], { concurrency: 4, logger, signal: new AbortController().signal })).toBe(0);
  expect(lines).toEqual([]);
});
