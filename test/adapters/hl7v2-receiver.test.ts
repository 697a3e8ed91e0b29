import { once } from 'node:events';
import net from 'node:net';
import { Writable } from 'node:stream';
import { Hl7Message } from '@medplum/core';
import { Hl7Client } from '@medplum/hl7';
import { LabStore, type CrossReferenceLinks, type LabMessageStore } from '../../adapters/hl7v2/lab-store';
import { startMllpReceiver, type MllpReceiver } from '../../adapters/hl7v2/receiver';
import { createLogger } from '../../lib/logger';
import { MRN, MemoryXref, NAM, labSource, oru, type OruParts } from '../fixtures/hl7/messages';
import { openTestDb } from '../support/db';

const source = labSource();
const MR_ONLY = `${MRN}^^^CHUM^MR`;

describe('MLLP receiver (real TCP socket)', () => {
  let db: Awaited<ReturnType<typeof openTestDb>>;
  let store: LabStore;
  let xref: MemoryXref;
  let logs: string[];
  let receiver: MllpReceiver | undefined;
  const clients: { close(): unknown }[] = [];

  beforeAll(async () => {
    db = await openTestDb('lab_receiver');
    // The store records PID-3's links (in its transaction) into the cross-reference the receiver reads.
    const links: CrossReferenceLinks = {
      linkMany: async (all, via) => { for (const l of all) await xref.link(l.sourceId, l.localId, l.nam, via); },
      namFor: (sourceId, localId) => xref.namFor(sourceId, localId),
    };
    store = new LabStore(db, { xref: links });
    await store.migrate();
  });
  beforeEach(async () => {
    await db.query('TRUNCATE lab_results, lab_messages');
    xref = new MemoryXref();
    logs = [];
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) await client.close();
    await receiver?.close();
    receiver = undefined;
  });
  afterAll(() => db.drop());

  async function listen(labStore: LabMessageStore = store): Promise<number> {
    const capture = new Writable({ write: (chunk, _e, done) => (logs.push(chunk.toString()), done()) });
    receiver = await startMllpReceiver({ source, store: labStore, xref, logger: createLogger('debug', capture), host: '127.0.0.1', port: 0 });
    return receiver.port;
  }

  /** Sends with @medplum/hl7's client, as a lab's interface engine would, and returns MSA and ERR. */
  async function send(port: number, parts: OruParts = {}) {
    const client = new Hl7Client({ host: '127.0.0.1', port });
    clients.push(client);
    // No timeoutMs: @medplum/hl7 leaves that timer running after the ACK (jest then waits for it).
    const ack = await client.sendAndWait(Hl7Message.parse(oru(parts)));
    return { msa: ack.getSegment('MSA')!.toString(), err: ack.getSegment('ERR')?.toString() };
  }

  /** A raw socket, to send what a client library would not (noise, garbage, pipelined frames). */
  async function raw(port: number) {
    const socket = net.connect(port, '127.0.0.1');
    clients.push({ close: () => socket.destroy() });
    await once(socket, 'connect');
    const acks: string[] = [];
    let pending = '';
    socket.on('data', (data) => {
      pending += data.toString('utf8');
      for (let m = /\x0b([^\x1c]*)\x1c\r/.exec(pending); m; m = /\x0b([^\x1c]*)\x1c\r/.exec(pending)) {
        acks.push(m[1].split('\r').find((s) => s.startsWith('MSA'))!);
        pending = pending.slice(m.index + m[0].length);
      }
    });
    const until = async (n: number) => {
      for (let waited = 0; acks.length < n; waited += 20) {
        if (waited > 5000) throw new Error(`only ${acks.length} of ${n} ACKs`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return acks;
    };
    return { write: (bytes: string) => socket.write(Buffer.from(bytes, 'utf8')), until };
  }
  const framed = (text: string) => `\x0b${text}\x1c\r`;

  const count = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM lab_results')).rows[0].n;
  const found = async (ref: { nam: string; localId?: string }) => (await store.resultsFor(source, [ref])).get(ref.nam) ?? [];

  it('a well-formed ORU^R01 is stored before it is acknowledged AA', async () => {
    let rowsWhenSaveReturned = -1;
    const slowStore: LabMessageStore = {
      async saveMessage(sourceId, message) {
        await new Promise((r) => setTimeout(r, 150));
        const outcome = await store.saveMessage(sourceId, message);
        rowsWhenSaveReturned = await count();
        return outcome;
      },
    };
    const port = await listen(slowStore);
    const { msa, err } = await send(port);
    const rowsWhenAcked = await count();
    expect(msa).toBe('MSA|AA|MSG-0001|OK');
    expect(err).toBeUndefined();
    expect(rowsWhenSaveReturned).toBe(2);
    expect(rowsWhenAcked).toBe(2);
    expect((await found({ nam: NAM })).map((r) => r.code).sort()).toEqual(['2345-7', '2823-3']);
  });

  it('a message without PID-3 is answered AE with the reason in MSA-3 and ERR, and nothing is stored', async () => {
    const port = await listen();
    const { msa, err } = await send(port, { pid3: '' });
    expect(msa).toBe('MSA|AE|MSG-0001|PID-3 (patient identifier list) is empty');
    expect(err).toBe('ERR||PID^1^3^1|101^Required field missing^HL70357|E||||PID-3 (patient identifier list) is empty');
    expect(await count()).toBe(0);
  });

  it('a message that is not ORU^R01 is rejected AR, and nothing is stored', async () => {
    const port = await listen();
    const { msa, err } = await send(port, { type: 'ADT^A01^ADT_A01' });
    expect(msa).toBe('MSA|AR|MSG-0001|only ORU\\S\\R01 messages are accepted here'); // "^" escaped (Ch. 2 §2.7.4)
    expect(err).toMatch(/^ERR\|\|MSH\^1\^9\^1\|200\^Unsupported message type\^HL70357\|E\|/);
    expect(await count()).toBe(0);
  });

  it('the same MSH-10 from the same sender sent twice is acknowledged twice and stored once', async () => {
    const port = await listen();
    expect((await send(port)).msa).toBe('MSA|AA|MSG-0001|OK');
    expect((await send(port)).msa).toBe('MSA|AA|MSG-0001|already received; stored once');
    expect(await count()).toBe(2);
  });

  it('the same MSH-10 from another sender is a different message', async () => {
    const port = await listen();
    await send(port, { sendingApp: 'SIL' });
    expect((await send(port, { sendingApp: 'SIL-URGENCE' })).msa).toBe('MSA|AA|MSG-0001|OK');
    const ids = (await found({ nam: NAM })).map((r) => r.id);
    expect(ids).toHaveLength(4);
    expect(new Set(ids).size).toBe(4);
  });

  it('the same MSH-10 reused by the same sender for another message is answered AE, the first one kept', async () => {
    const port = await listen();
    await send(port);
    const { msa, err } = await send(port, { obx: ['OBX|1|NM|718-7^Hémoglobine^LN||131|g/L|||||F'] });
    expect(msa).toBe('MSA|AE|MSG-0001|MSH-10 was already used by this sender for another message');
    expect(err).toContain('|205^Duplicate key identifier^HL70357|E|');
    expect(await count()).toBe(2);
  });

  it('noise bytes between two frames do not lose the second message', async () => {
    const port = await listen();
    const client = await raw(port);
    client.write(`${framed(oru({ controlId: 'N-1' }))}\r\n\x00garbage  `);
    client.write(`more noise${framed(oru({ controlId: 'N-2' }))}`);
    expect(await client.until(2)).toEqual(['MSA|AA|N-1|OK', 'MSA|AA|N-2|OK']);
    expect(await count()).toBe(4);
  });

  it('a frame that is not HL7 is answered AR, and the next message on the connection is still handled', async () => {
    const port = await listen();
    const client = await raw(port);
    client.write(framed('hello, is this the lab?'));
    client.write(framed(oru({ controlId: 'AFTER' })));
    expect(await client.until(2)).toEqual(['MSA|AR||the message does not start with MSH', 'MSA|AA|AFTER|OK']);
  });

  it('messages sent back to back on one connection are acknowledged in order', async () => {
    const port = await listen();
    const client = await raw(port);
    const ids = ['P-1', 'P-2', 'P-3', 'P-4', 'P-5'];
    client.write(ids.map((controlId) => framed(oru({ controlId }))).join(''));
    expect((await client.until(5)).map((msa) => msa.split('|')[2])).toEqual(ids);
  });

  it('a database failure gets no AA, and the message sent again is stored once', async () => {
    let failures = 1;
    const flaky: LabMessageStore = {
      saveMessage: (sourceId, message) => (failures-- > 0 ? Promise.reject(Object.assign(new Error(`duplicate ${NAM}`), { code: '57P01' })) : store.saveMessage(sourceId, message)),
    };
    const port = await listen(flaky);
    const first = await send(port);
    expect(first.msa).toBe('MSA|AE|MSG-0001|the message could not be stored; send it again');
    expect(first.err).toContain('|207^Application internal error^HL70357|E|');
    expect(await count()).toBe(0);
    expect((await send(port)).msa).toBe('MSA|AA|MSG-0001|OK');
    expect(await count()).toBe(2);
  });

  it('an MR-only message is found by the NAM once the cross-reference links them', async () => {
    const port = await listen();
    await send(port, { controlId: 'MR-1', pid3: MR_ONLY });
    expect(await found({ nam: NAM })).toEqual([]);
    expect(await found({ nam: NAM, localId: MRN })).toHaveLength(2);

    // A message with both ids feeds the cross-reference and gives the NAM to the earlier results.
    await send(port, { controlId: 'BOTH-1' });
    expect(xref.linked).toEqual([{ sourceId: source.id, localId: MRN, nam: NAM, via: 'hl7' }]);
    expect(await found({ nam: NAM })).toHaveLength(4);

    // Later MR-only messages are stored under the NAM the cross-reference knows.
    await send(port, { controlId: 'MR-2', pid3: MR_ONLY });
    const { rows } = await db.query<{ nam: string | null }>("SELECT DISTINCT nam FROM lab_results WHERE control_id = 'MR-2'");
    expect(rows).toEqual([{ nam: NAM }]);
    expect(await found({ nam: NAM })).toHaveLength(6);
  });

  it('when the cross-reference is down, an MR-only message is still accepted and kept under the MR', async () => {
    xref.failing = true;
    const port = await listen();
    expect((await send(port, { pid3: MR_ONLY })).msa).toBe('MSA|AA|MSG-0001|OK');
    expect(await found({ nam: NAM, localId: MRN })).toHaveLength(2);
  });

  it('logs one line per message with the source, a control id hash and the ACK code, never patient data', async () => {
    const port = await listen();
    await send(port);
    await send(port, { controlId: 'BAD', pid3: `TREM75991212^^^RAMQ^JHN~${MRN}^^^CHUM^MR` });
    const lines = logs.filter((l) => l.includes('"lab message"')).map((l) => JSON.parse(l));
    expect(lines).toEqual([
      expect.objectContaining({ source: source.id, control: expect.stringMatching(/^[0-9a-f]{12}$/), ack: 'AA', results: 2, duplicate: false }),
      expect.objectContaining({ source: source.id, ack: 'AE', error: 102 }),
    ]);
    const all = logs.join('\n');
    for (const secret of [NAM, 'TREM75991212', MRN, 'Tremblay', 'Marie', '7.9', 'MSG-0001']) expect(all).not.toContain(secret);
  });

  it('close() lets the message being stored finish and be acknowledged', async () => {
    const slow: LabMessageStore = { saveMessage: async (id, m) => (await new Promise((r) => setTimeout(r, 200)), store.saveMessage(id, m)) };
    const port = await listen(slow);
    const client = await raw(port);
    client.write(framed(oru()));
    await new Promise((r) => setTimeout(r, 50));
    await receiver!.close();
    receiver = undefined;
    expect(await client.until(1)).toEqual(['MSA|AA|MSG-0001|OK']);
    expect(await count()).toBe(2);
  });
});
