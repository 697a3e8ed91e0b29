import { Hl7Message } from '@medplum/core';
import { readRds, type DispenseMessage } from '../../adapters/hl7v2/rds';
import { DISPENSE, NAM, CHART, TWO_DISPENSES, fixture, pharmacySource, withField, without } from '../fixtures/hl7/feeds';

const source = pharmacySource();
const read = (text: string) => readRds(Hl7Message.parse(text), source);
const accepted = (text: string): DispenseMessage => {
  const outcome = read(text);
  if (!outcome.ok) throw new Error(`refused: ${outcome.rejection.reason}`);
  return outcome.message;
};
const refused = (text: string) => {
  const outcome = read(text);
  if (outcome.ok) throw new Error('accepted');
  return outcome.rejection;
};

describe('RDS^O13 from a pharmacy, read into medication dispenses', () => {
  test('a dispense of atorvastatin gives its DIN, name, instructions, quantity, days supply and time, for the NAM and chart of PID-3', () => {
    const message = accepted(fixture(DISPENSE));
    expect(message).toMatchObject({ sender: 'PHARMAPRO^2.16.124.113635.1.2^ISO|PHARM-PLATEAU', controlId: 'RX20250412-0001', patient: { nam: NAM, localIds: [CHART] } });
    expect(message.dispenses).toEqual([
      {
        id: 'pharmacy-plateau-hl7/RX-7781234/1',
        action: 'dispense',
        din: '02295269',
        name: 'Apo-Atorvastatine 20 mg co.',
        // RXE-7, its \T\ escape read as "&".
        dosageInstruction: 'Prendre 1 comprimé au coucher & éviter le pamplemousse',
        quantity: '30',
        quantityUnit: 'CO',
        daysSupply: 30,
        dispensedAt: '2025-04-12T14:30:00-04:00',
        contentHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
    ]);
  });

  test('each ORDER group is a dispense: days supply in weeks counts as days, a compounded product has no DIN', () => {
    const [metformin, cream] = accepted(fixture(TWO_DISPENSES)).dispenses;
    expect(metformin).toMatchObject({ id: 'pharmacy-plateau-hl7/RX-7781240/1', din: '02167786', quantity: '180', daysSupply: 91, dosageInstruction: '1 comprimé 2 fois par jour aux repas' });
    expect(cream).toMatchObject({ id: 'pharmacy-plateau-hl7/RX-7781241/1', name: 'Crème magistrale hydrocortisone 1 % (préparation)', quantity: '30', quantityUnit: 'g' });
    expect(cream.din).toBeUndefined();
    expect(cream.daysSupply).toBeUndefined();
  });

  test('without instructions in RXE, the TQ1 text instruction is the dosage instruction', () => {
    const text = withField(fixture(DISPENSE), 'RXE', 7, '');
    expect(accepted(text).dispenses[0].dosageInstruction).toBe('Prendre 1 comprimé au coucher');
  });

  test('a time without an offset takes the one of MSH-7', () => {
    expect(accepted(withField(fixture(DISPENSE), 'RXD', 3, '202504121430')).dispenses[0].dispensedAt).toBe('2025-04-12T14:30:00-04:00');
  });

  test('the DIN may come as the alternate code of RXD-2 when the first is the pharmacy\'s own', () => {
    const text = withField(fixture(DISPENSE), 'RXD', 2, 'ATO20^Apo-Atorvastatine 20 mg co.^L^02295269^^HC-DIN');
    expect(accepted(text).dispenses[0].din).toBe('02295269');
  });

  test('the same message always gives the same record ids and hashes; another quantity another hash', () => {
    const [first] = accepted(fixture(DISPENSE)).dispenses;
    const [again] = accepted(withField(fixture(DISPENSE), 'MSH', 10, 'RX20250412-0099')).dispenses;
    const [changed] = accepted(withField(fixture(DISPENSE), 'RXD', 4, '60')).dispenses;
    expect(again).toEqual(first);
    expect(changed.id).toBe(first.id);
    expect(changed.contentHash).not.toBe(first.contentHash);
  });

  test('ORC-1 OC is the pharmacy withdrawing the dispense', () => {
    expect(accepted(withField(fixture(DISPENSE), 'ORC', 1, 'OC')).dispenses[0].action).toBe('cancel');
  });

  describe('content errors are AE, naming the segment and field', () => {
    test.each([
      ['a DIN that is not 8 digits', withField(fixture(DISPENSE), 'RXD', 2, '2295269^Apo-Atorvastatine 20 mg co.^DIN'), 102, 'RXD-2 names a DIN that is not 8 digits', { segment: 'RXD', sequence: 1, field: 2, repetition: 1, component: 1 }],
      ['an impossible dispense date', withField(fixture(DISPENSE), 'RXD', 3, '20250231143000-0400'), 102, 'RXD-3 is not a valid date/time (DTM)', { segment: 'RXD', sequence: 1, field: 3 }],
      ['no dispense date', withField(fixture(DISPENSE), 'RXD', 3, ''), 101, 'RXD-3 (date/time dispensed) is empty', { segment: 'RXD', sequence: 1, field: 3 }],
      ['no quantity', withField(fixture(DISPENSE), 'RXD', 4, ''), 101, 'RXD-4 (actual dispense amount) is empty', { segment: 'RXD', sequence: 1, field: 4 }],
      ['a quantity that is not a number', withField(fixture(DISPENSE), 'RXD', 4, 'trente'), 102, 'RXD-4 (actual dispense amount) is not a number of at least 0', { segment: 'RXD', sequence: 1, field: 4 }],
      ['no prescription number', withField(fixture(DISPENSE), 'RXD', 7, ''), 101, 'RXD-7 (prescription number) is empty', { segment: 'RXD', sequence: 1, field: 7 }],
      ['no drug at all', withField(fixture(DISPENSE), 'RXD', 2, ''), 101, 'RXD-2 (dispense/give code) is empty', { segment: 'RXD', sequence: 1, field: 2 }],
      ['a days supply in months', withField(fixture(DISPENSE), 'TQ1', 6, '1^mo&mois&UCUM', 2), 102, 'TQ1-6 (service duration) must be in days (d) or weeks (wk)', { segment: 'TQ1', sequence: 2, field: 6 }],
      ['half a day of supply', withField(fixture(DISPENSE), 'TQ1', 6, '2.5^d&jours&UCUM', 2), 102, 'TQ1-6 (service duration) is not a whole number of days', { segment: 'TQ1', sequence: 2, field: 6 }],
      ['an order control that is not a dispense', withField(fixture(DISPENSE), 'ORC', 1, 'NW'), 103, 'ORC-1 must be RE (a dispense), or OC or CR (its cancellation)', { segment: 'ORC', sequence: 1, field: 1 }],
      ['no PID', without(fixture(DISPENSE), 'PID'), 100, 'the message has no PID segment', { segment: 'PID', sequence: 1 }],
      ['no RXD in its ORDER group', without(fixture(DISPENSE), 'RXD'), 100, 'an ORDER group ends without its RXD', { segment: 'ORC', sequence: 1 }],
      ['segments of an ORDER group before any ORC', without(fixture(DISPENSE), 'ORC'), 100, 'TQ1 comes before any ORC', { segment: 'TQ1', sequence: 1 }],
      ['a NAM that is not one', withField(fixture(DISPENSE), 'PID', 3, 'TREM75991212^^^RAMQ^JHN'), 102, 'PID-3 JHN identifier is not a valid NAM', { segment: 'PID', sequence: 1, field: 3, repetition: 1 }],
    ])('%s', (_what, text, errorCode, reason, location) => {
      expect(refused(text)).toEqual({ ackCode: 'AE', errorCode, reason, location });
    });
  });

  test('a test or debugging message (MSH-11 T) is refused AR', () => {
    expect(refused(withField(fixture(DISPENSE), 'MSH', 11, 'T'))).toMatchObject({ ackCode: 'AR', errorCode: 202 });
  });
});
