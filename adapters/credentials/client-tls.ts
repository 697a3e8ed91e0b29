import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import type { ClientTls } from '../../lib/source-auth';
import { SourcesFileError } from '../../lib/sources';

/**
 * The client side of TLS for an HTTP source (sources file `tls`), read once at start: our
 * certificate and key for mutual TLS (RFC 8446 §4.4.2), and the CA its server certificate must
 * come from, in place of the system CAs. Each file is checked on its own, so that a bad one is
 * named; errors name the source, the field and the path, never what the file holds.
 */
export function readClientTls(sourceId: string, settings: ClientTls): SecureContextOptions {
  const fail = (field: keyof ClientTls, problem: string): never => {
    throw new SourcesFileError(`source ${sourceId}: tls.${field} (${settings[field]}) ${problem}`);
  };
  const read = (field: keyof ClientTls) => {
    try {
      return readFileSync(settings[field]!);
    } catch (error) {
      return fail(field, `cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  };
  const check = (field: keyof ClientTls, problem: string, parse: () => unknown) => {
    try {
      parse();
    } catch {
      fail(field, problem);
    }
  };
  const options: SecureContextOptions = {};
  if (settings.certFile && settings.keyFile) {
    const cert = read('certFile');
    const key = read('keyFile');
    check('certFile', 'is not a PEM certificate', () => new X509Certificate(cert));
    check('keyFile', 'is not an unencrypted PEM private key', () => createPrivateKey(key));
    check('keyFile', 'is not the key of tls.certFile', () => createSecureContext({ cert, key }));
    Object.assign(options, { cert, key });
  }
  if (settings.caFile) {
    const ca = read('caFile');
    check('caFile', 'is not a PEM certificate', () => new X509Certificate(ca));
    options.ca = ca;
  }
  return options;
}
