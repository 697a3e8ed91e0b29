import net from 'node:net';
import { Hl7Message } from '@medplum/core';
import { LabStore } from '../../adapters/hl7v2/lab-store';
import { readOru, type OruMessage } from '../../adapters/hl7v2/oru';
import { startMllpReceiver } from '../../adapters/hl7v2/receiver';
import { demoLabMessages, hasLabResults, startDemoLabSystem } from '../../demo/lab-system';
import { demoPeople, labMrnOf } from '../../demo/people';
import { createLogger } from '../../lib/logger';
import { XrefStore } from '../../locator/cross-reference';
import { labSource } from '../fixtures/hl7/messages';
import { openTestDb } from '../support/db';

const people = demoPeople();
const source = labSource({ id: 'lab-mtl-centre' });
const read = (text: string): OruMessage => {
  const outcome = readOru(Hl7Message.parse(text), source);
  if (!outcome.ok) throw new Error(outcome.rejection.reason);
  return outcome.message;
};
const msh = (text: string) => Hl7Message.parse(text).getSegment('MSH')!;

describe('demo laboratory: the messages', () => {
  const texts = demoLabMessages(people);
  const messages = texts.map(read);

  it('are the same on every run, with unique MSH-10s', () => {
    expect(demoLabMessages(people)).toEqual(texts);
    expect(new Set(messages.map((m) => m.controlId)).size).toBe(texts.length);
  });

  it('are ORU^R01 v2.5.1 the adapter accepts, with LOINC codes, SI units and H/L flags', () => {
    expect(texts.every((t) => msh(t).getField(9).toString() === 'ORU^R01^ORU_R01' && msh(t).getField(12).toString() === '2.5.1')).toBe(true);
    const results = messages.flatMap((m) => m.patients.flatMap((p) => p.results));
    const units = Object.fromEntries(results.map((r) => [r.code, r.unit]));
    expect(units).toEqual({
      '2345-7': 'mmol/L',
      '2160-0': 'µmol/L',
      '718-7': 'g/L',
      '4548-4': '%',
      '2093-3': 'mmol/L',
      '6690-2': '10*9/L',
      '3016-3': 'mU/L',
      '2823-3': 'mmol/L',
      '2951-2': 'mmol/L',
    });
    const flags = new Set(results.map((r) => r.abnormalFlag));
    expect(flags).toEqual(new Set([undefined, 'H', 'L']));
    expect(results.every((r) => r.status === 'F' && r.referenceRange && r.observedAt)).toBe(true);
  });

  it('have MSH-7 sometimes with an offset and sometimes without', () => {
    const withOffset = texts.filter((t) => /[+-]\d{4}$/.test(msh(t).getField(7).toString())).length;
    expect(withOffset).toBeGreaterThan(0);
    expect(withOffset).toBeLessThan(texts.length);
  });

  it('carry the NAM (JHN, RAMQ) and the MRN (MR) in PID-3, or the MRN alone once the two were linked', () => {
    const linked = new Set<string>();
    let mrOnly = 0;
    for (const [i, message] of messages.entries()) {
      const [{ patient }] = message.patients;
      const person = people.find((p) => labMrnOf(p) === patient.localIds[0])!;
      expect(patient.localIds).toEqual([labMrnOf(person)]);
      if (patient.nam) {
        expect(patient.nam).toBe(person.nam);
        expect(texts[i]).toContain(`|${person.nam}^^^RAMQ&2.16.124.10.101.1.60.100&ISO^JHN~${labMrnOf(person)}^^^CHUM^MR|`);
        linked.add(person.nam);
      } else {
        expect(linked.has(person.nam)).toBe(true);
        mrOnly++;
      }
    }
    expect(mrOnly).toBeGreaterThan(0);
  });

  it('cover most Montréal people, a few of them not at all, and nobody from Mauricie', () => {
    const nams = new Set(messages.map((m) => m.patients[0].patient.nam).filter(Boolean));
    const montreal = people.filter((p) => p.region === 'Montréal');
    const without = montreal.filter((p) => !nams.has(p.nam));
    expect(without.length).toBeGreaterThan(0);
    expect(without.length).toBeLessThan(montreal.length / 5);
    expect(without.every((p) => !hasLabResults(p))).toBe(true);
    expect(people.filter((p) => p.region === 'Mauricie').some((p) => nams.has(p.nam))).toBe(false);
  });
});

describe('demo laboratory: over MLLP', () => {
  let db: Awaited<ReturnType<typeof openTestDb>>;
  let store: LabStore;
  let xref: XrefStore;
  const logger = createLogger('silent');
  beforeAll(async () => {
    db = await openTestDb('lab_demo');
    xref = new XrefStore(db);
    store = new LabStore(db, { xref });
    await store.migrate();
    await xref.migrate();
  });
  afterAll(() => db.drop());

  it('running it twice stores every message once, and each person finds all their results by NAM', async () => {
    const some = people.slice(0, 15);
    const receiver = await startMllpReceiver({ source, store, xref, logger, host: '127.0.0.1', port: 0 });
    try {
      const expected = demoLabMessages(some).map(read);
      for (let run = 0; run < 2; run++) {
        const lab = await startDemoLabSystem({ host: '127.0.0.1', port: receiver.port, people: some });
        await lab.close();
        expect({ sent: lab.sent, acked: lab.acked }).toEqual({ sent: expected.length, acked: expected.length });
      }
      const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM lab_results');
      const perNam = new Map<string, number>();
      for (const message of expected) {
        const person = some.find((p) => labMrnOf(p) === message.patients[0].patient.localIds[0])!;
        perNam.set(person.nam, (perNam.get(person.nam) ?? 0) + message.patients[0].results.length);
      }
      expect(rows[0].n).toBe([...perNam.values()].reduce((a, b) => a + b, 0));
      const found = await store.resultsFor(source, some.map((p) => ({ nam: p.nam })));
      expect(new Map([...found].map(([nam, list]) => [nam, list.length]))).toEqual(perNam);
    } finally {
      await receiver.close();
    }
  });

  it('waits for a listener that is not up yet', async () => {
    const port = await freePort();
    const some = people.slice(0, 3);
    const lab = startDemoLabSystem({ host: '127.0.0.1', port, people: some, connectWithinMs: 10_000 });
    await new Promise((r) => setTimeout(r, 400));
    const receiver = await startMllpReceiver({ source, store, xref, logger, host: '127.0.0.1', port });
    try {
      const done = await lab;
      await done.close();
      expect(done.acked).toBe(demoLabMessages(some).length);
    } finally {
      await receiver.close();
    }
  });

  it('gives up after the time it was given when nobody listens', async () => {
    const port = await freePort();
    await expect(startDemoLabSystem({ host: '127.0.0.1', port, people: people.slice(0, 1), connectWithinMs: 300 })).rejects.toThrow(/no MLLP listener/);
  });
});

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}
