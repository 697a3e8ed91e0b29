import { resolve } from 'node:path';
import { SourcesFileError } from './sources-file-error';

/**
 * How the gateway proves who it is to an HTTP source (sources file `auth`). Secrets are never in
 * the file: only the name of an environment variable (`…Env`) or the path of a file (`…File`)
 * that holds them; the adapters read them when they start (adapters/credentials/).
 */
export type SourceAuth = BearerAuth | ClientCredentialsAuth | SmartBackendAuth;

/** A fixed bearer token (RFC 6750), from the environment or a file. */
export interface BearerAuth {
  type: 'bearer';
  tokenEnv?: string;
  tokenFile?: string;
}

/** OAuth 2.0 client credentials grant (RFC 6749 §4.4), the secret sent with HTTP Basic (§2.3.1). */
export interface ClientCredentialsAuth {
  type: 'client-credentials';
  tokenUrl: string;
  clientId: string;
  clientSecretEnv?: string;
  clientSecretFile?: string;
  scope?: string;
}

/**
 * SMART Backend Services (https://hl7.org/fhir/smart-app-launch/backend-services.html): the client
 * credentials grant with a `private_key_jwt` assertion signed RS384 or ES384 (RFC 7523 §2.2).
 */
export interface SmartBackendAuth {
  type: 'smart-backend';
  tokenUrl: string;
  clientId: string;
  /** Our private key (PEM PKCS#8 or PKCS#1/SEC1, or a JWK), RSA or EC P-384. */
  privateKeyFile: string;
  /** The id of its public key in the JWK Set the authorization server knows us by. */
  kid: string;
  scope: string;
}

/**
 * The client side of TLS for an HTTP source (sources file `tls`): our client certificate and key
 * for mutual TLS, and the CA that issued the source's server certificate (in place of the system
 * CAs). Paths, absolute or relative to the sources file; read when the adapters start.
 */
export interface ClientTls {
  certFile?: string;
  keyFile?: string;
  caFile?: string;
}

/** What this module adds to an HTTP source's configuration. */
export interface SourceCredentialsConfig {
  auth?: SourceAuth;
  clientTls?: ClientTls;
}

const AUTH_KEYS: Record<SourceAuth['type'], string[]> = {
  bearer: ['type', 'tokenEnv', 'tokenFile'],
  'client-credentials': ['type', 'tokenUrl', 'clientId', 'clientSecretEnv', 'clientSecretFile', 'scope'],
  'smart-backend': ['type', 'tokenUrl', 'clientId', 'privateKeyFile', 'kid', 'scope'],
};
const CLIENT_TLS_KEYS = ['certFile', 'keyFile', 'caFile'];

/** Keys that would hold a secret in clear, with where the secret goes instead. */
const SECRET_KEYS: Record<string, string> = {
  token: 'auth.tokenEnv or auth.tokenFile',
  accessToken: 'auth.tokenEnv or auth.tokenFile',
  bearerToken: 'auth.tokenEnv or auth.tokenFile',
  clientSecret: 'auth.clientSecretEnv or auth.clientSecretFile',
  secret: 'an environment variable (…Env) or a file (…File)',
  password: 'an environment variable (…Env) or a file (…File)',
  apiKey: 'an environment variable (…Env) or a file (…File)',
  privateKey: 'auth.privateKeyFile',
  key: 'a file (tls.keyFile, auth.privateKeyFile)',
  passphrase: 'an unencrypted key file readable by the gateway only',
};

/** POSIX environment variable names (IEEE Std 1003.1, "Environment Variables"): what `…Env` must hold, never a value. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const isLoopback = (url: URL) => url.hostname === 'localhost' || url.hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(url.hostname);
/** A credential crosses the network only under TLS (RFC 6749 §1.6, RFC 6750 §5.3); loopback is for local tests and sidecars. */
const carriesSecretsSafely = (url: URL) => url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url));

/**
 * The `auth` and `tls` of one sources-file entry, checked. An MLLP source has no `auth` (it
 * receives, it asks no one), and its `tls` is the listener's (lib/sources.ts): this returns
 * nothing for it. Errors name the entry's index and the key, never a value.
 */
export function sourceCredentialsOf(
  raw: Record<string, unknown>,
  where: string,
  source: { protocol: string; url?: string; baseDir?: string },
): SourceCredentialsConfig {
  refuseSecrets(raw, where);
  if (source.protocol === 'hl7v2-mllp') {
    if (raw.auth !== undefined) throw new SourcesFileError(`${where}.auth: an MLLP listener receives messages and asks no one; it has no credentials to send (its senders are checked with tls and allowedSenders)`);
    return {};
  }
  if (!URL.canParse(source.url!)) throw new SourcesFileError(`${where}.url is not a URL`);
  const url = new URL(source.url!);
  if (url.username || url.password) throw new SourcesFileError(`${where}.url must not carry a user name or password: use auth`);
  const config: SourceCredentialsConfig = {};
  if (raw.auth !== undefined) {
    if (!carriesSecretsSafely(url)) throw new SourcesFileError(`${where}.url must be https when auth is set: a token sent in clear can be replayed (RFC 6750 §5.3)`);
    config.auth = authOf(raw.auth, `${where}.auth`, source.baseDir);
  }
  if (raw.tls !== undefined) {
    if (url.protocol !== 'https:') throw new SourcesFileError(`${where}.tls needs an https url`);
    config.clientTls = clientTlsOf(raw.tls, `${where}.tls`, source.baseDir);
  }
  return config;
}

function refuseSecrets(raw: Record<string, unknown>, where: string): void {
  const secret = Object.keys(raw).find((key) => key in SECRET_KEYS);
  if (secret) throw new SourcesFileError(`${where}.${secret}: secrets never go in the sources file; use ${SECRET_KEYS[secret]}`);
}

function objectOf(raw: unknown, where: string, shape: string): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new SourcesFileError(`${where} must be an object ${shape}`);
  return raw as Record<string, unknown>;
}

function authOf(raw: unknown, where: string, baseDir = '.'): SourceAuth {
  const auth = objectOf(raw, where, '{ "type": "bearer" | "client-credentials" | "smart-backend", … }');
  refuseSecrets(auth, where);
  const type = auth.type as SourceAuth['type'];
  if (!Object.hasOwn(AUTH_KEYS, type)) throw new SourcesFileError(`${where}.type must be one of ${Object.keys(AUTH_KEYS).join(', ')}`);
  // A misspelt key would leave the source asked without the credential the integrator meant.
  const unknown = Object.keys(auth).find((key) => !AUTH_KEYS[type].includes(key));
  if (unknown) throw new SourcesFileError(`${where}.${unknown} is not a setting of auth type ${type} (${AUTH_KEYS[type].join(', ')})`);
  const text = (key: string, required: boolean) => {
    const value = auth[key];
    if (value === undefined && !required) return undefined;
    if (typeof value !== 'string' || value.trim() === '') throw new SourcesFileError(`${where}.${key} must be a non-empty string`);
    return value;
  };
  const envName = (key: string) => {
    const value = text(key, false);
    // Never echoed: a value here that is not a name may well be the secret itself, pasted.
    if (value !== undefined && !ENV_NAME.test(value)) throw new SourcesFileError(`${where}.${key} must be the name of an environment variable (letters, digits and _), not its value`);
    return value;
  };
  const path = (key: string, required: boolean) => {
    const value = text(key, required);
    return value === undefined ? undefined : resolve(baseDir, value);
  };
  const oneOf = (envKey: string, fileKey: string) => {
    const fromEnv = envName(envKey);
    const fromFile = path(fileKey, false);
    if ((fromEnv === undefined) === (fromFile === undefined)) throw new SourcesFileError(`${where} needs exactly one of ${envKey} (an environment variable) or ${fileKey} (a file)`);
    return fromEnv !== undefined ? { [envKey]: fromEnv } : { [fileKey]: fromFile };
  };
  const tokenUrl = () => {
    const value = text('tokenUrl', true)!;
    const url = URL.canParse(value) ? new URL(value) : undefined;
    if (!url || !carriesSecretsSafely(url)) throw new SourcesFileError(`${where}.tokenUrl must be an https URL (http only to a loopback address): the token endpoint receives our client's credentials (RFC 6749 §3.2)`);
    if (url.username || url.password) throw new SourcesFileError(`${where}.tokenUrl must not carry a user name or password`);
    return value;
  };
  switch (type) {
    case 'bearer':
      return { type, ...oneOf('tokenEnv', 'tokenFile') };
    case 'client-credentials': {
      const scope = text('scope', false);
      return { type, tokenUrl: tokenUrl(), clientId: text('clientId', true)!, ...oneOf('clientSecretEnv', 'clientSecretFile'), ...(scope !== undefined ? { scope } : {}) };
    }
    case 'smart-backend':
      // scope and the key's kid are required by SMART Backend Services ("Request access token", "Authentication JWT header").
      return { type, tokenUrl: tokenUrl(), clientId: text('clientId', true)!, privateKeyFile: path('privateKeyFile', true)!, kid: text('kid', true)!, scope: text('scope', true)! };
  }
}

function clientTlsOf(raw: unknown, where: string, baseDir = '.'): ClientTls {
  const tls = objectOf(raw, where, '{ "certFile", "keyFile", "caFile" }');
  refuseSecrets(tls, where);
  if (tls.requireClientCert !== undefined) throw new SourcesFileError(`${where}.requireClientCert is for an MLLP listener; an HTTP source's tls is our client certificate (certFile, keyFile) and the CA of the source's server certificate (caFile)`);
  const unknown = Object.keys(tls).find((key) => !CLIENT_TLS_KEYS.includes(key));
  if (unknown) throw new SourcesFileError(`${where}.${unknown} is not a TLS setting of an HTTP source (${CLIENT_TLS_KEYS.join(', ')})`);
  const path = (key: string) => {
    const value = tls[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value.trim() === '') throw new SourcesFileError(`${where}.${key} must be a file path`);
    return resolve(baseDir, value);
  };
  const [certFile, keyFile, caFile] = CLIENT_TLS_KEYS.map(path);
  if ((certFile === undefined) !== (keyFile === undefined)) throw new SourcesFileError(`${where}: certFile and keyFile go together (our client certificate and its key)`);
  if (!certFile && !caFile) throw new SourcesFileError(`${where} must name a client certificate (certFile and keyFile), a CA (caFile), or both`);
  return { ...(certFile ? { certFile, keyFile } : {}), ...(caFile ? { caFile } : {}) };
}
