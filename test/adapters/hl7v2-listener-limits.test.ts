import { Writable } from 'node:stream';
import { LabStore, type CrossReferenceLinks, type LabMessageStore } from '../../adapters/hl7v2/lab-store';
import { startMllpReceiver, type MllpReceiver, type MllpReceiverOptions } from '../../adapters/hl7v2/receiver';
import { createLogger } from '../../lib/logger';
import { MemoryXref, labSource, oru } from '../fixtures/hl7/messages';
import { openTestDb } from '../support/db';
import { mllpClient, within, type MllpTestClient } from '../support/mllp-client';

const source = labSource();

/** Issue #8 §3 and §7: what a lab system sees when it holds a connection, floods it, or we stop. */
describe('MLLP listener limits (real TCP sockets)', () => {
  let db: Awaited<ReturnType<typeof openTestDb>>;
  let store: LabStore;
  let logs: string[];
  let receiver: MllpReceiver | undefined;
  const clients: MllpTestClient[] = [];

  beforeAll(async () => {
    db = await openTestDb('lab_listener_limits');
    const xref = new MemoryXref();
    const links: CrossReferenceLinks = {
      linkMany: async (all, via) => { for (const l of all) await xref.link(l.sourceId, l.localId, l.nam, via); },
      namFor: (sourceId, localId) => xref.namFor(sourceId, localId),
    };
    store = new LabStore(db, { xref: links });
    await store.migrate();
  });
  beforeEach(async () => {
    await db.query('TRUNCATE lab_results, lab_messages');
    logs = [];
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy();
    await receiver?.close();
    receiver = undefined;
  });
  afterAll(() => db.drop());

  async function listen(limits: Partial<MllpReceiverOptions> = {}, labStore: LabMessageStore = store): Promise<number> {
    const capture = new Writable({ write: (chunk, _e, done) => (logs.push(chunk.toString()), done()) });
    receiver = await startMllpReceiver({ source, store: labStore, xref: new MemoryXref(), logger: createLogger('debug', capture), host: '127.0.0.1', port: 0, ...limits });
    return receiver.port;
  }
  async function connect(port: number) {
    const client = await mllpClient(port);
    clients.push(client);
    return client;
  }
  const slowStore = (ms: number): LabMessageStore => ({ saveMessage: async (id, m) => (await pause(ms), store.saveMessage(id, m)) });
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const stored = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM lab_messages')).rows[0].n;
  const logged = (msg: string) => logs.map((l) => JSON.parse(l)).filter((l) => l.msg === msg);
  /** An ORU^R01 whose OBX-5 (TX) holds `bytes` bytes of report text. */
  const large = (bytes: number, controlId = 'BIG-1') => oru({ controlId, obx: [`OBX|1|TX|11502-2^Rapport^LN||${'x'.repeat(bytes)}||||||F`] });

  describe('idle timeout', () => {
    it('a connection that sends nothing for idleTimeoutMs is closed', async () => {
      const client = await connect(await listen({ idleTimeoutMs: 300 }));
      client.send(oru());
      await client.until(1);
      await pause(150);
      expect(client.isClosed()).toBe(false);
      await within(2000, client.closed, 'the idle connection to close');
      expect(logged('mllp connection idle: closed')).toEqual([expect.objectContaining({ source: source.id, limit: 300 })]);
    });

    it('a sender waiting for its ACK is not idle: the ACK comes, and the same connection takes the next message', async () => {
      const client = await connect(await listen({ idleTimeoutMs: 200 }, slowStore(500)));
      client.send(oru({ controlId: 'SLOW-1' }));
      await client.until(1);
      client.send(oru({ controlId: 'SLOW-2' }));
      expect((await client.until(2)).map((a) => a.msa)).toEqual(['MSA|AA|SLOW-1|OK', 'MSA|AA|SLOW-2|OK']);
      expect(await stored()).toBe(2);
    });
  });

  describe('connection cap', () => {
    it('the connection beyond maxConnections is refused at once, unread, while the others keep working', async () => {
      const port = await listen({ maxConnections: 2 });
      const [first, second] = [await connect(port), await connect(port)];
      first.send(oru({ controlId: 'FIRST-1' }));
      await first.until(1);
      const third = await connect(port);
      third.send(oru({ controlId: 'THIRD-1' }));
      await within(1000, third.closed, 'the third connection to be refused');
      second.send(oru({ controlId: 'SECOND-1' }));
      first.send(oru({ controlId: 'FIRST-2' }));
      expect((await second.until(1)).map((a) => a.msa)).toEqual(['MSA|AA|SECOND-1|OK']);
      expect((await first.until(2)).map((a) => a.msa)).toEqual(['MSA|AA|FIRST-1|OK', 'MSA|AA|FIRST-2|OK']);
      expect(third.acks).toEqual([]);
      expect(await stored()).toBe(3);
    });

    it('a refused connection is counted in the log by source id, without the address', async () => {
      const port = await listen({ maxConnections: 1 });
      await connect(port);
      for (const _ of [1, 2]) await within(1000, (await connect(port)).closed, 'a refused connection to close');
      const lines = logged('mllp connection refused: connection cap reached');
      expect(lines).toEqual([
        { level: 40, time: expect.any(Number), source: source.id, limit: 1, refused: 1, msg: expect.any(String) },
        { level: 40, time: expect.any(Number), source: source.id, limit: 1, refused: 2, msg: expect.any(String) },
      ]);
      expect(logs.join('\n')).not.toContain('127.0.0.1');
    });

    it('a connection that closes frees its place', async () => {
      const port = await listen({ maxConnections: 1 });
      const first = await connect(port);
      first.destroy();
      await first.closed;
      await pause(50);
      const next = await connect(port);
      next.send(oru());
      expect((await next.until(1))[0].msa).toBe('MSA|AA|MSG-0001|OK');
    });
  });

  describe('message size', () => {
    it('a message larger than maxFrameBytes is answered AR with ERR 104 (value too long), the connection closed, nothing stored', async () => {
      const client = await connect(await listen({ maxFrameBytes: 4096 }));
      client.send(large(10_000));
      await within(3000, client.closed, 'the connection to close after the AR');
      expect(client.acks).toEqual([
        {
          msa: 'MSA|AR|BIG-1|the message is larger than this listener accepts (4096 bytes); it was not read',
          err: 'ERR|||104^Value too long^HL70357|E||||the message is larger than this listener accepts (4096 bytes); it was not read',
          text: expect.any(String),
        },
      ]);
      expect(await stored()).toBe(0);
    });

    it('the messages before an oversized one on the same connection are still acknowledged, in order', async () => {
      const client = await connect(await listen({ maxFrameBytes: 4096 }, slowStore(100)));
      client.send(oru({ controlId: 'BEFORE-1' }));
      client.send(large(10_000, 'BIG-2'));
      client.send(oru({ controlId: 'AFTER-1' }));
      await client.closed;
      expect(client.acks.map((a) => a.msa.split('|').slice(0, 3).join('|'))).toEqual(['MSA|AA|BEFORE-1', 'MSA|AR|BIG-2']);
      expect(await stored()).toBe(1);
    });

    it('a message of the largest size accepted is stored', async () => {
      const message = large(3000);
      const client = await connect(await listen({ maxFrameBytes: Buffer.byteLength(message) }));
      client.send(message);
      expect((await client.until(1))[0].msa).toBe('MSA|AA|BIG-1|OK');
    });
  });

  describe('unterminated message', () => {
    it('a message begun (VT) but not ended (FS CR) within frameTimeoutMs is abandoned and the connection closed', async () => {
      const client = await connect(await listen({ frameTimeoutMs: 300, idleTimeoutMs: 10_000 }));
      client.write(`\x0b${oru()}`);
      const took = await within(3000, client.closed, 'the connection to close');
      expect(took).toBeGreaterThanOrEqual(250);
      expect(client.acks).toEqual([]);
      expect(await stored()).toBe(0);
      expect(logged('mllp message not ended in time: abandoned, connection closed')).toHaveLength(1);
    });

    it('a sender trickling one message byte by byte is cut off after frameTimeoutMs, though never idle', async () => {
      const client = await connect(await listen({ frameTimeoutMs: 400, idleTimeoutMs: 10_000 }));
      const text = oru();
      let sent = 0;
      client.write('\x0b');
      const trickle = setInterval(() => client.write(text[sent++ % text.length]), 50);
      try {
        const took = await within(3000, client.closed, 'the connection to close');
        expect(took).toBeGreaterThanOrEqual(350);
      } finally {
        clearInterval(trickle);
      }
      expect(await stored()).toBe(0);
    });

    it('a message sent slowly but ended in time is stored, and the connection stays open', async () => {
      const client = await connect(await listen({ frameTimeoutMs: 500 }));
      const text = `\x0b${oru()}\x1c\r`;
      for (const part of [text.slice(0, 40), text.slice(40, 120), text.slice(120)]) {
        client.write(part);
        await pause(100);
      }
      expect((await client.until(1))[0].msa).toBe('MSA|AA|MSG-0001|OK');
      await pause(600);
      expect(client.isClosed()).toBe(false);
    });
    it('a message the listener stopped reading while busy is not abandoned: time counts only while it reads', async () => {
      // 70 messages at 10 ms each: past 64 waiting the listener stops reading for ~0.6 s, longer than frameTimeoutMs.
      const client = await connect(await listen({ frameTimeoutMs: 300 }, slowStore(10)));
      const last = `\x0b${oru({ controlId: 'LAST' })}\x1c\r`;
      client.write(Array.from({ length: 70 }, (_, i) => `\x0b${oru({ controlId: `Q-${i}` })}\x1c\r`).join('') + last.slice(0, 80));
      await pause(100);
      client.write(last.slice(80));
      const acks = await client.until(71);
      expect(acks.at(-1)!.msa).toBe('MSA|AA|LAST|OK');
    });
  });

  describe('graceful shutdown', () => {
    it('close() stores and acknowledges the messages received, abandons the one still arriving, then closes', async () => {
      const client = await connect(await listen({}, slowStore(200)));
      const half = `\x0b${oru({ controlId: 'HALF' })}`;
      client.send(oru({ controlId: 'IN-FLIGHT' }));
      client.send(oru({ controlId: 'RECEIVED' }));
      client.write(half.slice(0, 60));
      await pause(50);
      const closing = receiver!.close();
      receiver = undefined;
      client.write(`${half.slice(60)}\x1c\r`); // ends the message after close() began: too late
      await closing;
      expect(client.acks.map((a) => a.msa)).toEqual(['MSA|AA|IN-FLIGHT|OK', 'MSA|AA|RECEIVED|OK']);
      await within(2000, client.closed, 'the connection to close');
      const { rows } = await db.query<{ control_id: string }>('SELECT control_id FROM lab_messages ORDER BY control_id');
      expect(rows.map((r) => r.control_id)).toEqual(['IN-FLIGHT', 'RECEIVED']);
    });

    it('once close() has begun, new connections are refused', async () => {
      const port = await listen({}, slowStore(300));
      const client = await connect(port);
      client.send(oru());
      await pause(50);
      const closing = receiver!.close();
      receiver = undefined;
      await expect(mllpClient(port)).rejects.toThrow(/ECONNREFUSED/);
      await closing;
      expect(client.acks.map((a) => a.msa)).toEqual(['MSA|AA|MSG-0001|OK']);
    });
  });
});
