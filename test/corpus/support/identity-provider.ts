import { SignJWT, exportJWK, exportSPKI, generateKeyPair, type KeyLike } from 'jose';
import { recordingServer, sendJson, type RecordingServer } from '../../support/recording-server';

/**
 * An identity provider of the corpus's own: an RSA key published at a JWKS URL (AUTH_JWKS_URL,
 * the production path of gateway/authenticate.ts), the tokens it issues, and the forgeries of the
 * jwt/ cases. A case gives a header and claims ("now-60": 60 s before now) and how it is signed.
 */
export interface IdentityProvider {
  jwksUrl: string;
  /** A valid provider token (RS256, the published kid). */
  issue(claims?: Record<string, unknown>): Promise<string>;
  forge(spec: JwtCase): Promise<string>;
  close(): Promise<void>;
}

export interface JwtCase {
  raw?: string;
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
  /** `stack`: the published key; `other-key`: a key nobody published; `hs256-public-key`: HMAC with the public key's PEM; `none`: unsigned. */
  sign?: 'stack' | 'other-key' | 'hs256-public-key' | 'none';
  /** Claims changed after signing (the signature kept). */
  tamper?: Record<string, unknown>;
}

export const KID = 'corpus-1';

export async function identityProvider(): Promise<IdentityProvider> {
  const published = await generateKeyPair('RS256', { extractable: true });
  const other = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(published.publicKey)), kid: KID, alg: 'RS256', use: 'sig' };
  const publicPem = await exportSPKI(published.publicKey);
  const server: RecordingServer = await recordingServer((_request, response) => sendJson(response, { keys: [jwk] }, { type: 'application/jwk-set+json' }));
  const sign = async (header: Record<string, unknown>, claims: Record<string, unknown>, key: KeyLike | Uint8Array) =>
    new SignJWT(claims).setProtectedHeader(header as never).sign(key);
  return {
    jwksUrl: `${server.url}/jwks.json`,
    issue: (claims = {}) => sign({ alg: 'RS256', kid: KID }, timed({ sub: 'MD-CORPUS', role: 'physician', facility: 'corpus', iat: 'now-5', exp: 'now+600', ...claims }), published.privateKey),
    async forge(spec) {
      if (spec.raw !== undefined) return spec.raw;
      const header = spec.header ?? { alg: 'RS256', kid: KID };
      const claims = timed(spec.claims ?? {});
      let token: string;
      if (spec.sign === 'none') token = `${b64(header)}.${b64(claims)}.`;
      else if (spec.sign === 'hs256-public-key') token = await sign(header, claims, new TextEncoder().encode(publicPem));
      else token = await sign(header, claims, spec.sign === 'other-key' ? other.privateKey : published.privateKey);
      if (!spec.tamper) return token;
      const [head, , signature] = token.split('.');
      return `${head}.${b64({ ...claims, ...spec.tamper })}.${signature}`;
    },
    close: () => server.close(),
  };
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

/** "now", "now+600", "now-60" -> seconds since the epoch; anything else as it is. */
function timed(claims: Record<string, unknown>): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return Object.fromEntries(
    Object.entries(claims).map(([key, value]) => {
      const relative = typeof value === 'string' ? /^now([+-]\d+)?$/.exec(value) : null;
      return [key, relative ? now + Number(relative[1] ?? 0) : value];
    }),
  );
}
