import { isSafeOperationName, operationLabels } from '../../ops/labels';

describe('operation names become labels only when they cannot say anything about a person', () => {
  test('an ordinary operation name is its own label', () => {
    expect(operationLabels()('PatientSummary')).toBe('PatientSummary');
  });

  test('an operation without a name is "anonymous"', () => {
    expect(operationLabels()(undefined)).toBe('anonymous');
  });

  test('an operation named with a NAM is "other"', () => {
    expect(operationLabels()('GAGN44541911')).toBe('other');
    expect(operationLabels()('view_GAGN44541911_meds')).toBe('other');
  });

  test('a name with a long run of digits (a birth date, a phone number) is "other"', () => {
    expect(isSafeOperationName('Lookup19440519')).toBe(false);
  });

  test('a name that is not a GraphQL name, or longer than 64 characters, is "other"', () => {
    const label = operationLabels();
    expect(label('Tremblay, Jean')).toBe('other');
    expect(label(`Q${'a'.repeat(64)}`)).toBe('other');
  });

  test('past the cap of distinct names, new names are "other" and known ones keep their label', () => {
    const label = operationLabels(2);
    expect([label('One'), label('Two'), label('Three'), label('One')]).toEqual(['One', 'Two', 'other', 'One']);
  });
});
