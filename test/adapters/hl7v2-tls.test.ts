import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { LabStore, type CrossReferenceLinks } from '../../adapters/hl7v2/lab-store';
import { startMllpReceiver, type MllpReceiver } from '../../adapters/hl7v2/receiver';
import { createLogger } from '../../lib/logger';
import type { MllpTls } from '../../lib/sources';
import { MemoryXref, labSource, oru } from '../fixtures/hl7/messages';
import { openTestDb } from '../support/db';
import { makePki } from '../support/pki';
import { mllpClient, mllpClientOver, within, type MllpTestClient } from '../support/mllp-client';

/** OpenSSL settings for a throw-away PKI: a lab CA, our listener (IP SAN 127.0.0.1), lab clients. */
/** Certificates made once for the suite: the laboratories' CA, our listener's, a lab client's, and a stranger's. */
const makeLabPki = (dir: string) =>
  makePki(dir, ['lab-ca', 'other-ca'], [['listener', 'lab-ca', 'server'], ['lab-client', 'lab-ca', 'client'], ['stranger', 'other-ca', 'client']]);

describe('MLLP over TLS (real sockets, certificates made with openssl)', () => {
  let dir: string;
  let pki: ReturnType<typeof makeLabPki>;
  let db: Awaited<ReturnType<typeof openTestDb>>;
  let store: LabStore;
  let logs: string[];
  let receiver: MllpReceiver | undefined;
  const clients: MllpTestClient[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mllp-tls-'));
    pki = makeLabPki(dir);
    db = await openTestDb('lab_tls');
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
    for (const client of clients.splice(0)) client.destroy();
    await receiver?.close();
    receiver = undefined;
  });
  afterAll(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const settings = (overrides: Partial<MllpTls> = {}): MllpTls => ({ certFile: pki.file('listener.crt'), keyFile: pki.file('listener.key'), caFile: pki.file('lab-ca.crt'), requireClientCert: true, ...overrides });
  async function listen(tlsSettings: MllpTls = settings()): Promise<number> {
    const logger = createLogger('debug', { write: (line: string) => void logs.push(line) });
    receiver = await startMllpReceiver({ source: labSource({ tls: tlsSettings }), store, xref: new MemoryXref(), logger, host: '127.0.0.1', port: 0 });
    return receiver.port;
  }
  /** A lab's TLS client, trusting our listener's CA, with its own certificate when given one. */
  function labClient(port: number, identity?: 'lab-client' | 'stranger'): MllpTestClient {
    const socket = tls.connect({ host: '127.0.0.1', port, ca: pki.pem('lab-ca.crt'), ...(identity ? { cert: pki.pem(`${identity}.crt`), key: pki.pem(`${identity}.key`) } : {}) });
    const client = mllpClientOver(socket);
    clients.push(client);
    return client;
  }
  const stored = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM lab_messages')).rows[0].n;

  it('a lab client with a certificate issued by the configured CA is served', async () => {
    const lab = labClient(await listen(), 'lab-client');
    lab.send(oru());
    expect((await lab.until(1))[0].msa).toBe('MSA|AA|MSG-0001|OK');
    expect(await stored()).toBe(1);
  });

  it('a client without a certificate is refused: the connection closes and nothing it sent is read', async () => {
    const lab = labClient(await listen());
    lab.send(oru());
    await within(3000, lab.closed, 'the connection to be refused');
    expect(lab.acks).toEqual([]);
    expect(await stored()).toBe(0);
    expect(logs.map((l) => JSON.parse(l)).filter((l) => l.msg === 'mllp TLS handshake refused')).toEqual([expect.objectContaining({ source: 'lab-test', code: expect.any(String) })]);
  });

  it('a client whose certificate another CA issued is refused', async () => {
    const lab = labClient(await listen(), 'stranger');
    lab.send(oru());
    await within(3000, lab.closed, 'the connection to be refused');
    expect(lab.acks).toEqual([]);
    expect(await stored()).toBe(0);
  });

  it('plain MLLP sent to a TLS listener gets no answer and is not read', async () => {
    const lab = await mllpClient(await listen());
    clients.push(lab);
    lab.send(oru());
    await within(3000, lab.closed, 'the connection to close');
    expect(lab.acks).toEqual([]);
    expect(await stored()).toBe(0);
  });

  it('without requireClientCert, any client that trusts our certificate is served', async () => {
    const lab = labClient(await listen(settings({ caFile: undefined, requireClientCert: false })));
    lab.send(oru());
    expect((await lab.until(1))[0].msa).toBe('MSA|AA|MSG-0001|OK');
  });

  it('a TLS file that cannot be read stops the start, naming the source and the field', async () => {
    const missing = join(dir, 'missing.key');
    await expect(listen(settings({ keyFile: missing }))).rejects.toThrow(`source lab-test: tls.keyFile (${missing}) cannot be read: ENOENT`);
  });

  it('a TLS file holding something else stops the start without quoting it', async () => {
    const start = listen(settings({ certFile: pki.file('listener.key') }));
    await expect(start).rejects.toThrow(/^source lab-test: tls\.certFile \(.*listener\.key\) is not a PEM certificate$/);
    await expect(start).rejects.not.toThrow(/PRIVATE KEY|BEGIN/);
  });

  it('a key that is not the certificate\'s stops the start', async () => {
    await expect(listen(settings({ keyFile: pki.file('lab-client.key') }))).rejects.toThrow(/tls\.keyFile .* is not the key of tls\.certFile/);
  });
});
