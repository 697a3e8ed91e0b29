import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { demoPatientIdOf, startDemoFhirServer, type DemoFhirServer } from '../../demo/fhir-server';
import { demoPeople } from '../../demo/people';
import { DEMO_SOURCES } from './demo-harnesses';

/** `npm run conformance`: an integrator's run against a source of their sources file, as a live source. */
const run = promisify(execFile);
const root = join(__dirname, '..', '..');
const people = demoPeople();
let server: DemoFhirServer;
let dir: string;
let sourcesFile: string;

beforeAll(async () => {
  server = await startDemoFhirServer({ port: 0, people });
  dir = mkdtempSync(join(tmpdir(), 'conformance-cli-'));
  sourcesFile = join(dir, 'sources.json');
  const moved = DEMO_SOURCES.filter((s) => s.protocol === 'fhir-r4').map((s) => ({ ...s, url: `${server.url}${new URL(s.url!).pathname}` }));
  writeFileSync(sourcesFile, JSON.stringify({ sources: moved }));
}, 30_000);
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function conformance(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(join(root, 'node_modules', '.bin', 'tsx'), [join(root, 'bin', 'conformance.ts'), ...args], { cwd: root, env: { ...process.env, SOURCES_FILE: '' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** Montréal people the demo pharmacy has dispensed to. */
const montreal = people.filter((p) => p.region === 'Montréal' && p.index % 12 !== 7).slice(0, 3);

test('against a pharmacy, it prints a line per check and a summary, masks the NAMs, and exits 0', async () => {
  const { code, stdout } = await conformance('--source', 'pharmacy-mtl-centre', '--sources', sourcesFile, ...montreal.flatMap((p) => ['--nam', p.nam]));
  expect(stdout).toMatch(/^ok {3}answers a batch of people/m);
  expect(stdout).toMatch(/^ok {3}a batch costs .*1 requests for 3 people together, 3 one by one/m);
  expect(stdout).toMatch(/^ok {3}the roster names each person .*: first page: \d+ people/m);
  expect(stdout).toMatch(/passed, 0 failed, \d skipped/);
  expect(code).toBe(0);
  for (const person of montreal) {
    expect(stdout).not.toContain(person.nam);
    expect(stdout).toContain(`${person.nam.slice(0, 2)}********${person.nam.slice(-2)}`);
  }
}, 60_000);

test('a source with local ids takes NAM=LOCALID', async () => {
  const mauricie = people.filter((p) => p.region === 'Mauricie' && p.index % 12 !== 7).slice(0, 2);
  const args = mauricie.flatMap((p) => ['--nam', `${p.nam}=${demoPatientIdOf('pharmacy-trois-rivieres', p)}`]);
  const { code, stdout } = await conformance('--source', 'pharmacy-trois-rivieres', '--sources', sourcesFile, ...args);
  expect(stdout).toMatch(/0 failed/);
  expect(code).toBe(0);
  expect(stdout).not.toContain(demoPatientIdOf('pharmacy-trois-rivieres', mauricie[0]));
}, 60_000);

test('people the source holds nothing for fail the run (exit 1), naming no one', async () => {
  const stranger = people.find((p) => p.index % 12 === 7)!;
  const { code, stdout } = await conformance('--source', 'pharmacy-mtl-centre', '--sources', sourcesFile, '--nam', stranger.nam);
  expect(stdout).toMatch(/^FAIL answers a batch of people.*no record for anyone asked/m);
  expect(stdout).not.toContain(stranger.nam);
  expect(code).toBe(1);
}, 60_000);

test('bad usage exits 2 with the reason, never echoing a NAM', async () => {
  const unknown = await conformance('--source', 'nowhere', '--sources', sourcesFile, '--nam', montreal[0].nam);
  expect([unknown.code, unknown.stderr]).toEqual([2, expect.stringContaining('no source "nowhere"')]);
  const badNam = await conformance('--source', 'pharmacy-mtl-centre', '--sources', sourcesFile, '--nam', 'TREM7556121');
  expect([badNam.code, badNam.stderr]).toEqual([2, expect.stringContaining('--nam #1 is not a NAM')]);
  expect(badNam.stderr).not.toContain('TREM7556121');
  const noLocalId = await conformance('--source', 'pharmacy-trois-rivieres', '--sources', sourcesFile, '--nam', montreal[0].nam);
  expect(noLocalId.code).toBe(2);
  expect(noLocalId.stderr).not.toContain(montreal[0].nam);
}, 60_000);
