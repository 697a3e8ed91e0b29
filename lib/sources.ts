import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { MllpTls } from './mllp-settings';
import { PROTOCOLS, isProtocol, protocolSpec, type EntryReader, type Protocol } from './protocols';
import { sourceCredentialsOf, type SourceCredentialsConfig } from './source-auth';
import { SourcesFileError } from './sources-file-error';
import { isOnOrAfter } from './time';

export { PROTOCOLS, SourcesFileError, type Protocol };
export { addressRangeOf, type AddressRange, type MllpTls } from './mllp-settings';

/** The four record domains of the contract (enum Domain). */
export const DOMAINS = ['MEDICATIONS', 'LAB_RESULTS', 'IMAGING', 'CLINICAL'] as const;
export type Domain = (typeof DOMAINS)[number];

/**
 * What kind of place a source is, for the roll-out by area (issue #9 §7: Montréal's pharmacies first,
 * then clinics, then emergency rooms) and the coverage query. Each kind serves one domain.
 */
export const SOURCE_KINDS = ['pharmacy', 'clinic', 'emergency-room', 'laboratory', 'imaging'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];
const KIND_DOMAIN: Record<SourceKind, Domain> = {
  pharmacy: 'MEDICATIONS',
  clinic: 'CLINICAL',
  'emergency-room': 'CLINICAL',
  laboratory: 'LAB_RESULTS',
  imaging: 'IMAGING',
};
/** The kind an entry without `kind` is: an emergency room must say so. */
const DEFAULT_KIND: Record<Domain, SourceKind> = { MEDICATIONS: 'pharmacy', CLINICAL: 'clinic', LAB_RESULTS: 'laboratory', IMAGING: 'imaging' };
export const kindOf = (source: Pick<SourceConfig, 'kind' | 'domain'>): SourceKind => source.kind ?? DEFAULT_KIND[source.domain];

/** The Canadian baseline's NamingSystem for the Québec health card (CA Core+). */
export const DEFAULT_NAM_SYSTEM = 'https://fhir.infoway-inforoute.ca/NamingSystem/ca-qc-patient-healthcare-id';

/**
 * One connected source system, as listed in the sources file (see README, "Sources file").
 * HTTP sources may carry `auth` and `clientTls` (the file's `tls`): lib/source-auth.ts.
 */
export interface SourceConfig extends SourceCredentialsConfig {
  id: string;
  name: string;
  domain: Domain;
  protocol: Protocol;
  /** Set by the sources-file check (from the domain when the entry has none); read it with kindOf. */
  kind?: SourceKind;
  /**
   * The day the source was (or will be) connected, YYYY-MM-DD in its time zone. Before that day it
   * is planned: listed by the coverage query, never asked. Unset: connected.
   */
  connectedSince?: string;
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
    const protocol = text('protocol');
    if (!isProtocol(protocol)) throw new SourcesFileError(`${where}.protocol must be one of ${PROTOCOLS.join(', ')}`);
    const spec = protocolSpec(protocol);
    if (!spec.domains.includes(domain)) throw new SourcesFileError(`${where}: protocol ${protocol} cannot serve domain ${domain} (it serves ${spec.domains.join(', ')})`);
    const kind = (raw.kind ?? DEFAULT_KIND[domain]) as SourceKind;
    if (!SOURCE_KINDS.includes(kind)) throw new SourcesFileError(`${where}.kind must be one of ${SOURCE_KINDS.join(', ')}`);
    if (KIND_DOMAIN[kind] !== domain) throw new SourcesFileError(`${where}: a source of kind ${kind} serves ${KIND_DOMAIN[kind]}, not ${domain}`);
    const patientId = (raw.patientId ?? 'nam') as SourceConfig['patientId'];
    if (patientId !== 'nam' && patientId !== 'local') throw new SourcesFileError(`${where}.patientId must be "nam" or "local"`);
    const source: SourceConfig = {
      id,
      name: text('name')!,
      domain,
      protocol,
      kind,
      region: text('region', false),
      area: text('area', false),
      patientId,
      namSystem: text('namSystem', false) ?? DEFAULT_NAM_SYSTEM,
      timeZone: text('timeZone', false) ?? defaults.timeZone,
    };
    if (raw.connectedSince !== undefined) source.connectedSince = calendarDateOf(raw.connectedSince, `${where}.connectedSince`);
    const entry: EntryReader = { raw, where, baseDir: defaults.baseDir ?? '.', ports, text };
    Object.assign(source, spec.parse(entry));
    if (raw.timeoutMs !== undefined) {
      if (!Number.isInteger(raw.timeoutMs) || (raw.timeoutMs as number) <= 0) throw new SourcesFileError(`${where}.timeoutMs must be a positive integer`);
      source.timeoutMs = raw.timeoutMs as number;
    }
    for (const key of ['rosterIntervalMs', 'cacheTtlMs'] as const) {
      if (raw[key] === undefined) continue;
      if (!Number.isInteger(raw[key]) || (raw[key] as number) < 0) throw new SourcesFileError(`${where}.${key} must be a non-negative integer (milliseconds)`);
      source[key] = raw[key] as number;
    }
    if (raw.allowedSenders !== undefined && !spec.fields.includes('allowedSenders')) throw new SourcesFileError(`${where}.allowedSenders: only an MLLP listener (protocol hl7v2-mllp) has it`);
    Object.assign(source, sourceCredentialsOf(raw, where, { protocol, url: source.url, baseDir: defaults.baseDir }));
    return source;
  });
}

/** YYYY-MM-DD, a real day: `connectedSince`. */
function calendarDateOf(value: unknown, where: string): string {
  const date = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00Z`) : undefined;
  if (!date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) throw new SourcesFileError(`${where} must be a calendar date, YYYY-MM-DD`);
  return value as string;
}

/** Whether a source is connected on the day `now` is in its time zone (its `connectedSince` has come). */
export function isConnected(source: Pick<SourceConfig, 'connectedSince' | 'timeZone'>, now: Date): boolean {
  return isOnOrAfter(now.toISOString(), source.connectedSince, source.timeZone);
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
