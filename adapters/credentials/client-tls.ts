import type { SecureContextOptions } from 'node:tls';
import type { ClientTls } from '../../lib/source-auth';
import { readPemFiles } from '../tls-files';

/**
 * The client side of TLS for an HTTP source (sources file `tls`), read once at start: our
 * certificate and key for mutual TLS (RFC 8446 §4.4.2), and the CA its server certificate must
 * come from, in place of the system CAs. The files are read and checked by ../tls-files.ts.
 */
export function readClientTls(sourceId: string, settings: ClientTls): SecureContextOptions {
  return readPemFiles(sourceId, settings);
}
