import { readFileSync } from 'node:fs';

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
  'fhir-r4': ['MEDICATIONS', 'CLINICAL'],
  dicomweb: ['IMAGING'],
  'hl7v2-mllp': ['LAB_RESULTS'],
};

export class SourcesFileError extends Error {}

/** Parses and validates a sources file's content; every problem is named with the entry's index. */
export function parseSources(json: unknown, defaults: { timeZone: string }): SourceConfig[] {
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
    return source;
  });
}

export function readSourcesFile(path: string, defaults: { timeZone: string }): SourceConfig[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new SourcesFileError(`cannot read sources file ${path}: ${(error as Error).message}`);
  }
  return parseSources(json, defaults);
}
