import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Hl7Message } from '@medplum/core';
import { LabStore } from '../../adapters/hl7v2/lab-store';
import { readOru } from '../../adapters/hl7v2/oru';
import { startMllpReceiver, type MllpReceiver } from '../../adapters/hl7v2/receiver';
import type { AnswerInvalidation } from '../../adapters/port';
import { loadConfig } from '../../lib/config';
import type { Db } from '../../lib/db';
import { createLogger } from '../../lib/logger';
import { XrefStore } from '../../locator/cross-reference';
import { RecordLocator } from '../../locator/record-locator';
import { startLabListeners } from '../../services/lab-listener';
import { MRN, NAM, labSource, oru, type OruParts } from '../fixtures/hl7/messages';
import { openTestDb } from '../support/db';

const source = labSource();
/** Two more people of the laboratory (valid NAMs), with their own MRNs. */
const GAGNON = { nam: 'GAGJ80010112', mrn: 'MRN555001' };
const ROY = { nam: 'ROYP52041519', mrn: 'MRN555002' };
const pid3 = (nam: string, mrn: string) => `${nam}^^^RAMQ&2.16.124.10.101.1.60.100&ISO^JHN~${mrn}^^^CHUM^MR`;
const MR_ONLY = `${MRN}^^^CHUM^MR`;
/** A message as the receiver hands it to the store (validated; an MR-only one without a NAM when the cross-reference did not know its MR). */
const read = (parts: OruParts = {}) => {
  const outcome = readOru(Hl7Message.parse(oru(parts)), source);
  if (!outcome.ok) throw new Error(outcome.rejection.reason);
  return outcome.message;
};

/** A gate: `wait()` resolves once `open()` is called; open by default. */
class Gate {
  private opened: Promise<void> = Promise.resolve();
  private release = () => undefined as void;
  close(): void {
    this.opened = new Promise((resolve) => (this.release = resolve));
  }
  open(): void {
    this.release();
  }
  wait(): Promise<void> {
    return this.opened;
  }
}

describe('lab ingestion: group commit over several MLLP connections', () => {
  let db: Awaited<ReturnType<typeof openTestDb>>;
  let xref: XrefStore;
  let locator: RecordLocator;
  let store: LabStore;
  let receiver: MllpReceiver | undefined;
  let logs: string[];
  /** Transactions started through the store's database, and the gate each one's COMMIT waits at. */
  let transactions: number;
  const commit = new Gate();
  const invalidations: { sourceId: string; nams: readonly string[] }[] = [];
  let cache: AnswerInvalidation;
  const sockets: net.Socket[] = [];

  beforeAll(async () => {
    db = await openTestDb('lab_group_commit');
    xref = new XrefStore(db);
    locator = new RecordLocator(db);
    await new LabStore(db).migrate();
    await xref.migrate();
    await locator.migrate();
  });
  beforeEach(async () => {
    await db.query('TRUNCATE lab_results, lab_messages, patient_xref, record_locations');
    transactions = 0;
    commit.open();
    invalidations.length = 0;
    cache = { invalidate: async (sourceId, nams) => void invalidations.push({ sourceId, nams }) };
    logs = [];
    // The store's database: the real one, each COMMIT held while the gate is closed.
    const gated: Db = {
      ...db,
      transaction: (work) => {
        transactions++;
        return db.transaction(async (tx) => {
          const result = await work(tx);
          await commit.wait();
          return result;
        });
      },
    };
    const logger = createLogger('debug', new Writable({ write: (chunk, _e, done) => (logs.push(chunk.toString()), done()) }));
    store = new LabStore(gated, { xref, locator, invalidation: { invalidate: (id, nams) => cache.invalidate(id, nams) }, logger });
    receiver = await startMllpReceiver({ source, store, xref, logger, host: '127.0.0.1', port: 0 });
  });
  afterEach(async () => {
    commit.open();
    for (const socket of sockets.splice(0)) socket.destroy();
    await receiver?.close();
  });
  afterAll(() => db.drop());

  /** One lab connection: sends framed messages, collects MSA segments of the ACKs. */
  async function connection() {
    const socket = net.connect(receiver!.port, '127.0.0.1');
    sockets.push(socket);
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
    return {
      acks,
      send: (parts: OruParts) => socket.write(Buffer.from(`\x0b${oru(parts)}\x1c\r`, 'utf8')),
      ack: () => until(() => acks.length > 0, 'an ACK').then(() => acks[0]),
    };
  }

  async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
    for (let waited = 0; !(await condition()); waited += 10) {
      if (waited > 5000) throw new Error(`waited 5 s for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
  /** Holds commits, sends a first message whose commit is then in flight: what follows queues behind it. */
  async function holdWithOneInFlight() {
    commit.close();
    const first = await connection();
    first.send({ controlId: 'FIRST' });
    await until(() => transactions === 1 && store.waiting === 0, 'the first commit to start');
    return first;
  }
  const queued = (n: number) => until(() => store.waiting === n, `${n} messages waiting for the next commit`);
  const storedMessages = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM lab_messages')).rows[0].n;
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  /** PGlite is one connection: a read from outside waits for the held transaction. Only a server can show what is not committed yet. */
  const canReadBesideATransaction = () => db.kind === 'postgres';

  it('no ACK leaves while the commit is held back; all come once it is done', async () => {
    const first = await holdWithOneInFlight();
    const others = await Promise.all([1, 2, 3].map(() => connection()));
    others.forEach((c, i) => c.send({ controlId: `HELD-${i}` }));
    await queued(3);
    await pause(200);
    expect([first, ...others].map((c) => c.acks.length)).toEqual([0, 0, 0, 0]);
    if (canReadBesideATransaction()) expect(await storedMessages()).toBe(0);

    commit.open();
    expect(await Promise.all([first, ...others].map((c) => c.ack()))).toEqual(['MSA|AA|FIRST|OK', 'MSA|AA|HELD-0|OK', 'MSA|AA|HELD-1|OK', 'MSA|AA|HELD-2|OK']);
    expect(await storedMessages()).toBe(4);
  });

  it('messages arriving together on several connections are stored in one transaction', async () => {
    await holdWithOneInFlight();
    const labs = await Promise.all([1, 2, 3, 4, 5].map(() => connection()));
    labs.forEach((c, i) => c.send({ controlId: `TOGETHER-${i}` }));
    await queued(5);
    commit.open();
    await Promise.all(labs.map((c) => c.ack()));

    expect(transactions).toBe(2);
    // now() is the transaction's start time: one value, one transaction.
    const { rows } = await db.query<{ n: number }>("SELECT count(DISTINCT received_at)::int AS n FROM lab_messages WHERE control_id LIKE 'TOGETHER-%'");
    expect(rows[0].n).toBe(1);
    expect(await storedMessages()).toBe(6);
  });

  it('the same message sent twice in one batch is stored once, and both copies are acknowledged AA', async () => {
    await holdWithOneInFlight();
    const [a, b] = await Promise.all([connection(), connection()]);
    a.send({ controlId: 'TWICE' });
    await queued(1);
    b.send({ controlId: 'TWICE' });
    await queued(2);
    commit.open();

    expect([await a.ack(), await b.ack()]).toEqual(['MSA|AA|TWICE|OK', 'MSA|AA|TWICE|already received; stored once']);
    expect(transactions).toBe(2); // one batch for both copies, not a failed batch retried one by one
    const { rows } = await db.query<{ messages: number; results: number }>(
      "SELECT (SELECT count(*) FROM lab_messages WHERE control_id = 'TWICE')::int AS messages, (SELECT count(*) FROM lab_results WHERE control_id = 'TWICE')::int AS results",
    );
    expect(rows[0]).toEqual({ messages: 1, results: 2 });
  });

  it('an MSH-10 reused for another message in the same batch: the first is stored, the second answered AE', async () => {
    await holdWithOneInFlight();
    const [a, b] = await Promise.all([connection(), connection()]);
    a.send({ controlId: 'REUSED' });
    await queued(1);
    b.send({ controlId: 'REUSED', obx: ['OBX|1|NM|718-7^Hémoglobine^LN||131|g/L|120-160||||F'] });
    await queued(2);
    commit.open();

    expect(await a.ack()).toBe('MSA|AA|REUSED|OK');
    expect(await b.ack()).toBe('MSA|AE|REUSED|MSH-10 was already used by this sender for another message');
    expect(transactions).toBe(2);
    const { rows } = await db.query<{ code: string }>("SELECT code FROM lab_results WHERE control_id = 'REUSED' ORDER BY code");
    expect(rows.map((r) => r.code)).toEqual(['2345-7', '2823-3']);
  });

  it('a message the database refuses is answered AE; the other messages of its batch are stored and acknowledged AA', async () => {
    // A rule of the database the lab store does not know about: a result value longer than 20 characters.
    await db.query('ALTER TABLE lab_results ADD CONSTRAINT value_fits CHECK (length(value) <= 20)');
    try {
      await holdWithOneInFlight();
      const labs = await Promise.all([1, 2, 3, 4].map(() => connection()));
      const long = 'OBX|1|ST|5909-7^Frottis sanguin^LN||Hémolyse marquée, reprise demandée||||||F';
      labs.forEach((c, i) => c.send(i === 2 ? { controlId: 'REFUSED', obx: [long] } : { controlId: `INNOCENT-${i}` }));
      await queued(4);
      commit.open();

      expect(await Promise.all(labs.map((c) => c.ack()))).toEqual([
        'MSA|AA|INNOCENT-0|OK',
        'MSA|AA|INNOCENT-1|OK',
        'MSA|AE|REFUSED|the message could not be stored; send it again',
        'MSA|AA|INNOCENT-3|OK',
      ]);
      const { rows } = await db.query<{ control_id: string }>('SELECT control_id FROM lab_messages ORDER BY control_id');
      expect(rows.map((r) => r.control_id)).toEqual(['FIRST', 'INNOCENT-0', 'INNOCENT-1', 'INNOCENT-3']);
      // The held first message, the batch of four that failed, then each of the four alone.
      expect(transactions).toBe(6);
      const failure = logs.map((l) => JSON.parse(l)).find((l) => l.msg === 'lab batch failed; storing its messages one by one');
      expect(failure).toEqual(expect.objectContaining({ messages: 4, failure: '23514' }));
      expect(logs.join('\n')).not.toContain('Hémolyse');
    } finally {
      await db.query('ALTER TABLE lab_results DROP CONSTRAINT value_fits');
    }
  });

  it('every NAM of an acknowledged message is in the record locator, committed with its results', async () => {
    await holdWithOneInFlight();
    const labs = await Promise.all([1, 2, 3].map(() => connection()));
    labs[0].send({ controlId: 'L-1' });
    labs[1].send({ controlId: 'L-2', pid3: pid3(GAGNON.nam, GAGNON.mrn) });
    labs[2].send({ controlId: 'L-3', pid3: pid3(ROY.nam, ROY.mrn) });
    await queued(3);
    if (canReadBesideATransaction()) expect((await locator.holdersOf([NAM, GAGNON.nam, ROY.nam])).size).toBe(0);
    commit.open();
    await Promise.all(labs.map((c) => c.ack()));

    const holders = await locator.holdersOf([NAM, GAGNON.nam, ROY.nam]);
    expect(Object.fromEntries(holders)).toEqual({ [NAM]: [source.id], [GAGNON.nam]: [source.id], [ROY.nam]: [source.id] });
  });

  it('PID-3 links reach the cross-reference with the results, and an MR-only message of the same batch is filed under that NAM', async () => {
    // Saved in the same turn of the event loop: one batch, the MR-only message first.
    const outcomes = await Promise.all([store.saveMessage(source.id, read({ controlId: 'MR-ONLY', pid3: MR_ONLY })), store.saveMessage(source.id, read({ controlId: 'LINKS' }))]);
    expect(outcomes).toEqual(['stored', 'stored']);
    expect(transactions).toBe(1);

    expect(await xref.namFor(source.id, MRN)).toBe(NAM);
    const { rows } = await db.query<{ nam: string | null }>("SELECT DISTINCT nam FROM lab_results WHERE control_id = 'MR-ONLY'");
    expect(rows).toEqual([{ nam: NAM }]);
  });

  it('the answer cache is told whose results changed, after the commit and before the ACK', async () => {
    const told = new Gate();
    let committedWhenTold = -1;
    cache = {
      invalidate: async (sourceId, nams) => {
        invalidations.push({ sourceId, nams });
        if (!nams.includes(GAGNON.nam)) return;
        const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM lab_messages WHERE control_id IN ('C-1', 'C-2')");
        committedWhenTold = rows[0].n;
        await told.wait();
      },
    };
    await holdWithOneInFlight();
    const labs = await Promise.all([1, 2].map(() => connection()));
    labs[0].send({ controlId: 'C-1' });
    labs[1].send({ controlId: 'C-2', pid3: pid3(GAGNON.nam, GAGNON.mrn) });
    await queued(2);
    told.close();
    commit.open();
    await until(() => committedWhenTold >= 0, 'the cache to be told about the second batch');
    await pause(150);
    expect(labs.map((c) => c.acks.length)).toEqual([0, 0]);
    told.open();
    await Promise.all(labs.map((c) => c.ack()));

    // Read from outside the transaction: the rows were committed when the cache was told.
    expect(committedWhenTold).toBe(2);
    expect(invalidations).toEqual([
      { sourceId: source.id, nams: [NAM] },
      { sourceId: source.id, nams: [GAGNON.nam, NAM].sort() },
    ]);
  });

  it('an MR-only message makes the cache forget the person the cross-reference knows for that MR', async () => {
    const lab = await connection();
    lab.send({ controlId: 'KNOWN' });
    await lab.ack();
    invalidations.length = 0;
    lab.acks.length = 0;
    lab.send({ controlId: 'MR-LATER', pid3: `${MRN}^^^CHUM^MR` });
    await lab.ack();
    expect(invalidations).toEqual([{ sourceId: source.id, nams: [NAM] }]);
  });

  it('an MR-only result whose MR was linked after the receiver looked it up still makes the cache forget that person', async () => {
    const mrOnly = read({ controlId: 'MR-RACE', pid3: MR_ONLY }); // looked up while nobody knew the MR
    await store.saveMessage(source.id, read({ controlId: 'LINKED-MEANWHILE' }));
    invalidations.length = 0;
    expect(await store.saveMessage(source.id, mrOnly)).toBe('stored');
    expect(invalidations).toEqual([{ sourceId: source.id, nams: [NAM] }]);
  });

  it('when the cache cannot be told, the message is still acknowledged AA and the failure is logged without patient data', async () => {
    cache = { invalidate: async () => Promise.reject(Object.assign(new Error(`cannot reach redis for ${NAM}`), { code: 'ECONNREFUSED' })) };
    const lab = await connection();
    lab.send({});
    expect(await lab.ack()).toBe('MSA|AA|MSG-0001|OK');
    const line = logs.map((l) => JSON.parse(l)).find((l) => l.msg === 'answer cache not invalidated after a lab batch');
    expect(line).toEqual(expect.objectContaining({ source: source.id, people: 1, failure: 'ECONNREFUSED' }));
    expect(logs.join('\n')).not.toContain(NAM);
  });
});

describe('lab listener service', () => {
  it('at start, locates the people whose results were stored before the record locator existed', async () => {
    const db = await openTestDb('lab_listener_backfill');
    const dir = mkdtempSync(join(tmpdir(), 'lab-listener-'));
    try {
      const before = new LabStore(db);
      await before.migrate();
      expect(await before.saveMessage(source.id, read({ controlId: 'OLD-1', pid3: pid3(GAGNON.nam, GAGNON.mrn) }))).toBe('stored');

      writeFileSync(join(dir, 'sources.json'), JSON.stringify({ sources: [{ id: source.id, name: source.name, domain: 'LAB_RESULTS', protocol: 'hl7v2-mllp', port: 0 }] }));
      const config = loadConfig({ SOURCES_FILE: join(dir, 'sources.json'), HOST: '127.0.0.1' });
      const listeners = await startLabListeners({ config, logger: createLogger('silent'), db });
      await listeners.stop();

      const locator = new RecordLocator(db);
      expect(Object.fromEntries(await locator.holdersOf([GAGNON.nam]))).toEqual({ [GAGNON.nam]: [source.id] });
      expect((await locator.rosterStates()).get(source.id)?.completeAt).toBeInstanceOf(Date);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await db.drop();
    }
  });
});
