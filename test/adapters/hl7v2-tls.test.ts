import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { LabStore, type CrossReferenceLinks } from '../../adapters/hl7v2/lab-store';
import { startMllpReceiver, type MllpReceiver } from '../../adapters/hl7v2/receiver';
import { createLogger } from '../../lib/logger';
import type { MllpTls } from '../../lib/sources';
import { MemoryXref, labSource, oru } from '../fixtures/hl7/messages';
import { openTestDb } from '../support/db';
import { mllpClient, mllpClientOver, within, type MllpTestClient } from '../support/mllp-client';

/** OpenSSL settings for a throw-away PKI: a lab CA, our listener (IP SAN 127.0.0.1), lab clients. */
const OPENSSL_CNF = `
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
[server]
subjectAltName = IP:127.0.0.1
extendedKeyUsage = serverAuth
[client]
extendedKeyUsage = clientAuth
`;

/** Certificates made with the openssl command line into a temporary folder, once for the suite. */
function makePki(dir: string) {
  writeFileSync(join(dir, 'openssl.cnf'), OPENSSL_CNF);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const ca = (name: string) => openssl('req', '-x509', '-new', ...ec, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-config', 'openssl.cnf', '-extensions', 'ca', '-subj', `/CN=${name}`);
  const leaf = (name: string, issuer: string, extensions: string) => {
    openssl('req', '-new', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-config', 'openssl.cnf', '-subj', `/CN=${name}`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.crt`, '-CAkey', `${issuer}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', 'openssl.cnf', '-extensions', extensions);
  };
  ca('lab-ca');
  ca('other-ca');
  leaf('listener', 'lab-ca', 'server');
  leaf('lab-client', 'lab-ca', 'client');
  leaf('stranger', 'other-ca', 'client');
  const file = (name: string) => join(dir, name);
  const pem = (name: string) => readFileSync(file(name));
  return { file, pem };
}

describe('MLLP over TLS (real sockets, certificates made with openssl)', () => {
  let dir: string;
  let pki: ReturnType<typeof makePki>;
  let db: Awaited<ReturnType<typeof openTestDb>>;
  let store: LabStore;
  let logs: string[];
  let receiver: MllpReceiver | undefined;
  const clients: MllpTestClient[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mllp-tls-'));
    pki = makePki(dir);
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
