import { mkdtempSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SourceCatalog } from '../../lib/source-catalog';
import { readSourcesFile, type SourceConfig } from '../../lib/sources';

// Issue #9 §7: the sources file is reloaded without a restart; a bad file leaves the running one.
const pharmacy = (id: string, extra: Record<string, unknown> = {}) => ({ id, name: `Pharmacie ${id}`, domain: 'MEDICATIONS', protocol: 'fhir-r4', url: `http://127.0.0.1:9/${id}/fhir`, region: 'Montréal', area: 'North', ...extra });
const timeZone = 'America/Montreal';

let dir: string;
let file: string;
const write = (sources: unknown[]) => {
  // As editors and deployment tools do: a new file put in place of the old one.
  writeFileSync(`${file}.tmp`, JSON.stringify({ sources }));
  renameSync(`${file}.tmp`, file);
};
const catalogOf = (now?: () => Date) => new SourceCatalog({ file, timeZone, initial: readSourcesFile(file, { timeZone }), now });
const ids = (sources: readonly SourceConfig[]) => sources.map((s) => s.id);
const nextChange = (catalog: SourceCatalog) => new Promise<readonly SourceConfig[]>((resolve) => { const stop = catalog.onChange((connected) => (stop(), resolve(connected))); });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'qhr-catalog-'));
  file = join(dir, 'sources.json');
  write([pharmacy('pharmacy-a')]);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('a pharmacy added to the sources file is connected without a restart', async () => {
  const catalog = catalogOf();
  catalog.watch();
  try {
    const changed = nextChange(catalog);
    write([pharmacy('pharmacy-a'), pharmacy('pharmacy-b')]);
    expect(ids(await changed)).toEqual(['pharmacy-a', 'pharmacy-b']);
    expect(catalog.status.error).toBeUndefined();
  } finally {
    catalog.close();
  }
});

test('SIGHUP reads the sources file again', async () => {
  const catalog = catalogOf();
  catalog.watch();
  try {
    writeFileSync(file, JSON.stringify({ sources: [pharmacy('pharmacy-c')] }));
    const changed = nextChange(catalog);
    process.emit('SIGHUP', 'SIGHUP');
    expect(ids(await changed)).toEqual(['pharmacy-c']);
  } finally {
    catalog.close();
  }
});

test('a bad new sources file leaves the running sources in place, with the error named', () => {
  const catalog = catalogOf();
  let told = 0;
  catalog.onChange(() => told++);
  write([pharmacy('pharmacy-a'), pharmacy('pharmacy-b', { domain: 'BILLING' })]);
  expect(catalog.reload('test')).toBe(false);
  expect(ids(catalog.connected)).toEqual(['pharmacy-a']);
  expect(catalog.status.error?.message).toMatch(/^sources\[1\]\.domain must be one of/);
  expect(told).toBe(0);
  // The next good file is taken, and the error forgotten.
  write([pharmacy('pharmacy-a'), pharmacy('pharmacy-b')]);
  expect(catalog.reload('test')).toBe(true);
  expect(catalog.status.error).toBeUndefined();
  expect(told).toBe(1);
});

test('a source planned for a later day is listed but not connected until its day comes', () => {
  let now = new Date('2027-03-31T12:00:00-04:00');
  write([pharmacy('pharmacy-a'), pharmacy('er-north', { domain: 'CLINICAL', kind: 'emergency-room', connectedSince: '2027-04-01' })]);
  const catalog = catalogOf(() => now);
  const seen: string[][] = [];
  catalog.onChange((connected) => seen.push(ids(connected)));
  expect(ids(catalog.all)).toEqual(['pharmacy-a', 'er-north']);
  expect(ids(catalog.connected)).toEqual(['pharmacy-a']);
  now = new Date('2027-04-01T00:00:01-04:00');
  // What the minute timer of watch() does.
  catalog.reload('day changed');
  expect(ids(catalog.connected)).toEqual(['pharmacy-a', 'er-north']);
  expect(seen).toEqual([['pharmacy-a', 'er-north']]);
});

test('an unchanged file read again tells no one', () => {
  const catalog = catalogOf();
  let told = 0;
  catalog.onChange(() => told++);
  expect(catalog.reload('test')).toBe(true);
  expect(told).toBe(0);
});

test('a sources file that cannot be read is named by its file name only, never the folder it sits in', () => {
  const catalog = catalogOf();
  writeFileSync(file, '{ "sources": [ not json');
  expect(catalog.reload('test')).toBe(false);
  expect(catalog.status.error?.message).toMatch(/^cannot read sources file sources\.json: /);
  expect(catalog.status.error?.message).not.toContain(dir);
});
