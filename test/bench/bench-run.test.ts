import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * `npm run bench` at reduced size (--quick): every scenario runs, in processes of its own, and
 * writes its figures. CI does not run the full bench; this proves its plumbing and the correctness
 * checks its figures rest on. Needs PostgreSQL and Redis: the services run apart.
 */
const ROOT = join(__dirname, '..', '..');
const withServers = process.env.DATABASE_URL && process.env.REDIS_URL ? test : test.skip;
const dir = mkdtempSync(join(tmpdir(), 'qhr-bench-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FIGURES = [
  'view_p50_above_slowest_source',
  'view_p95_above_slowest_source',
  'view_speedup_vs_point_to_point',
  'rps_ours_cold',
  'rps_ours_warm',
  'rps_apollo_gateway',
  'rps_hive_gateway',
  'warm_vs_apollo_gateway',
  'warm_vs_hive_gateway',
  'cold_vs_apollo_gateway',
  'gateway_peak_rss',
  'panel_fhir_requests_per_source_and_type',
  'panel_pacs_requests_per_person',
  'scale_10_sources_requests_vs_holders',
  'scale_p50_64_vs_10_sources',
  'lab_ingestion',
];

withServers('the bench runs every scenario at reduced size and writes its figures, each with a target and a verdict', async () => {
  const out = join(dir, 'results.json');
  const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', '--out', out], { cwd: ROOT, env: process.env, timeout: 300_000, maxBuffer: 10_000_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
    );
  });
  // Exit 1 is a missed target (at reduced size, on a busy machine, expected); no results file is a failure.
  expect(existsSync(out)).toBe(true);
  expect([0, 1]).toContain(run.code);
  const results = JSON.parse(readFileSync(out, 'utf8'));
  for (const name of FIGURES) expect(results.figures[name]).toEqual(expect.objectContaining({ value: expect.any(Number), unit: expect.any(String), target: expect.any(String), ok: expect.any(Boolean) }));
  // The correctness the figures rest on holds at any size: only holders asked, one search per type, nothing lost.
  expect(results.figures.panel_fhir_requests_per_source_and_type.value).toBe(1);
  // Only holders are asked: 1. A little above on a loaded CI machine is the fail-safe working, not
  // a leak of requests: a source whose roster read runs late is one the locator cannot vouch for
  // (NOT_COVERED), so it is asked about everyone until its read is done.
  for (const n of [10, 20, 64]) expect(results.figures[`scale_${n}_sources_requests_vs_holders`].value).toBeLessThanOrEqual(1.1);
  expect(results.figures.lab_ingestion.ok || results.figures.lab_ingestion.note.endsWith('exactly once: true')).toBe(true);
  expect(existsSync(out.replace(/\.json$/, '.svg'))).toBe(true);
  expect(run.stdout + run.stderr).not.toMatch(/[A-Z]{4}\d{8}/);
}, 320_000);
