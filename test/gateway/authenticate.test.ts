import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import { developmentToken } from '../../bin/token';
import { createAuthenticator } from '../../gateway/authenticate';

let server: http.Server;
let jwksUrl: string;
let signingKey: KeyLike;

beforeAll(async () => {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  signingKey = privateKey;
  const jwk = { ...(await exportJWK(publicKey)), kid: 'qhr-1', alg: 'RS256', use: 'sig' };
  server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

const token = (key: KeyLike | Uint8Array, alg: string, claims: Record<string, unknown> = { role: 'nurse', facility: 'chum' }, expires: string | number = '5m') =>
  new SignJWT(claims).setProtectedHeader({ alg, kid: 'qhr-1' }).setSubject('N-4242').setIssuer('https://idp.sante.example').setAudience('qhr-gateway').setIssuedAt().setExpirationTime(expires).sign(key);

describe('in production, provider tokens are verified against the identity provider’s JWKS', () => {
  const authenticate = () => createAuthenticator({ jwksUrl, issuer: 'https://idp.sante.example', audience: 'qhr-gateway', maxTokenLifetimeS: 43_200 });

  test('a token signed by the identity provider’s key is accepted, with licence, role and facility', async () => {
    await expect(authenticate()(`Bearer ${await token(signingKey, 'RS256')}`)).resolves.toEqual({ id: 'N-4242', role: 'nurse', facility: 'chum' });
  });

  test('a token signed by another key is UNAUTHENTICATED', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    await expect(authenticate()(`Bearer ${await token(privateKey, 'RS256')}`)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
  });

  test('an HS256 token made with the development secret is refused once JWKS is configured', async () => {
    const hs = await token(new TextEncoder().encode('qhr-development-only-secret-do-not-use-in-production'), 'HS256');
    await expect(authenticate()(`Bearer ${hs}`)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
  });

  test('a token for another audience or issuer is UNAUTHENTICATED', async () => {
    const other = await new SignJWT({ role: 'nurse' }).setProtectedHeader({ alg: 'RS256', kid: 'qhr-1' }).setSubject('N-1').setIssuer('https://elsewhere.example').setAudience('qhr-gateway').setExpirationTime('5m').sign(signingKey);
    await expect(authenticate()(`Bearer ${other}`)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
  });

  test('an expired token is UNAUTHENTICATED', async () => {
    const expired = await token(signingKey, 'RS256', { role: 'nurse' }, Math.floor(Date.now() / 1000) - 60);
    await expect(authenticate()(`Bearer ${expired}`)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
  });
});

describe('a token lives no longer than AUTH_MAX_TOKEN_LIFETIME_S (12 h by default)', () => {
  const secret = 'lifetime-test-secret';
  const authenticate = createAuthenticator({ jwtSecret: secret, maxTokenLifetimeS: 12 * 3600 });
  const now = () => Math.floor(Date.now() / 1000);
  const signed = (times: { iat?: number; exp: number }) => {
    const jwt = new SignJWT({ role: 'physician' }).setProtectedHeader({ alg: 'HS256' }).setSubject('MD-1').setExpirationTime(times.exp);
    return (times.iat === undefined ? jwt : jwt.setIssuedAt(times.iat)).sign(new TextEncoder().encode(secret));
  };
  const refused = async (token: string) => expect(authenticate(`Bearer ${token}`)).rejects.toMatchObject({ message: 'A valid provider token is required.', extensions: { code: 'UNAUTHENTICATED' } });

  test('the 8-hour development token `npm run token` prints is accepted', async () => {
    await expect(authenticate(`Bearer ${await developmentToken({ sub: 'MD-100001', role: 'physician' }, secret)}`)).resolves.toMatchObject({ id: 'MD-100001' });
  });

  test('a token expiring in the year 9999 is UNAUTHENTICATED', async () => {
    await refused(await signed({ iat: now(), exp: Date.UTC(9999, 11, 31) / 1000 }));
  });

  test('a token without an issue time (iat) is UNAUTHENTICATED', async () => {
    await refused(await signed({ exp: now() + 300 }));
  });

  test('a token issued in the future (beyond a minute of clock drift) is UNAUTHENTICATED', async () => {
    await refused(await signed({ iat: now() + 3600, exp: now() + 7200 }));
  });

  test('a token issued half a minute ahead of our clock (drift) is accepted', async () => {
    await expect(authenticate(`Bearer ${await signed({ iat: now() + 30, exp: now() + 3600 })}`)).resolves.toMatchObject({ id: 'MD-1' });
  });

  test('a token claiming 12 h and one second of life is UNAUTHENTICATED', async () => {
    const iat = now();
    await refused(await signed({ iat, exp: iat + 12 * 3600 + 1 }));
  });

  test('the cap is the configured one', async () => {
    const iat = now();
    const strict = createAuthenticator({ jwtSecret: secret, maxTokenLifetimeS: 600 });
    await expect(strict(`Bearer ${await signed({ iat, exp: iat + 601 })}`)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    await expect(strict(`Bearer ${await signed({ iat, exp: iat + 600 })}`)).resolves.toMatchObject({ id: 'MD-1' });
  });
});
