import { isIPv4, isIPv6 } from 'node:net';
import { resolve } from 'node:path';
import { SourcesFileError } from './sources-file-error';

/**
 * The sources-file fields of an MLLP listener (protocol hl7v2-mllp, lib/protocols.ts): its TLS
 * settings and the senders allowed to connect. Paths only here; the listener reads (and checks)
 * the files when it starts.
 */

/**
 * The TLS side of an MLLP listener, as paths (absolute, or relative to the sources file); the
 * listener reads the files when it starts. `caFile` with `requireClientCert` accepts only lab
 * clients whose certificate that CA issued.
 */
export interface MllpTls {
  /** Our listener's certificate (PEM), with its intermediates. */
  certFile: string;
  /** Its private key (PEM, unencrypted). */
  keyFile: string;
  /** The CA that issues the lab clients' certificates (PEM). */
  caFile?: string;
  requireClientCert: boolean;
}

/** One entry of `allowedSenders`: an address is a range of one (/32, /128). */
export interface AddressRange {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** `10.1.2.0/24`, `192.168.0.7`, `::1`, `fd00::/8` as a range; undefined when it is none of these. */
export function addressRangeOf(entry: string): AddressRange | undefined {
  const [address, prefixText, ...rest] = entry.trim().split('/');
  if (rest.length > 0) return undefined;
  const family = isIPv4(address) ? 'ipv4' : isIPv6(address) && !address.includes('%') ? 'ipv6' : undefined;
  if (!family) return undefined;
  const bits = family === 'ipv4' ? 32 : 128;
  if (prefixText === undefined) return { address, prefix: bits, family };
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > bits) return undefined;
  return { address, prefix: Number(prefixText), family };
}

const TLS_KEYS = ['certFile', 'keyFile', 'caFile', 'requireClientCert'];

/** The `tls` object: paths only here; the listener reads (and checks) the files when it starts. */
export function mllpTlsOf(raw: unknown, where: string, baseDir = '.'): MllpTls {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new SourcesFileError(`${where} must be an object { "certFile", "keyFile", "caFile", "requireClientCert" }`);
  const tls = raw as Record<string, unknown>;
  // A misspelt key would silently leave a protection off.
  const unknown = Object.keys(tls).find((key) => !TLS_KEYS.includes(key));
  if (unknown) throw new SourcesFileError(`${where}.${unknown} is not a TLS setting (${TLS_KEYS.join(', ')})`);
  const path = (key: string, required: boolean) => {
    const value = tls[key];
    if (value === undefined && !required) return undefined;
    if (typeof value !== 'string' || value.trim() === '') throw new SourcesFileError(`${where}.${key} must be a file path`);
    return resolve(baseDir, value);
  };
  const requireClientCert = tls.requireClientCert ?? false;
  if (typeof requireClientCert !== 'boolean') throw new SourcesFileError(`${where}.requireClientCert must be true or false`);
  const caFile = path('caFile', false);
  if (requireClientCert && !caFile) throw new SourcesFileError(`${where}.caFile is required with requireClientCert: the CA that issues the lab clients' certificates`);
  // Asked for but not required, a client certificate from anywhere would be let in: not a protection.
  if (caFile && !requireClientCert) throw new SourcesFileError(`${where}.caFile only serves to check client certificates: set requireClientCert to true`);
  return { certFile: path('certFile', true)!, keyFile: path('keyFile', true)!, ...(caFile ? { caFile } : {}), requireClientCert };
}

export function allowedSendersOf(raw: unknown, where: string): string[] {
  if (!Array.isArray(raw) || raw.length === 0) throw new SourcesFileError(`${where} must be a non-empty list of IP addresses or CIDR ranges (leave it out to accept any sender)`);
  return raw.map((entry, index) => {
    if (typeof entry !== 'string' || !addressRangeOf(entry)) throw new SourcesFileError(`${where}[${index}] must be an IPv4 or IPv6 address or CIDR range, like 10.1.2.0/24 or ::1`);
    return entry.trim();
  });
}
