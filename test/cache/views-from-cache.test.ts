import { Hl7Message } from '@medplum/core';
import { Hl7Client } from '@medplum/hl7';
import { hasLabResults } from '../../demo/lab-system';
import { peopleInEveryDomain } from '../support/demo-choices';
import { startTestStack, type TestStack } from '../support/stack';
import { oru, RAMQ } from '../fixtures/hl7/messages';

/**
 * The cache of source answers through the whole stack (issue #7 §3): warm views spare the sources,
 * a lab result ingested shows at once, and consent is applied after the cache, never inside it.
 */
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
}, 90_000);
afterAll(() => stack?.stop());

const VIEW = `query($nam: NAM!) { patient(nam: $nam) {
  medications { id } labResults { id value } imagingStudies { studyInstanceUid } encounters { id }
  sources { source { id } domain state asked answeredAt }
} }`;
const sourceCalls = () => stack.logs.filter((line) => line.includes('"msg":"source answered"')).length;
const clerk = { role: 'consent_clerk', sub: 'CLERK-CACHE' };

describe('the cache of source answers, seen through the gateway', () => {
  test('a second view within the time to live asks no source, and says when each source gave its answer', async () => {
    const person = peopleInEveryDomain(stack.people)[0];
    const first = await stack.query(VIEW, { nam: person.nam });
    const calls = sourceCalls();
    const second = await stack.query(VIEW, { nam: person.nam });
    expect(sourceCalls()).toBe(calls);
    expect(second.body.data.patient.medications).toEqual(first.body.data.patient.medications);
    for (const status of second.body.data.patient.sources) {
      expect(status).toMatchObject({ state: 'OK', asked: false });
      expect(Date.parse(status.answeredAt)).toBeLessThanOrEqual(Date.now());
      expect(Date.now() - Date.parse(status.answeredAt)).toBeLessThan(stack.config.answerCache.ttlMs);
    }
  });

  test('a lab result ingested for a person shows on the very next view, whatever the cache held', async () => {
    const person = stack.people.find((p) => hasLabResults(p))!;
    const before = (await stack.query(VIEW, { nam: person.nam })).body.data.patient.labResults;
    const client = new Hl7Client({ host: '127.0.0.1', port: stack.platform.labPorts.get('lab-mtl-centre')! });
    try {
      const message = oru({ controlId: 'CACHE-0001', pid3: `${person.nam}^^^${RAMQ}^JHN`, obx: ['OBX|1|NM|2345-7^Glucose^LN||12.3|mmol/L|3.6-6.1|H|||F|||20261120081500-0500'] });
      const ack = await client.sendAndWait(Hl7Message.parse(message));
      expect(ack.getSegment('MSA')!.getField(1).toString()).toBe('AA');
    } finally {
      client.close();
    }
    const after = (await stack.query(VIEW, { nam: person.nam })).body.data.patient.labResults;
    expect(after).toHaveLength(before.length + 1);
    expect(after.map((r: { value: string }) => r.value)).toContain('12.3');
  });

  test('a refusal is honoured on the next request, though the record is in the cache', async () => {
    const person = peopleInEveryDomain(stack.people)[1];
    expect((await stack.query(VIEW, { nam: person.nam }, { sub: 'MD-CACHE-1' })).body.data.patient.medications.length).toBeGreaterThan(0);
    await stack.query('mutation($nam: NAM!) { recordRefusal(nam: $nam, channel: PHONE) { recordStatus } }', { nam: person.nam }, clerk);
    const { body } = await stack.query(VIEW, { nam: person.nam }, { sub: 'MD-CACHE-NEVER' });
    expect(body.data.patient).toBeNull();
    expect(body.errors[0].extensions.code).toBe('RECORD_REFUSED');
  });

  test('a partial refusal is applied to cached answers too: what sources recorded before the date stays closed', async () => {
    const person = peopleInEveryDomain(stack.people)[2];
    const all = (await stack.query(VIEW, { nam: person.nam }, { sub: 'MD-CACHE-2' })).body.data.patient.medications;
    expect(all.length).toBeGreaterThan(0);
    await stack.query('mutation($nam: NAM!) { recordRefusal(nam: $nam, channel: MAIL, collectedBefore: "2100-01-01") { recordStatus } }', { nam: person.nam }, clerk);
    const { body } = await stack.query(VIEW, { nam: person.nam }, { sub: 'MD-CACHE-NEVER' });
    expect(body.data.patient.medications).toEqual([]);
  });
});
