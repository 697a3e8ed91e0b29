import { Writable } from 'node:stream';
import { LabStore, type CrossReferenceLinks } from '../../adapters/hl7v2/lab-store';
import { startMllpReceiver, type MllpReceiver } from '../../adapters/hl7v2/receiver';
import { isAllowedSender, senderAllowList } from '../../adapters/hl7v2/sender-allow-list';
import { createLogger } from '../../lib/logger';
import { MemoryXref, labSource, oru } from '../fixtures/hl7/messages';
import { openTestDb } from '../support/db';
import { mllpClient, within, type MllpTestClient } from '../support/mllp-client';

describe('allowedSenders: which lab systems may connect', () => {
  const peer = (remoteAddress: string, remoteFamily = remoteAddress.includes(':') ? 'IPv6' : 'IPv4') => ({ remoteAddress, remoteFamily });
  const list = senderAllowList(['10.1.2.0/24', '192.168.0.7', 'fd00:1::/32']);

  it('an address inside a CIDR range, or listed alone, is let in', () => {
    expect(isAllowedSender(list, peer('10.1.2.200'))).toBe(true);
    expect(isAllowedSender(list, peer('192.168.0.7'))).toBe(true);
    expect(isAllowedSender(list, peer('fd00:1:0:5::9'))).toBe(true);
  });

  it('an address outside every entry is not', () => {
    expect(isAllowedSender(list, peer('10.1.3.1'))).toBe(false);
    expect(isAllowedSender(list, peer('192.168.0.8'))).toBe(false);
    expect(isAllowedSender(list, peer('fd00:2::1'))).toBe(false);
  });

  it('an IPv4 sender seen by a dual-stack listener (::ffff:10.1.2.3) matches the IPv4 ranges', () => {
    expect(isAllowedSender(list, peer('::ffff:10.1.2.3'))).toBe(true);
    expect(isAllowedSender(list, peer('::ffff:10.9.9.9'))).toBe(false);
  });

  it('a socket already gone (no address) is not let in', () => {
    expect(isAllowedSender(list, { remoteAddress: undefined, remoteFamily: undefined })).toBe(false);
  });
});

describe('allowedSenders on a listener (real TCP sockets)', () => {
  let db: Awaited<ReturnType<typeof openTestDb>>;
  let store: LabStore;
  let logs: string[];
  let receiver: MllpReceiver | undefined;
  let client: MllpTestClient | undefined;

  beforeAll(async () => {
    db = await openTestDb('lab_allowed_senders');
    const xref = new MemoryXref();
    const links: CrossReferenceLinks = { linkMany: async () => undefined, namFor: (s, l) => xref.namFor(s, l) };
    store = new LabStore(db, { xref: links });
    await store.migrate();
  });
  beforeEach(async () => {
    await db.query('TRUNCATE lab_results, lab_messages');
    logs = [];
  });
  afterEach(async () => {
    client?.destroy();
    await receiver?.close();
    receiver = undefined;
  });
  afterAll(() => db.drop());

  async function listen(allowedSenders: string[], host = '127.0.0.1') {
    const capture = new Writable({ write: (chunk, _e, done) => (logs.push(chunk.toString()), done()) });
    const source = labSource({ allowedSenders });
    receiver = await startMllpReceiver({ source, store, xref: new MemoryXref(), logger: createLogger('debug', capture), host, port: 0 });
    client = await mllpClient(receiver.port, host);
    return client;
  }
  const stored = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM lab_messages')).rows[0].n;

  it('a sender outside the list is closed at once, unread, and counted in the log with the source and its address', async () => {
    const lab = await listen(['10.1.2.0/24']);
    lab.send(oru());
    await within(1000, lab.closed, 'the connection to be refused');
    expect(lab.acks).toEqual([]);
    expect(await stored()).toBe(0);
    const lines = logs.map((l) => JSON.parse(l)).filter((l) => l.msg === 'mllp connection refused: sender not in allowedSenders');
    expect(lines).toEqual([expect.objectContaining({ source: 'lab-test', peer: '127.0.0.1', refused: 1 })]);
  });

  it('a sender on the list is served', async () => {
    const lab = await listen(['10.1.2.0/24', '127.0.0.1']);
    lab.send(oru());
    expect((await lab.until(1))[0].msa).toBe('MSA|AA|MSG-0001|OK');
    expect(await stored()).toBe(1);
  });

  it('an IPv6 sender is matched against IPv6 entries', async () => {
    const lab = await listen(['fd00::/8', '::1'], '::1');
    lab.send(oru());
    expect((await lab.until(1))[0].msa).toBe('MSA|AA|MSG-0001|OK');
  });
});
