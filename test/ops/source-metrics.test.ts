import { Writable } from 'node:stream';
import { SourceError, type RecordSource } from '../../adapters/port';
import { offAnswers } from '../../cache/answer-cache';
import { createLogger } from '../../lib/logger';
import type { SourceConfig } from '../../lib/sources';
import { Metrics } from '../../ops/metrics';
import { askSources, type AskDeps } from '../../subgraphs/ask-sources';
import { SourceGuards } from '../../subgraphs/source-guard';
import { valueOf } from './support/scrape';

/** What the domain subgraphs tell their metrics as they ask the sources (subgraphs/ask-sources.ts). */
const silent = createLogger('fatal', new Writable({ write: (_c, _e, done) => done() }));
const configOf = (id: string) => ({ id, name: id, domain: 'MEDICATIONS', protocol: 'fhir-r4', patientId: 'nam', namSystem: 'x', timeZone: 'America/Montreal' }) as SourceConfig;
const answering = (id: string): RecordSource<'medications'> => ({ source: configOf(id), kind: 'medications', fetch: async () => new Map([['TREM75561212', []]]) });
const failing = (id: string): RecordSource<'medications'> => ({ source: configOf(id), kind: 'medications', fetch: async () => Promise.reject(new SourceError('http-status', 'TREM75561212 answered 500')) });
const person = { nam: 'TREM75561212', locations: new Map(), allSources: true };

function depsWith(metrics: Metrics): AskDeps {
  return {
    guards: new SourceGuards({ timeoutMs: 500, failuresBeforeOpen: 1, halfOpenAfterMs: 60_000, onCircuit: (id, open) => metrics.circuitChanged(id, open) }),
    logger: silent,
    coverage: { of: () => ({ covered: false }), among: (sources) => ({ byId: new Map(sources.map((s) => [s.source.id, s] as const)), uncovered: sources }) },
    cache: offAnswers(),
    cacheTtlMsOf: () => 30_000,
    observer: metrics,
  };
}

describe('asking the sources feeds the metrics', () => {
  test('an answering source is timed as OK, a failing one as UNAVAILABLE with its failure', async () => {
    const metrics = new Metrics({ service: 'pharmacy' });
    await askSources([answering('pharm-ok'), failing('pharm-ko')], [person], undefined, depsWith(metrics));
    const text = (await metrics.scrape()).body;
    expect(valueOf(text, 'qhr_source_request_duration_seconds_count', { source: 'pharm-ok', state: 'OK' })).toBe(1);
    expect(valueOf(text, 'qhr_source_answers_total', { source: 'pharm-ko', state: 'UNAVAILABLE', failure: 'http-status' })).toBe(1);
  });

  test('a source whose circuit opened is counted circuit-open and its gauge says 1', async () => {
    const metrics = new Metrics({ service: 'pharmacy' });
    const deps = depsWith(metrics);
    await askSources([failing('pharm-ko')], [person], undefined, deps);
    await askSources([failing('pharm-ko')], [person], undefined, deps);
    const text = (await metrics.scrape()).body;
    expect(valueOf(text, 'qhr_source_answers_total', { source: 'pharm-ko', failure: 'circuit-open' })).toBe(1);
    expect(valueOf(text, 'qhr_source_circuit_open', { source: 'pharm-ko' })).toBe(1);
  });

  test('each cache read is counted per person: a miss for everyone the cache does not hold', async () => {
    const metrics = new Metrics({ service: 'pharmacy' });
    await askSources([answering('pharm-ok')], [person], undefined, depsWith(metrics));
    expect(valueOf((await metrics.scrape()).body, 'qhr_answer_cache_lookups_total', { kind: 'medications', result: 'miss' })).toBe(1);
  });

  test('nothing a source said, and no NAM, reaches the scrape', async () => {
    const metrics = new Metrics({ service: 'pharmacy' });
    await askSources([answering('pharm-ok'), failing('pharm-ko')], [person], undefined, depsWith(metrics));
    expect((await metrics.scrape()).body).not.toMatch(/[A-Z]{4}\d{8}|answered 500/);
  });
});
