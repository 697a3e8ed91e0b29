import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { SourcesFileError } from '../lib/sources';

/** The PEM files of a source's `tls` (paths, already resolved against the sources file). */
export interface PemFiles {
  certFile?: string;
  keyFile?: string;
  caFile?: string;
}

/** What the files hold, checked: a certificate with its own key, and the CA to trust. */
export interface PemContents {
  cert?: Buffer;
  key?: Buffer;
  ca?: Buffer;
}

/**
 * Reads a source's TLS files once, at start, for either side: our MLLP listener (server) or an
 * HTTP source asked with mutual TLS (client). Each file is checked on its own so that a bad one is
 * named; errors name the source, the field and the path, never what the file holds (a key, or an
 * OpenSSL message about it). A certificate is read only with its key, and checked against it.
 */
export function readPemFiles(sourceId: string, files: PemFiles): PemContents {
  const fail = (field: keyof PemFiles, problem: string): never => {
    throw new SourcesFileError(`source ${sourceId}: tls.${field} (${files[field]}) ${problem}`);
  };
  const read = (field: keyof PemFiles) => {
    try {
      return readFileSync(files[field]!);
    } catch (error) {
      return fail(field, `cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  };
  const check = (field: keyof PemFiles, problem: string, parse: () => unknown) => {
    try {
      parse();
    } catch {
      fail(field, problem);
    }
  };
  const pair = files.certFile && files.keyFile ? { cert: read('certFile'), key: read('keyFile') } : undefined;
  const ca = files.caFile ? read('caFile') : undefined;
  if (pair) {
    check('certFile', 'is not a PEM certificate', () => new X509Certificate(pair.cert));
    check('keyFile', 'is not an unencrypted PEM private key', () => createPrivateKey(pair.key));
  }
  if (ca) check('caFile', 'is not a PEM certificate', () => new X509Certificate(ca));
  if (pair) check('keyFile', 'is not the key of tls.certFile', () => createSecureContext(pair));
  return { ...pair, ...(ca ? { ca } : {}) };
}
