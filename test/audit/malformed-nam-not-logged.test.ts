import { startTestStack, type TestStack } from '../support/stack';

/**
 * A malformed NAM typed into a query reads no record, so it is no entry of the access log (issue
 * #8 §5: one of 3,000 characters was stored raw, one of 1 MB made the request fail). The caller is
 * told BAD_USER_INPUT, without the value.
 */

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
}, 60_000);
afterAll(() => stack?.stop());

const entries = async () => Number((await stack.platform.db.query<{ n: string }>(`SELECT count(*) AS n FROM access_log`)).rows[0].n);
const THREE_THOUSAND = 'TREM'.repeat(750);
// 1 MB (10^6 characters): the whole request stays under the gateway's 1 MiB body limit (a larger body is refused before GraphQL, 413).
const ONE_MEGABYTE = 'TREM7556121'.repeat(90_909) + 'X'; // 1,000,000 characters

/** Sends the query, and tells what came back and how many entries the log gained. */
async function ask(query: string, as?: { role: string; sub: string }) {
  const before = await entries();
  const { status, body } = await stack.query(query, undefined, as);
  return { status, body, written: (await entries()) - before };
}

describe('a malformed NAM typed into a query is refused and never logged', () => {
  test('a NAM of 3,000 characters is BAD_USER_INPUT, not quoted, and writes nothing', async () => {
    const { body, written } = await ask(`{ patient(nam: "${THREE_THOUSAND}") { nam medications { id } } }`);
    expect(body.errors.map((e: any) => e.extensions.code)).toEqual(['BAD_USER_INPUT']);
    expect(JSON.stringify(body)).not.toContain(THREE_THOUSAND.slice(0, 40));
    expect(written).toBe(0);
  });

  test('a NAM of 1 MB is BAD_USER_INPUT, not quoted, and writes nothing', async () => {
    const { status, body, written } = await ask(`{ patient(nam: "${ONE_MEGABYTE}") { nam } }`);
    expect(status).toBe(200);
    expect(body.errors.map((e: any) => e.extensions.code)).toEqual(['BAD_USER_INPUT']);
    expect(JSON.stringify(body)).not.toContain('TREM7556121');
    expect(written).toBe(0);
  });

  test('one malformed NAM in a patients list logs no one, not even the well-formed NAMs beside it', async () => {
    const { body, written } = await ask(`{ patients(nams: ["${stack.people[0].nam}", "${THREE_THOUSAND}"]) { nam } }`);
    expect(body.errors.map((e: any) => e.extensions.code)).toEqual(['BAD_USER_INPUT']);
    expect(written).toBe(0);
  });

  test("a malformed NAM asked of the access log reads no one's log, and writes nothing", async () => {
    const { body, written } = await ask(`{ accessLog(nam: "${THREE_THOUSAND}") { at } }`, { role: 'privacy_officer', sub: 'PO-1' });
    expect(body.errors.map((e: any) => e.extensions.code)).toEqual(['BAD_USER_INPUT']);
    expect(written).toBe(0);
  });

  test('beside a malformed NAM, a well-formed read in the same request is still logged', async () => {
    const person = stack.people[1];
    const { body, written } = await ask(`{ bad: patient(nam: "${THREE_THOUSAND}") { nam } good: patient(nam: "${person.nam}") { nam } }`);
    expect(body.data.good).toEqual({ nam: person.nam });
    expect(written).toBe(1);
  });
});
