import { GraphQLError } from 'graphql';
import { DateScalar, isDate } from '../../lib/scalars';

describe('the Date scalar', () => {
  test('carries an onset known only to the month or the year as the source wrote it', () => {
    expect(DateScalar.serialize('2015-06')).toBe('2015-06');
    expect(DateScalar.serialize('2015')).toBe('2015');
    expect(['2015', '2015-06', '2015-06-12'].every(isDate)).toBe(true);
  });

  test('still refuses what is no date at any precision: month 13, February 30th, a time', () => {
    expect(['2015-13', '2015-02-30', '15-06', '2015-6', '2015-06-12T10:00:00Z', ''].some(isDate)).toBe(false);
  });

  test('as an argument (since), a month or a year stands for its first day', () => {
    expect(DateScalar.parseValue('2015-06')).toBe('2015-06-01');
    expect(DateScalar.parseValue('2015')).toBe('2015-01-01');
    expect(DateScalar.parseValue('2015-06-12')).toBe('2015-06-12');
  });

  test('as an argument, a malformed date is BAD_USER_INPUT without echoing it', () => {
    let error: unknown;
    try {
      DateScalar.parseValue('2015-02-30');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(GraphQLError);
    expect((error as GraphQLError).extensions.code).toBe('BAD_USER_INPUT');
    expect((error as GraphQLError).message).not.toContain('2015-02-30');
  });
});
