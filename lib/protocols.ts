import { allowedSendersOf, mllpTlsOf } from './mllp-settings';
import { SourcesFileError } from './sources-file-error';
import type { Domain, SourceConfig } from './sources';

/**
 * The registry of source protocols (issue #9 §4): for each, which domains it may serve, how its data
 * reaches us, and the sources-file fields of its own, checked here. The sources-file check
 * (lib/sources.ts, `npm run sources:check`), the adapters (adapters/index.ts: one factory per
 * protocol, typed against this table) and the start-up all read it, so a protocol is declared once.
 * A new protocol is one entry here and one adapter folder; the compiler names what else it needs.
 */
export interface ProtocolSpec {
  /** What the protocol is, for `npm run sources:check` and the docs. */
  readonly summary: string;
  /** The domains a source of this protocol may serve: a pharmacy over DICOMweb is a configuration error. */
  readonly domains: readonly Domain[];
  /**
   * `pull`: we ask the source over HTTP when a view needs it, and the record locator reads its
   * roster; `push`: the source sends to our listener and the locator learns at each message.
   */
  readonly transport: 'pull' | 'push';
  /** The fields only this protocol's entries have (besides the common ones of lib/sources.ts). */
  readonly fields: readonly string[];
  /** Reads and checks those fields of one entry; throws SourcesFileError naming `where`. */
  parse(entry: EntryReader): Partial<SourceConfig>;
}

/** One raw entry of the sources file, with the checks every protocol's fields share. */
export interface EntryReader {
  readonly raw: Record<string, unknown>;
  /** `sources[3]`: how errors name the entry. */
  readonly where: string;
  /** Where relative file paths start: the sources file's folder. */
  readonly baseDir: string;
  /** MLLP ports already taken by earlier entries of the same file. */
  readonly ports: Set<number>;
  text(key: string, required?: boolean): string | undefined;
}

const httpBase = (entry: EntryReader): Partial<SourceConfig> => {
  const url = entry.text('url')!;
  if (!/^https?:\/\//.test(url)) throw new SourcesFileError(`${entry.where}.url must be an http(s) URL`);
  return { url: url.replace(/\/+$/, '') };
};

export const PROTOCOL_SPECS = {
  'fhir-r4': {
    summary: 'FHIR R4 REST server (http://hl7.org/fhir/R4/http.html), searched per person batch as its CapabilityStatement allows',
    domains: ['MEDICATIONS', 'CLINICAL', 'LAB_RESULTS'],
    transport: 'pull',
    fields: ['url', 'namSystem', 'auth', 'tls'],
    parse: httpBase,
  },
  dicomweb: {
    summary: 'DICOMweb QIDO-RS study search (DICOM PS3.18 §10.6)',
    domains: ['IMAGING'],
    transport: 'pull',
    fields: ['url', 'auth', 'tls'],
    parse: httpBase,
  },
  'hl7v2-mllp': {
    summary: 'HL7 v2 messages pushed to our MLLP listener (HL7 v2.5.1 ch. 2, MLLP release 2): ORU^R01 results, RDS^O13 dispenses, ADT^A08/A40',
    domains: ['LAB_RESULTS', 'MEDICATIONS'],
    transport: 'push',
    fields: ['port', 'tls', 'allowedSenders'],
    parse: (entry) => {
      const { raw, where, ports } = entry;
      const port = raw.port;
      if (!Number.isInteger(port) || (port as number) < 0 || (port as number) > 65535) throw new SourcesFileError(`${where}.port must be a TCP port number for an MLLP source`);
      if (ports.has(port as number) && port !== 0) throw new SourcesFileError(`${where}.port ${port} is used by another source`);
      ports.add(port as number);
      if (raw.rosterIntervalMs !== undefined) throw new SourcesFileError(`${where}.rosterIntervalMs: an MLLP source pushes its data; the locator learns at each message`);
      return {
        port: port as number,
        ...(raw.tls !== undefined ? { tls: mllpTlsOf(raw.tls, `${where}.tls`, entry.baseDir) } : {}),
        ...(raw.allowedSenders !== undefined ? { allowedSenders: allowedSendersOf(raw.allowedSenders, `${where}.allowedSenders`) } : {}),
      };
    },
  },
} as const satisfies Record<string, ProtocolSpec>;

export type Protocol = keyof typeof PROTOCOL_SPECS;
export const PROTOCOLS = Object.keys(PROTOCOL_SPECS) as Protocol[];
/** The domains protocol P may serve, as a type: an adapter's table per domain is checked against it. */
export type DomainOf<P extends Protocol> = (typeof PROTOCOL_SPECS)[P]['domains'][number];

export const isProtocol = (value: unknown): value is Protocol => typeof value === 'string' && Object.hasOwn(PROTOCOL_SPECS, value);
export const protocolSpec = (protocol: Protocol): ProtocolSpec => PROTOCOL_SPECS[protocol];
