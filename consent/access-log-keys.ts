import { hkdfSync } from 'node:crypto';

/** The two keys the access log uses, each for one purpose only. */
export interface AuditKeys {
  /** Keys the v3 chain links (HMAC-SHA256). */
  link: Buffer;
  /** Signs the head checkpoints written outside the database (HMAC-SHA256). */
  checkpoint: Buffer;
}

const SALT = 'qhr-access-log';

/**
 * Derives the link and checkpoint keys from AUDIT_KEY with HKDF-SHA256 (RFC 5869), one `info` per
 * purpose (issue #8 §5): a key that signs checkpoints never keys a link, and the database never
 * holds either.
 */
export function auditKeys(key: Buffer): AuditKeys {
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', key, SALT, info, 32));
  return { link: derive('chain links v3'), checkpoint: derive('head checkpoints v1') };
}
