import { isSafeRequestId, requestIdOf } from '../../ops/request-id';

/** The request id (issue #10 §6): one safe value per request, the caller's when it sent a safe one. */

const fresh = () => 'generated-0000-0000';

describe('a request id is taken from x-request-id only when it is safe', () => {
  test.each(['0b7e9a52-3c1f-4d0e-9a8b-1f2e3d4c5b6a', 'lb.req_2024-11-24.0001', 'ABCDEFGH', 'a'.repeat(64)])('%s is kept as sent', (header) => {
    expect(requestIdOf(header, fresh)).toBe(header);
  });

  test.each([
    ['missing', undefined],
    ['empty', ''],
    ['too short', 'abc1234'],
    ['too long', 'a'.repeat(65)],
    ['with a space', 'abc def 123'],
    ['with a line break (a forged log line)', 'abcdefgh\n{"level":50}'],
    ['with a quote', 'abcdefgh"'],
    ['with a slash', 'abcd/efgh'],
    ['non-ASCII', 'réquête-0001'],
    ['sent twice', ['abcdefgh-1', 'abcdefgh-2']],
  ] as const)('%s: a fresh one is generated', (_why, header) => {
    expect(requestIdOf(header as never, fresh)).toBe('generated-0000-0000');
  });

  test('a NAM sent as the request id is never used: it would put a person into every log line, span and log entry of the request', () => {
    expect(isSafeRequestId('TREM75561212')).toBe(false);
    expect(isSafeRequestId('req-gagn44541911-x')).toBe(false);
    expect(requestIdOf('GAGN44541911', fresh)).toBe('generated-0000-0000');
  });

  test('by default a fresh id is a random UUID, different for every request', () => {
    const [a, b] = [requestIdOf(undefined), requestIdOf(undefined)];
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a).not.toBe(b);
    expect(isSafeRequestId(a)).toBe(true);
  });

  test('a generated UUID that happens to look like a NAM is drawn again, so the access log never refuses the request for its own id', () => {
    const draws = ['3f2a9c1e-7b4d-4e8a-9c0f-abcd12345678', '3f2a9c1e-7b4d-4e8a-9c0f-0a1b2c3d4e5f'];
    expect(requestIdOf(undefined, () => draws.shift()!)).toBe('3f2a9c1e-7b4d-4e8a-9c0f-0a1b2c3d4e5f');
  });

  test('thousands of generated ids are all safe', () => {
    for (let i = 0; i < 20_000; i++) expect(isSafeRequestId(requestIdOf(undefined))).toBe(true);
  });
});
