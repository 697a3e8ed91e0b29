import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

/**
 * The cryptography of the answer cache: what is cached is health data, and the store (Redis) is
 * shared and inspectable (MONITOR, slow log, dumps, backups). So keys are keyed hashes, never a
 * NAM, and values are sealed so that neither reading nor moving them reveals or mixes records.
 */
export interface CacheKeys {
  /** HMAC-SHA256 key that turns (source, NAM) into a key name. */
  hashKey: Buffer;
  /** AES-256-GCM key that seals values. */
  sealKey: Buffer;
}

const SALT = 'qhr:ans';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** First byte of a sealed value: lets a later format coexist with this one during a rolling upgrade. */
const FORMAT = 1;

/**
 * Two independent subkeys from the configured 32-byte key (HKDF, RFC 5869): one key never
 * serves two algorithms, and every process sharing a Redis with the same key derives the same two.
 */
export function deriveCacheKeys(key: Buffer): CacheKeys {
  if (key.length !== 32) throw new Error('the answer cache key must be 32 bytes');
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', key, SALT, info, 32));
  return { hashKey: derive('key hashing'), sealKey: derive('value sealing') };
}

/**
 * Names one person at one source without naming them: HMAC-SHA256(hashKey, sourceId \0 nam),
 * base64url. Keyed, so nobody without the key can test a NAM against it (NAMs are guessable).
 */
export function personDigest(hashKey: Buffer, sourceId: string, nam: string): string {
  return createHmac('sha256', hashKey).update(`${sourceId}\u0000${nam}`).digest('base64url');
}

/**
 * AES-256-GCM with a random 12-byte IV (NIST SP 800-38D §8.2.2) and `aad` (where the value is
 * stored) authenticated: a value copied to another person's key or another field fails to open.
 * Layout: format (1) | IV (12) | tag (16) | ciphertext.
 */
export function seal(sealKey: Buffer, aad: string, plaintext: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', sealKey, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.of(FORMAT), iv, cipher.getAuthTag(), body]);
}

/** The plaintext, or undefined when the value was altered, moved, truncated or sealed with another key. */
export function unseal(sealKey: Buffer, aad: string, sealed: Buffer): Buffer | undefined {
  if (sealed.length < 1 + IV_BYTES + TAG_BYTES || sealed[0] !== FORMAT) return undefined;
  const iv = sealed.subarray(1, 1 + IV_BYTES);
  const tag = sealed.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', sealKey, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(sealed.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]);
  } catch {
    return undefined;
  }
}
