import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { demoPeople, registryCsv, xrefCsv } from '../../demo/people';
import { parseRegistry } from '../../subgraphs/patient-index/registry';

const HEADER = 'nam,family_name,given_name,birth_date,sex';

describe('the registry of insured people', () => {
  test('everyone listed has a record, looked up by NAM', () => {
    const registry = parseRegistry(`${HEADER}\nTREM75561212,Tremblay,Marie,1975-06-12,F\n`);
    expect(registry.get('TREM75561212')).toMatchObject({ familyName: 'Tremblay', givenName: 'Marie', birthDate: '1975-06-12' });
    expect(registry.get('GAGN80010112')).toBeUndefined();
  });

  test('names with accents and a byte-order mark are read as UTF-8', () => {
    const registry = parseRegistry(`\uFEFF${HEADER}\nBELE80510210,Bélanger,Émilie,1980-01-02,F\n`);
    expect(registry.get('BELE80510210')?.familyName).toBe('Bélanger');
  });

  test('a file with a malformed NAM is refused whole, naming the line but not the value', () => {
    const attempt = () => parseRegistry(`${HEADER}\nTREM75561212,Tremblay,Marie,1975-06-12,F\nTREM75133012,Tremblay,Luc,1975-13-30,M\n`);
    expect(attempt).toThrow('line 3: invalid NAM');
    expect(attempt).not.toThrow(/TREM75133012/);
  });

  test('a NAM listed twice is refused', () => {
    expect(() => parseRegistry(`${HEADER}\nTREM75561212,A,B,1975-06-12,F\nTREM75561212,A,B,1975-06-12,F\n`)).toThrow('line 3: NAM listed twice');
  });

  test('a file with another header is refused', () => {
    expect(() => parseRegistry('nam,name\nTREM75561212,Marie\n')).toThrow(/header must be/);
  });

  test('the demo registry and cross-reference files are those the demo population generates', () => {
    const people = demoPeople();
    expect(people.length).toBeGreaterThanOrEqual(50);
    expect(readFileSync(join(__dirname, '../../demo/registry.csv'), 'utf8')).toBe(registryCsv(people));
    expect(readFileSync(join(__dirname, '../../demo/xref.csv'), 'utf8')).toBe(xrefCsv(people));
    expect(parseRegistry(registryCsv(people)).size).toBe(people.length);
  });
});
