import { isValidNam, maskNams, namFor, normalizeNam } from '../../lib/nam';

describe('the NAM (Québec health insurance number)', () => {
  test('a man born on 12 December 1975 has month 12 in his NAM', () => {
    expect(isValidNam('TREM75121212')).toBe(true);
  });

  test("a woman's NAM adds 50 to the birth month", () => {
    expect(isValidNam('TREM75561212')).toBe(true);
    expect(namFor('Tremblay', 'Marie', '1975-06-12', 'F', 12)).toBe('TREM75561212');
  });

  test('a birth month that is neither 1-12 nor 51-62 is refused', () => {
    expect(isValidNam('TREM75131212')).toBe(false);
    expect(isValidNam('TREM75631212')).toBe(false);
    expect(isValidNam('TREM75001212')).toBe(false);
  });

  test('a birth date that does not exist (30 February) is refused', () => {
    expect(isValidNam('TREM75023012')).toBe(false);
  });

  test('29 February is accepted when either century makes it a leap year', () => {
    expect(isValidNam('TREM00022912')).toBe(true); // 2000
    expect(isValidNam('TREM01022912')).toBe(false); // neither 1901 nor 2001
  });

  test('anything but 4 letters and 8 digits is refused', () => {
    for (const value of ['TRE75121212', 'TREM7512121', 'TREM751212123', '1REM75121212', 'TREM7512121A', '']) {
      expect(isValidNam(value)).toBe(false);
    }
  });

  test('spaces and lower case typed from the card are normalised', () => {
    expect(normalizeNam('trem 7556 1212')).toBe('TREM75561212');
  });

  test('accents in names are dropped when the demo builds a NAM', () => {
    expect(namFor('Bélanger', 'Émilie', '1980-01-02', 'F', 10).slice(0, 4)).toBe('BELE');
  });
});

describe('NAMs kept out of the messages a tool prints', () => {
  test('a NAM, solid or on the card layout, in either case, is masked; ids and other numbers are not', () => {
    expect(maskNams('cannot read TREM75561212 nor trem 7556 1212')).toBe('cannot read [NAM] nor [NAM]');
    expect(maskNams('chain 12345678-90ab-4cde-8f01-23456789abcd, file ABCDE12345678, request 42')).toBe('chain 12345678-90ab-4cde-8f01-23456789abcd, file ABCDE12345678, request 42');
  });
});
