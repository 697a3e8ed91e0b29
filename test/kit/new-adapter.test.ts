import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { scaffoldProtocol, ScaffoldError, sourceEntryFor } from '../../bin/new-adapter-files';
import { parseSources, PROTOCOLS } from '../../lib/sources';

/** `npm run new:adapter`: the template an integrator starts a new protocol from. */
const run = promisify(execFile);
const root = join(__dirname, '..', '..');
const bin = (name: string) => join(root, 'node_modules', '.bin', name);

async function exec(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(file, args, { cwd: root, maxBuffer: 1 << 24 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}
const newAdapter = (...args: string[]) => exec(bin('tsx'), [join(root, 'bin', 'new-adapter.ts'), ...args]);

/** A scratch folder inside the repository (so the generated imports reach the project), outside tsc's and jest's roots. */
let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(root, '.new-adapter-check-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('a new protocol', () => {
  let created: string;
  beforeAll(async () => {
    const { code, stdout } = await newAdapter('acme-lab', '--protocol', 'new', '--domain', 'LAB_RESULTS', '--root', scratch);
    expect(code).toBe(0);
    created = stdout;
  }, 60_000);

  test('prints each file it created and the registry lines to add', () => {
    expect(created).toContain('created adapters/acme-lab/index.ts');
    expect(created).toContain('created test/adapters/acme-lab/mapping.test.ts');
    expect(created).toContain('created test/fixtures/acme-lab/labResults.json');
    expect(created).toContain("'acme-lab': { summary:");
    expect(created).toContain("'acme-lab': { recordSources: (source, deps) => createAcmeLabSources(source, deps) }");
    expect(created).toContain("'acme-lab': { batching: 'one-search' }");
  });

  test('type-checks as generated', async () => {
    const files = ['adapters/acme-lab/index.ts', 'test/adapters/acme-lab/mapping.test.ts'];
    writeFileSync(join(scratch, 'tsconfig.json'), JSON.stringify({ extends: relative(scratch, join(root, 'tsconfig.json')), files, include: [] }));
    const tsc = await exec(bin('tsc'), ['--noEmit', '-p', join(scratch, 'tsconfig.json')]);
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.code).toBe(0);
  }, 120_000);

  test('its mapping spec fails until the mapper and the samples are real, saying what to write', async () => {
    const jest = await exec(bin('jest'), ['--roots', scratch, '--ci', join(scratch, 'test')]);
    expect(jest.code).toBe(1);
    expect(jest.stderr).toContain('acme-lab: the labResults mapper is not written yet (adapters/acme-lab/map.ts)');
    expect(jest.stderr).toMatch(/Tests:\s+1 failed, 3 todo/);
  }, 120_000);

  test('running it again overwrites nothing', async () => {
    const before = readFileSync(join(scratch, 'adapters', 'acme-lab', 'map.ts'), 'utf8');
    const again = await newAdapter('acme-lab', '--protocol', 'new', '--domain', 'LAB_RESULTS', '--root', scratch);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('will not overwrite: adapters/acme-lab/');
    expect(readFileSync(join(scratch, 'adapters', 'acme-lab', 'map.ts'), 'utf8')).toBe(before);
  }, 60_000);
});

test('a record source per kind of the domain it serves', () => {
  const clinical = scaffoldProtocol('acme-emr', 'CLINICAL', root, scratch);
  const index = clinical.files.find((f) => f.path.endsWith(join('acme-emr', 'index.ts')))!.content;
  expect(index).toContain("recordSource(source, 'encounters', deps.connections), recordSource(source, 'conditions', deps.connections), recordSource(source, 'allergies', deps.connections), recordSource(source, 'immunizations', deps.connections)");
});

test.each([
  ['Acme_Lab', 'new', 'LAB_RESULTS', /must be a protocol id like acme-rest/],
  ['fhir-r4', 'new', 'CLINICAL', /already in the registry/],
  ['acme-lab', 'new', 'LABS', /--domain must be one of MEDICATIONS, LAB_RESULTS, IMAGING, CLINICAL/],
])('a bad name or domain is refused with the rule (%s, %s, %s)', (name, _protocol, domain, message) => {
  expect(() => scaffoldProtocol(name, domain, root, scratch)).toThrow(ScaffoldError);
  expect(() => scaffoldProtocol(name, domain, root, scratch)).toThrow(message);
});

test('an unknown protocol is refused, listing the registry', async () => {
  const { code, stderr } = await newAdapter('some-source', '--protocol', 'soap');
  expect(code).toBe(2);
  expect(stderr).toContain(`--protocol must be "new" or one of the registry's: ${PROTOCOLS.join(', ')}`);
}, 60_000);

test('a new source of an existing protocol writes no code: its sources-file entry, which the sources-file check reads once filled in', async () => {
  const { code, stdout } = await newAdapter('pacs-mtl-north', '--protocol', 'dicomweb');
  expect(code).toBe(0);
  expect(stdout).toContain('npm run conformance -- --source pacs-mtl-north');
  expect(existsSync(join(root, 'adapters', 'pacs-mtl-north'))).toBe(false);
  const { entry } = sourceEntryFor('pacs-mtl-north', 'dicomweb');
  const filled = { ...entry, name: 'Imagerie Nord', url: 'https://pacs.example/dicom-web', region: 'Montréal', area: 'North' };
  expect(parseSources({ sources: [filled] }, { timeZone: 'America/Montreal' })[0]).toMatchObject({ id: 'pacs-mtl-north', protocol: 'dicomweb', domain: 'IMAGING' });
}, 60_000);
