import { createPrivateKey, randomUUID, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SignJWT } from 'jose';
import type { SmartBackendAuth } from '../../lib/source-auth';
import { SourcesFileError } from '../../lib/sources';
import { issuedBearer, type Authorizer } from './authorizer';
import type { GrantOptions } from './client-credentials';
import { requestToken } from './token-endpoint';

/** RFC 7523 §2.2: the client authenticates with a JWT (SMART: `private_key_jwt`). */
export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/**
 * SMART asks for an `exp` no more than five minutes ahead; four leave a minute for a token
 * server whose clock is behind ours.
 */
export const ASSERTION_LIFETIME_S = 4 * 60;

/** The signing key of our client and the algorithm it signs with: RS384 or ES384, the two SMART servers must support. */
export interface SigningKey {
  key: KeyObject;
  alg: 'RS384' | 'ES384';
}

/**
 * `"auth": { "type": "smart-backend", … }`: SMART Backend Services
 * (https://hl7.org/fhir/smart-app-launch/backend-services.html, "Obtaining an access token"):
 * each token request carries a new client assertion signed with our private key.
 */
export function smartBackendAuthorizer(sourceId: string, auth: SmartBackendAuth, options: GrantOptions): Authorizer {
  const signingKey = readSigningKey(sourceId, auth.privateKeyFile);
  const fetchToken = async () =>
    requestToken({
      tokenUrl: auth.tokenUrl,
      form: new URLSearchParams({
        scope: auth.scope,
        grant_type: 'client_credentials',
        client_assertion_type: JWT_BEARER_ASSERTION,
        client_assertion: await clientAssertion(auth, signingKey),
      }),
      tls: options.tls,
      timeoutMs: options.timeoutMs,
      sourceId,
    });
  return issuedBearer(fetchToken, options.now ? { now: options.now } : undefined);
}

/**
 * The authentication JWT (SMART Backend Services, "Authentication JWT"): header alg, kid and
 * typ "JWT"; iss and sub our client id, aud the token endpoint, exp a few minutes ahead, and a
 * jti never used before, so a captured assertion cannot be replayed.
 */
export function clientAssertion(auth: Pick<SmartBackendAuth, 'clientId' | 'tokenUrl' | 'kid'>, { key, alg }: SigningKey): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg, kid: auth.kid, typ: 'JWT' })
    .setIssuer(auth.clientId)
    .setSubject(auth.clientId)
    .setAudience(auth.tokenUrl)
    .setIssuedAt(now)
    .setExpirationTime(now + ASSERTION_LIFETIME_S)
    .setJti(randomUUID())
    .sign(key);
}

/**
 * Our private key, read at start: PEM (PKCS#8, PKCS#1 or SEC1, unencrypted) or a private JWK.
 * RSA signs RS384 (2048 bits at least, RFC 7518 §3.3); EC on P-384 signs ES384 (§3.4). Errors
 * name the source, the key and the path, never what the file holds.
 */
export function readSigningKey(sourceId: string, path: string): SigningKey {
  const fail = (problem: string): never => {
    throw new SourcesFileError(`source ${sourceId}: auth.privateKeyFile (${path}) ${problem}`);
  };
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    fail(`cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  let key: KeyObject | undefined;
  try {
    key = text.trimStart().startsWith('{') ? createPrivateKey({ key: JSON.parse(text), format: 'jwk' }) : createPrivateKey(text);
  } catch {
    fail('is not an unencrypted private key (PEM or JWK)');
  }
  const details = key!.asymmetricKeyDetails ?? {};
  if (key!.asymmetricKeyType === 'rsa') {
    if ((details.modulusLength ?? 0) < 2048) fail('is an RSA key shorter than 2048 bits');
    return { key: key!, alg: 'RS384' };
  }
  if (key!.asymmetricKeyType === 'ec' && details.namedCurve === 'secp384r1') return { key: key!, alg: 'ES384' };
  return fail('must be an RSA key (RS384) or an EC key on P-384 (ES384), the algorithms of SMART Backend Services');
}
