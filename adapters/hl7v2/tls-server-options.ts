import type { TlsOptions } from 'node:tls';
import { SourcesFileError, type SourceConfig } from '../../lib/sources';
import { readPemFiles } from '../tls-files';

/**
 * The node:tls server options of a lab source's MLLP listener (sources file `tls`), read once at
 * start; the files are read and checked by ../tls-files.ts.
 */
export function readTlsServerOptions(source: Pick<SourceConfig, 'id' | 'tls'>): TlsOptions {
  const settings = source.tls;
  if (!settings) throw new SourcesFileError(`source ${source.id}: no tls settings`);
  return {
    ...readPemFiles(source.id, settings),
    // requestCert with rejectUnauthorized: a client without a certificate, or with one the CA did
    // not issue, fails the handshake and never reaches the MLLP layer.
    requestCert: settings.requireClientCert,
    rejectUnauthorized: settings.requireClientCert,
  };
}
