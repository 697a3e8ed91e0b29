import { readFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { dirname, resolve } from 'node:path';

/** The four record domains of the contract (enum Domain). */
export const DOMAINS = ['MEDICATIONS', 'LAB_RESULTS', 'IMAGING', 'CLINICAL'] as const;
export type Domain = (typeof DOMAINS)[number];

export const PROTOCOLS = ['fhir-r4', 'dicomweb', 'hl7v2-mllp'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/** The Canadian baseline's NamingSystem for the Québec health card (CA Core+). */
export const DEFAULT_NAM_SYSTEM = 'https://fhir.infoway-inforoute.ca/NamingSystem/ca-qc-patient-healthcare-id';

/** One connected source system, as listed in the sources file (see README, "Sources file"). */
export interface SourceConfig {
  id: string;
  name: string;
  domain: Domain;
  protocol: Protocol;
  /** Base URL of an HTTP source (FHIR base, DICOMweb base). */
  url?: string;
  /** TCP port our MLLP listener opens for an HL7 v2 source. */
  port?: number;
  region?: string;
  area?: string;
  /** `nam`: the source files people under their NAM; `local`: under its own ids (cross-reference needed). */
  patientId: 'nam' | 'local';
  /** FHIR only: the identifier system the source uses for the NAM. */
  namSystem: string;
  /** IANA zone of date-times the source sends without an offset. */
  timeZone: string;
  /** Per-source override of the default timeout, in milliseconds. */
  timeoutMs?: number;
  /**
   * How often the record locator reads this source's roster (pull sources), in milliseconds;
   * `0`: never, so every view asks this source (it is "not covered"). Default ROSTER_INTERVAL_MS.
   */
  rosterIntervalMs?: number;
  /** How long this source's answers may be served from the cache; `0`: never cached. Default SOURCE_CACHE_TTL_MS. */
  cacheTtlMs?: number;
  /** MLLP only: our listener speaks TLS (server side); unset, plain TCP. */
  tls?: MllpTls;
  /** MLLP only: peer addresses or CIDR ranges (IPv4, IPv6) allowed to connect; unset, any sender. */
  allowedSenders?: string[];
}

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

const FACILITY_KIND: Record<Domain, string> = {
  MEDICATIONS: 'pharmacy',
  LAB_RESULTS: 'laboratory',
  IMAGING: 'imaging',
  CLINICAL: 'clinic',
};
export const facilityKindOf = (domain: Domain) => FACILITY_KIND[domain];

/** Which protocols may serve which domain: a pharmacy over DICOMweb is a configuration error. */
const ALLOWED: Record<Protocol, Domain[]> = {
  'fhir-r4': ['MEDICATIONS', 'CLINICAL', 'LAB_RESULTS'],
  dicomweb: ['IMAGING'],
  'hl7v2-mllp': ['LAB_RESULTS'],
};

export class SourcesFileError extends Error {}

/**
 * Parses and validates a sources file's content; every problem is named with the entry's index.
 * `baseDir`: where relative TLS file paths start (the sources file's folder; the working folder when unset).
 */
export function parseSources(json: unknown, defaults: { timeZone: string; baseDir?: string }): SourceConfig[] {
  const list = (json as { sources?: unknown })?.sources;
  if (!Array.isArray(list)) throw new SourcesFileError('the sources file must be a JSON object { "sources": [...] }');
  const seen = new Set<string>();
  const ports = new Set<number>();
  return list.map((raw: Record<string, unknown>, index) => {
    const where = `sources[${index}]`;
    const text = (key: string, required = true) => {
      const value = raw?.[key];
      if (value === undefined && !required) return undefined;
      if (typeof value !== 'string' || value.trim() === '') throw new SourcesFileError(`${where}.${key} must be a non-empty string`);
      return value;
    };
    const id = text('id')!;
    if (!/^[a-z0-9][a-z0-9._-]*$/i.test(id)) throw new SourcesFileError(`${where}.id may hold letters, digits, '.', '_' and '-' only`);
    if (seen.has(id)) throw new SourcesFileError(`${where}.id "${id}" is listed twice`);
    seen.add(id);
    const domain = text('domain') as Domain;
    if (!DOMAINS.includes(domain)) throw new SourcesFileError(`${where}.domain must be one of ${DOMAINS.join(', ')}`);
    const protocol = text('protocol') as Protocol;
    if (!PROTOCOLS.includes(protocol)) throw new SourcesFileError(`${where}.protocol must be one of ${PROTOCOLS.join(', ')}`);
    if (!ALLOWED[protocol].includes(domain)) throw new SourcesFileError(`${where}: protocol ${protocol} cannot serve domain ${domain}`);
    const patientId = (raw.patientId ?? 'nam') as SourceConfig['patientId'];
    if (patientId !== 'nam' && patientId !== 'local') throw new SourcesFileError(`${where}.patientId must be "nam" or "local"`);
    const source: SourceConfig = {
      id,
      name: text('name')!,
      domain,
      protocol,
      region: text('region', false),
      area: text('area', false),
      patientId,
      namSystem: text('namSystem', false) ?? DEFAULT_NAM_SYSTEM,
      timeZone: text('timeZone', false) ?? defaults.timeZone,
    };
    if (protocol === 'hl7v2-mllp') {
      const port = raw.port;
      if (!Number.isInteger(port) || (port as number) < 0 || (port as number) > 65535) {
        throw new SourcesFileError(`${where}.port must be a TCP port number for an MLLP source`);
      }
      if (ports.has(port as number) && port !== 0) throw new SourcesFileError(`${where}.port ${port} is used by another source`);
      ports.add(port as number);
      source.port = port as number;
    } else {
      const url = text('url')!;
      if (!/^https?:\/\//.test(url)) throw new SourcesFileError(`${where}.url must be an http(s) URL`);
      source.url = url.replace(/\/+$/, '');
    }
    if (raw.timeoutMs !== undefined) {
      if (!Number.isInteger(raw.timeoutMs) || (raw.timeoutMs as number) <= 0) throw new SourcesFileError(`${where}.timeoutMs must be a positive integer`);
      source.timeoutMs = raw.timeoutMs as number;
    }
    for (const key of ['rosterIntervalMs', 'cacheTtlMs'] as const) {
      if (raw[key] === undefined) continue;
      if (!Number.isInteger(raw[key]) || (raw[key] as number) < 0) throw new SourcesFileError(`${where}.${key} must be a non-negative integer (milliseconds)`);
      if (key === 'rosterIntervalMs' && protocol === 'hl7v2-mllp') throw new SourcesFileError(`${where}.rosterIntervalMs: an MLLP source pushes its data; the locator learns at each message`);
      source[key] = raw[key] as number;
    }
    for (const key of ['tls', 'allowedSenders'] as const) {
      if (raw[key] !== undefined && protocol !== 'hl7v2-mllp') throw new SourcesFileError(`${where}.${key}: only an MLLP listener (protocol hl7v2-mllp) has it`);
    }
    if (raw.tls !== undefined) source.tls = mllpTlsOf(raw.tls, `${where}.tls`, defaults.baseDir);
    if (raw.allowedSenders !== undefined) source.allowedSenders = allowedSendersOf(raw.allowedSenders, `${where}.allowedSenders`);
    return source;
  });
}

const TLS_KEYS = ['certFile', 'keyFile', 'caFile', 'requireClientCert'];

/** The `tls` object: paths only here; the listener reads (and checks) the files when it starts. */
function mllpTlsOf(raw: unknown, where: string, baseDir = '.'): MllpTls {
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

function allowedSendersOf(raw: unknown, where: string): string[] {
  if (!Array.isArray(raw) || raw.length === 0) throw new SourcesFileError(`${where} must be a non-empty list of IP addresses or CIDR ranges (leave it out to accept any sender)`);
  return raw.map((entry, index) => {
    if (typeof entry !== 'string' || !addressRangeOf(entry)) throw new SourcesFileError(`${where}[${index}] must be an IPv4 or IPv6 address or CIDR range, like 10.1.2.0/24 or ::1`);
    return entry.trim();
  });
}

export function readSourcesFile(path: string, defaults: { timeZone: string }): SourceConfig[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new SourcesFileError(`cannot read sources file ${path}: ${(error as Error).message}`);
  }
  return parseSources(json, { ...defaults, baseDir: dirname(path) });
}
