import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext, type TlsOptions } from 'node:tls';
import { SourcesFileError, type MllpTls, type SourceConfig } from '../../lib/sources';

/**
 * The node:tls server options of a lab source's MLLP listener (sources file `tls`), read once at
 * start. Each file is checked on its own so that a bad one is named; errors name the source, the
 * field and the path, never what the file holds (a key, or an OpenSSL message about it).
 */
export function readTlsServerOptions(source: Pick<SourceConfig, 'id' | 'tls'>): TlsOptions {
  const settings = source.tls;
  if (!settings) throw new SourcesFileError(`source ${source.id}: no tls settings`);
  const fail = (field: keyof MllpTls, problem: string): never => {
    throw new SourcesFileError(`source ${source.id}: tls.${field} (${settings[field]}) ${problem}`);
  };
  const read = (field: 'certFile' | 'keyFile' | 'caFile', path: string) => {
    try {
      return readFileSync(path);
    } catch (error) {
      return fail(field, `cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  };
  const check = (field: keyof MllpTls, problem: string, parse: () => unknown) => {
    try {
      parse();
    } catch {
      fail(field, problem);
    }
  };
  const cert = read('certFile', settings.certFile);
  const key = read('keyFile', settings.keyFile);
  const ca = settings.caFile ? read('caFile', settings.caFile) : undefined;
  check('certFile', 'is not a PEM certificate', () => new X509Certificate(cert));
  check('keyFile', 'is not an unencrypted PEM private key', () => createPrivateKey(key));
  if (ca) check('caFile', 'is not a PEM certificate', () => new X509Certificate(ca));
  check('keyFile', 'is not the key of tls.certFile', () => createSecureContext({ cert, key }));
  return {
    cert,
    key,
    ...(ca ? { ca } : {}),
    // requestCert with rejectUnauthorized: a client without a certificate, or with one the CA did
    // not issue, fails the handshake and never reaches the MLLP layer.
    requestCert: settings.requireClientCert,
    rejectUnauthorized: settings.requireClientCert,
  };
}
