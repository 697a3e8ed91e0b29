import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoPeople, registryCsv, xrefCsv } from '../../demo/people';
import { Registry } from '../../subgraphs/patient-index/registry';
import { openTestDb } from '../support/db';

const HEADER = 'nam,family_name,given_name,birth_date,sex';
const dir = mkdtempSync(join(tmpdir(), 'registry-'));
let files = 0;
const file = (csv: string) => {
  const path = join(dir, `registry-${++files}.csv`);
  writeFileSync(path, csv);
  return path;
};

let db: Awaited<ReturnType<typeof openTestDb>>;
let registry: Registry;
beforeEach(async () => {
  db = await openTestDb('registry');
  registry = new Registry(db);
  await registry.migrate();
});
afterEach(() => db.drop());

describe('the registry of insured people', () => {
  test('everyone listed has a record, looked up by NAM', async () => {
    await registry.importFile(file(`${HEADER}\nTREM75561212,Tremblay,Marie,1975-06-12,F\n`));
    const found = await registry.find(['TREM75561212', 'GAGN80010112']);
    expect(found.get('TREM75561212')).toEqual({ nam: 'TREM75561212', familyName: 'Tremblay', givenName: 'Marie', birthDate: '1975-06-12', sex: 'F' });
    expect(found.has('GAGN80010112')).toBe(false);
  });

  test('names with accents and a byte-order mark are read as UTF-8', async () => {
    await registry.importFile(file(`\uFEFF${HEADER}\nBELE80510210,Bélanger,Émilie,1980-01-02,F\n`));
    expect((await registry.find(['BELE80510210'])).get('BELE80510210')?.familyName).toBe('Bélanger');
  });

  test('a file with a malformed NAM is refused whole, naming the line but not the value, and the registry stays as it was', async () => {
    await registry.importFile(file(`${HEADER}\nGAGN80010112,Gagnon,Luc,1980-01-01,M\n`));
    const attempt = registry.importFile(file(`${HEADER}\nTREM75561212,Tremblay,Marie,1975-06-12,F\nTREM75133012,Tremblay,Luc,1975-13-30,M\n`));
    await expect(attempt).rejects.toThrow('line 3: invalid NAM');
    await expect(attempt).rejects.not.toThrow(/TREM75133012/);
    expect([...(await registry.find(['GAGN80010112', 'TREM75561212'])).keys()]).toEqual(['GAGN80010112']);
  });

  test('a NAM listed twice is refused', async () => {
    await expect(registry.importFile(file(`${HEADER}\nTREM75561212,A,B,1975-06-12,F\nTREM75561212,A,B,1975-06-12,F\n`))).rejects.toThrow('line 3: NAM listed twice');
  });

  test('a file with another header is refused', async () => {
    await expect(registry.importFile(file('nam,name\nTREM75561212,Marie\n'))).rejects.toThrow(/header must be/);
  });

  test('a new file replaces the registry: people it no longer lists have no record any more', async () => {
    await registry.importFile(file(`${HEADER}\nTREM75561212,Tremblay,Marie,1975-06-12,F\nGAGN80010112,Gagnon,Luc,1980-01-01,M\n`));
    const report = await registry.importFile(file(`${HEADER}\nGAGN80010112,Gagnon,Luc,1980-01-01,M\n`));
    expect(report).toEqual({ people: 1, removed: 1, imported: true });
    expect(await registry.size()).toBe(1);
  });

  test('the patient index reads a registry file again only when it changed', async () => {
    const path = file(`${HEADER}\nTREM75561212,Tremblay,Marie,1975-06-12,F\n`);
    expect(await registry.importFileIfChanged(path)).toMatchObject({ imported: true, people: 1 });
    expect(await registry.importFileIfChanged(path)).toMatchObject({ imported: false, people: 1 });
  });

  test('a large registry is imported with a progress line every 100,000 rows', async () => {
    const people = demoPeople(120_000);
    const lines = [...new Map(people.map((p) => [p.nam, p])).values()].map((p) => [p.nam, p.familyName, p.givenName, p.birthDate, p.sex].join(','));
    const progress: number[] = [];
    const report = await registry.importFile(file(`${HEADER}\n${lines.join('\n')}\n`), (rows) => progress.push(rows));
    expect(report.people).toBe(lines.length);
    expect(progress).toEqual([100_000]);
    expect(await registry.size()).toBe(lines.length);
  }, 60_000);

  test('the demo registry and cross-reference files are those the demo population generates', async () => {
    const people = demoPeople();
    expect(people.length).toBeGreaterThanOrEqual(50);
    expect(readFileSync(join(__dirname, '../../demo/registry.csv'), 'utf8')).toBe(registryCsv(people));
    expect(readFileSync(join(__dirname, '../../demo/xref.csv'), 'utf8')).toBe(xrefCsv(people));
    expect((await registry.importFile(join(__dirname, '../../demo/registry.csv'))).people).toBe(people.length);
  });
});
