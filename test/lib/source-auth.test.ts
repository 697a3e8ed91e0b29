import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSources, readSourcesFile } from '../../lib/sources';

/** Credentials of HTTP sources in the sources file (`auth`, and `tls` as a client): lib/source-auth.ts. */
const defaults = { timeZone: 'America/Montreal' };
const pharmacy = { id: 'pharm-1', name: 'Pharmacie A', domain: 'MEDICATIONS', protocol: 'fhir-r4', url: 'https://fhir.pharm.example/fhir' };
const lab = { id: 'lab-1', name: 'Laboratoire A', domain: 'LAB_RESULTS', protocol: 'hl7v2-mllp', port: 4130 };
const tokenUrl = 'https://auth.pharm.example/oauth2/token';
const parse = (entry: object) => parseSources({ sources: [entry] }, defaults)[0];
const refusal = (entry: object) => {
  try {
    parse(entry);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('accepted');
};

describe('auth', () => {
  test('a bearer token is named by its environment variable', () => {
    expect(parse({ ...pharmacy, auth: { type: 'bearer', tokenEnv: 'PHARM_1_TOKEN' } }).auth).toEqual({ type: 'bearer', tokenEnv: 'PHARM_1_TOKEN' });
  });

  test('OAuth 2.0 client credentials: token URL, client id, the variable of the secret, scope', () => {
    const auth = { type: 'client-credentials', tokenUrl, clientId: 'qhr-gateway', clientSecretEnv: 'PHARM_1_SECRET', scope: 'system/MedicationDispense.read' };
    expect(parse({ ...pharmacy, auth }).auth).toEqual(auth);
  });

  test('SMART Backend Services: the private key file is relative to the sources file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sources-auth-'));
    try {
      const auth = { type: 'smart-backend', tokenUrl, clientId: 'qhr-gateway', privateKeyFile: 'keys/qhr.pem', kid: 'qhr-2026', scope: 'system/*.rs' };
      writeFileSync(join(dir, 'sources.json'), JSON.stringify({ sources: [{ ...pharmacy, auth }] }));
      expect(readSourcesFile(join(dir, 'sources.json'), defaults)[0].auth).toEqual({ ...auth, privateKeyFile: join(dir, 'keys/qhr.pem') });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test.each([
    ['token', 'auth.tokenEnv or auth.tokenFile'],
    ['clientSecret', 'auth.clientSecretEnv or auth.clientSecretFile'],
    ['password', 'an environment variable (…Env) or a file (…File)'],
  ])('a secret in clear (%s) is refused, saying where it goes instead', (key, instead) => {
    expect(refusal({ ...pharmacy, auth: { type: 'client-credentials', tokenUrl, clientId: 'qhr', [key]: 's3cr3t' } })).toBe(`sources[0].auth.${key}: secrets never go in the sources file; use ${instead}`);
    expect(refusal({ ...pharmacy, [key]: 's3cr3t' })).toBe(`sources[0].${key}: secrets never go in the sources file; use ${instead}`);
  });

  test('a secret pasted where the name of its variable goes is refused without being repeated', () => {
    const message = refusal({ ...pharmacy, auth: { type: 'bearer', tokenEnv: 'eyJhbGciOiJSUzM4NCJ9.eyJzdWIiOiJxaHIifQ.c2ln' } });
    expect(message).toBe('sources[0].auth.tokenEnv must be the name of an environment variable (letters, digits and _), not its value');
  });

  test('a secret comes from exactly one place: a variable or a file', () => {
    expect(refusal({ ...pharmacy, auth: { type: 'bearer' } })).toBe('sources[0].auth needs exactly one of tokenEnv (an environment variable) or tokenFile (a file)');
    expect(refusal({ ...pharmacy, auth: { type: 'bearer', tokenEnv: 'A', tokenFile: '/run/secrets/a' } })).toMatch(/needs exactly one of tokenEnv/);
  });

  test('an unknown type, a misspelt key, or a missing one is refused, naming it', () => {
    expect(refusal({ ...pharmacy, auth: { type: 'basic' } })).toBe('sources[0].auth.type must be one of bearer, client-credentials, smart-backend');
    expect(refusal({ ...pharmacy, auth: { type: 'bearer', tokenENV: 'A' } })).toMatch(/^sources\[0\]\.auth\.tokenENV is not a setting of auth type bearer/);
    expect(refusal({ ...pharmacy, auth: { type: 'smart-backend', tokenUrl, clientId: 'qhr', privateKeyFile: 'k.pem', scope: 'system/*.rs' } })).toBe('sources[0].auth.kid must be a non-empty string');
    expect(refusal({ ...pharmacy, auth: 'Bearer abc' })).toMatch(/^sources\[0\]\.auth must be an object/);
  });

  test('the token endpoint is https (plain http to a loopback address only, for local tests)', () => {
    const auth = { type: 'client-credentials', clientId: 'qhr', clientSecretEnv: 'S' };
    expect(refusal({ ...pharmacy, auth: { ...auth, tokenUrl: 'http://auth.pharm.example/token' } })).toMatch(/^sources\[0\]\.auth\.tokenUrl must be an https URL/);
    expect(parse({ ...pharmacy, auth: { ...auth, tokenUrl: 'http://127.0.0.1:8080/token' } }).auth).toMatchObject({ tokenUrl: 'http://127.0.0.1:8080/token' });
  });

  test('a source with auth is asked over https: a token sent in clear can be replayed', () => {
    expect(refusal({ ...pharmacy, url: 'http://fhir.pharm.example/fhir', auth: { type: 'bearer', tokenEnv: 'T' } })).toBe('sources[0].url must be https when auth is set: a token sent in clear can be replayed (RFC 6750 §5.3)');
  });

  test('a user and password in the URL are refused: that is what auth is for', () => {
    expect(refusal({ ...pharmacy, url: 'https://qhr:s3cr3t@fhir.pharm.example/fhir' })).toBe('sources[0].url must not carry a user name or password: use auth');
  });

  test('a URL that does not parse is named as such', () => {
    expect(refusal({ ...pharmacy, url: 'https://[fhir.pharm.example/fhir' })).toBe('sources[0].url is not a URL');
  });

  test('an MLLP listener has no auth', () => {
    expect(refusal({ ...lab, auth: { type: 'bearer', tokenEnv: 'T' } })).toBe('sources[0].auth: an MLLP listener receives messages and asks no one; it has no credentials to send (its senders are checked with tls and allowedSenders)');
  });
});

describe('tls of an HTTP source (the client side)', () => {
  test('our client certificate, its key and the source CA, relative to the sources file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sources-tls-'));
    try {
      writeFileSync(join(dir, 'sources.json'), JSON.stringify({ sources: [{ ...pharmacy, tls: { certFile: 'tls/qhr.crt', keyFile: 'tls/qhr.key', caFile: 'tls/pharm-ca.crt' } }] }));
      const [source] = readSourcesFile(join(dir, 'sources.json'), defaults);
      expect(source.clientTls).toEqual({ certFile: join(dir, 'tls/qhr.crt'), keyFile: join(dir, 'tls/qhr.key'), caFile: join(dir, 'tls/pharm-ca.crt') });
      expect(source.tls).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('combines with auth', () => {
    const source = parse({ ...pharmacy, auth: { type: 'bearer', tokenEnv: 'T' }, tls: { certFile: '/c.pem', keyFile: '/k.pem' } });
    expect(source).toMatchObject({ auth: { type: 'bearer' }, clientTls: { certFile: '/c.pem', keyFile: '/k.pem' } });
  });

  test('a CA alone is allowed (a source in a private PKI that asks no client certificate)', () => {
    expect(parse({ ...pharmacy, tls: { caFile: '/ca.pem' } }).clientTls).toEqual({ caFile: '/ca.pem' });
  });

  test('a certificate without its key, or nothing at all, is refused', () => {
    expect(refusal({ ...pharmacy, tls: { certFile: '/c.pem' } })).toBe('sources[0].tls: certFile and keyFile go together (our client certificate and its key)');
    expect(refusal({ ...pharmacy, tls: {} })).toBe('sources[0].tls must name a client certificate (certFile and keyFile), a CA (caFile), or both');
    expect(refusal({ ...pharmacy, tls: { certFile: '/c.pem', keyFile: 7 } })).toBe('sources[0].tls.keyFile must be a file path');
  });

  test('a key in clear, or a misspelt setting, is refused', () => {
    expect(refusal({ ...pharmacy, tls: { certFile: '/c.pem', key: '-----BEGIN PRIVATE KEY-----' } })).toMatch(/^sources\[0\]\.tls\.key: secrets never go in the sources file/);
    expect(refusal({ ...pharmacy, tls: { caFiles: '/ca.pem' } })).toMatch(/^sources\[0\]\.tls\.caFiles is not a TLS setting of an HTTP source/);
  });

  test('tls needs an https URL', () => {
    expect(refusal({ ...pharmacy, url: 'http://fhir.pharm.example/fhir', tls: { caFile: '/ca.pem' } })).toBe('sources[0].tls needs an https url');
  });
});
