import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

// `npm run sources:check -- FILE`: the check the services run when they read or reload the file.
const root = join(__dirname, '../..');
const check = (file: string) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', 'bin/sources-check.ts', file], { cwd: root }).then(
    ({ stdout }) => ({ code: 0, out: stdout }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, out: error.stdout + error.stderr }),
  );

let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'qhr-sources-check-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("an integrator checks the demo sources file and reads the roll-out it describes, by region, area and kind", async () => {
  const { code, out } = await check(join(root, 'demo', 'sources.json'));
  expect(code).toBe(0);
  expect(out).toMatch(/sources, valid/);
  expect(out).toMatch(/Montréal \/ North \/ pharmacy: 2 connected/);
  // Planned until its connectedSince day (2027): counted either way.
  expect(out).toMatch(/Montréal \/ Centre \/ emergency-room: \d connected/);
  expect(out).toMatch(/protocol hl7v2-mllp \(push; serves LAB_RESULTS, MEDICATIONS/);
}, 30_000);

test('a file that the services would refuse is refused here first, naming the entry, with exit code 1', async () => {
  const file = join(dir, 'sources.json');
  writeFileSync(file, JSON.stringify({ sources: [{ id: 'pacs-x', name: 'X', domain: 'IMAGING', protocol: 'fhir-r4', url: 'http://pacs.example/fhir' }] }));
  const { code, out } = await check(file);
  expect(code).toBe(1);
  expect(out).toContain('sources[0]: protocol fhir-r4 cannot serve domain IMAGING');
}, 30_000);
