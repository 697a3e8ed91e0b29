import { join, relative } from 'node:path';
import { PROTOCOL_SPECS, isProtocol } from '../lib/protocols';
import { DOMAINS, type Domain } from '../lib/sources';
import { DOMAIN_OF_KIND, RECORD_KINDS, type RecordKind } from '../schema/records';

/**
 * The files `npm run new:adapter` writes for a new protocol, and the registry lines it prints: pure,
 * so the spec can generate into a scratch folder and type-check the result.
 */
export interface Scaffold {
  files: { path: string; content: string }[];
  /** What to add by hand to the shared tables, in order (the compiler then asks for the rest). */
  registryLines: { file: string; line: string }[];
}

/** A protocol id as the registry spells them (`fhir-r4`, `hl7v2-mllp`): lower case, digits, dashes. */
export const PROTOCOL_NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

export class ScaffoldError extends Error {}

const camel = (name: string) => name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const pascal = (name: string) => camel(name).replace(/^./, (c) => c.toUpperCase());
const kindsOf = (domain: Domain) => RECORD_KINDS.filter((kind) => DOMAIN_OF_KIND[kind] === domain);

/** The record interface of schema/records.ts for each kind. */
const RECORD_TYPE: Record<RecordKind, string> = {
  medications: 'MedicationDispenseRecord',
  labResults: 'LabResultRecord',
  imagingStudies: 'ImagingStudyRecord',
  encounters: 'EncounterRecord',
  conditions: 'ConditionRecord',
  allergies: 'AllergyRecord',
  immunizations: 'ImmunizationRecord',
};

/**
 * A new pull protocol `name` serving `domain`: a RecordSource per record kind of the domain that asks
 * the whole batch in one request, a mapper per kind that refuses to run until written, and a mapping
 * spec on real-format samples that fails until the mapper and the samples are real.
 * `repoRoot`: where the project's modules are; `outRoot`: where to write (the same, but for the spec).
 */
export function scaffoldProtocol(name: string, domain: string, repoRoot: string, outRoot = repoRoot): Scaffold {
  if (!PROTOCOL_NAME.test(name)) throw new ScaffoldError(`NAME "${name}" must be a protocol id like acme-rest: lower-case letters, digits and single dashes, starting with a letter`);
  if (isProtocol(name)) throw new ScaffoldError(`protocol ${name} is already in the registry (lib/protocols.ts): for a new source speaking it, use --protocol ${name}`);
  if (!DOMAINS.includes(domain as Domain)) throw new ScaffoldError(`--domain must be one of ${DOMAINS.join(', ')}`);
  const kinds = kindsOf(domain as Domain);
  const Name = pascal(name);
  const adapterDir = join(outRoot, 'adapters', name);
  const testDir = join(outRoot, 'test', 'adapters', name);
  const fixtureDir = join(outRoot, 'test', 'fixtures', name);
  /** An import of a project module (path from the repo root, no extension) from a generated file. */
  const from = (fileDir: string, module: string) => {
    const path = relative(fileDir, join(repoRoot, module)).split('\\').join('/');
    return path.startsWith('.') ? path : `./${path}`;
  };
  const local = (fileDir: string, module: string) => {
    const path = relative(fileDir, join(adapterDir, module)).split('\\').join('/');
    return path.startsWith('.') ? path : `./${path}`;
  };
  const recordTypes = [...new Set(kinds.map((kind) => RECORD_TYPE[kind]))].sort();

  const search = `import { fetchJson, type SourceRoute } from '${from(adapterDir, 'adapters/http')}';
import { SourceError, type PatientRef, type RecordQuery } from '${from(adapterDir, 'adapters/port')}';
import type { SourceConfig } from '${from(adapterDir, 'lib/sources')}';

/**
 * One item of the source's answer, as its protocol shapes it. TODO(${name}): describe the real shape
 * (cite the protocol's spec section) and read it defensively: a source fills it loosely.
 */
export interface ${Name}Item {
  /** Who the item is about, as the source names them: the NAM, or its own patient id. */
  patient?: unknown;
  [element: string]: unknown;
}

/** The id a source files a person under: the NAM (\`patientId: nam\`) or its own id from the cross-reference. */
export const patientIdOf = (source: SourceConfig, patient: PatientRef) => (source.patientId === 'local' ? patient.localId : patient.nam);

/**
 * Everyone in the batch in ONE request (docs/adapters.md, "Batching"): never one request per person.
 * Patient ids go in the body, never in the URL (URLs end up in proxies' access logs).
 * TODO(${name}): the protocol's real search (path, parameters, paging by the links it gives).
 */
export async function search${Name}(source: SourceConfig, what: string, query: RecordQuery, connections?: SourceRoute['connections']): Promise<Map<string, ${Name}Item[]>> {
  const namOfId = new Map<string, string>();
  for (const patient of query.patients) {
    const id = patientIdOf(source, patient);
    if (id) namOfId.set(id, patient.nam);
  }
  const byNam = new Map<string, ${Name}Item[]>();
  if (namOfId.size === 0) return byNam;
  const form = new URLSearchParams({ type: what, patients: [...namOfId.keys()].join(','), ...(query.since ? { since: query.since } : {}) });
  const body = await fetchJson({ url: \`\${source.url}/search\`, method: 'POST', form, accept: 'application/json', signal: query.signal, sourceId: source.id, connections });
  const items = (body as { items?: unknown } | undefined)?.items ?? [];
  // Never quote the body: it holds patient data (docs/adapters.md, "Errors").
  if (!Array.isArray(items)) throw new SourceError('malformed', \`${name} \${what} answer has no items list\`);
  for (const item of items as ${Name}Item[]) {
    // Only the people asked: an item about anyone else is dropped, whatever the source sent.
    const nam = typeof item?.patient === 'string' ? namOfId.get(item.patient) : undefined;
    if (!nam) continue;
    const list = byNam.get(nam);
    if (list) list.push(item);
    else byNam.set(nam, [item]);
  }
  return byNam;
}
`;

  const mappers = kinds
    .map(
      (kind) => `/**
 * One ${name} item -> a ${RECORD_TYPE[kind]} (schema/records.ts), or undefined for an item that
 * cannot be one (no date, entered in error): left out, never guessed. Ids are \`\${source.id}/<its id>\`.
 * TODO(${name}): map it (docs/adapters.md, "Mapping"), then the spec in test/adapters/${name}/ passes.
 */
export function to${pascal(kind)}Record(item: ${Name}Item, source: SourceConfig): ${RECORD_TYPE[kind]} | undefined {
  void item;
  void source;
  throw new NotMappedYet('${kind}');
}`,
    )
    .join('\n\n');
  const map = `import type { SourceConfig } from '${from(adapterDir, 'lib/sources')}';
import type { ${recordTypes.join(', ')} } from '${from(adapterDir, 'schema/records')}';
import type { ${Name}Item } from './search';

/** Thrown by a mapper nobody has written yet: the whole source fails loudly rather than answer nothing. */
export class NotMappedYet extends Error {
  constructor(kind: string) {
    super(\`${name}: the \${kind} mapper is not written yet (adapters/${name}/map.ts)\`);
  }
}

${mappers}
`;

  const index = `import { isOnOrAfter } from '${from(adapterDir, 'lib/time')}';
import type { SourceConfig } from '${from(adapterDir, 'lib/sources')}';
import { DATE_OF, type RecordKind, type RecordsByKind } from '${from(adapterDir, 'schema/records')}';
import type { SourceRoute } from '${from(adapterDir, 'adapters/http')}';
import type { RecordQuery, RecordSource } from '${from(adapterDir, 'adapters/port')}';
import { ${kinds.map((kind) => `to${pascal(kind)}Record`).join(', ')} } from './map';
import { search${Name}, type ${Name}Item } from './search';

/** How each kind of record is asked of a ${name} source and mapped. TODO(${name}): the source's own names for them. */
const KINDS: { [K in RecordKind]?: { what: string; toRecord(item: ${Name}Item, source: SourceConfig): RecordsByKind[K] | undefined } } = {
${kinds.map((kind) => `  ${kind}: { what: '${kind}', toRecord: to${pascal(kind)}Record },`).join('\n')}
};

/** One kind of record from one ${name} source, behind the port (adapters/port.ts). */
function recordSource<K extends RecordKind>(source: SourceConfig, kind: K, connections: SourceRoute['connections']): RecordSource<K> {
  const spec = KINDS[kind]!;
  return {
    source,
    kind,
    async fetch(query: RecordQuery) {
      const items = await search${Name}(source, spec.what, query, connections);
      const records = new Map<string, RecordsByKind[K][]>();
      for (const [nam, list] of items) {
        const mapped = list
          .map((item) => spec.toRecord(item, source))
          .filter((record): record is RecordsByKind[K] => record !== undefined)
          // A source may ignore \`since\`: narrowed again here, in the source's time zone.
          .filter((record) => !query.since || isOnOrAfter((DATE_OF[kind] as (r: RecordsByKind[K]) => string | undefined)(record), query.since, source.timeZone));
        if (mapped.length) records.set(nam, mapped);
      }
      return records;
    },
  };
}

/** The record sources of one ${name} source (${domain}); \`connections\`: the service's source credentials. */
export function create${Name}Sources(source: SourceConfig, deps: { connections?: SourceRoute['connections'] } = {}): RecordSource[] {
  if (!source.url) throw new Error(\`source \${source.id}: a ${name} source needs a url\`);
  return [${kinds.map((kind) => `recordSource(source, '${kind}', deps.connections)`).join(', ')}];
}
`;

  const spec = `import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { recordProblems } from '${from(testDir, 'adapters/conformance')}';
import { ${kinds.map((kind) => `to${pascal(kind)}Record`).join(', ')} } from '${local(testDir, 'map')}';
import type { ${Name}Item } from '${local(testDir, 'search')}';
import type { SourceConfig } from '${from(testDir, 'lib/sources')}';

/**
 * ${name}: mapping the source's own items into the contract's records. These specs fail until the
 * mappers are written AND the samples in test/fixtures/${name}/ are real (de-identified) items
 * from the source system: a spec that passed on an empty mapper would prove nothing.
 */
const source: SourceConfig = { id: '${name}-test', name: 'Test ${name} source', domain: '${domain}', protocol: '${name}' as SourceConfig['protocol'], patientId: 'nam', namSystem: '', timeZone: 'America/Montreal', url: 'http://127.0.0.1:9' };
const sample = (file: string): ${Name}Item => JSON.parse(readFileSync(join(__dirname, ${JSON.stringify(relative(testDir, fixtureDir).split('\\').join('/'))}, file), 'utf8'));

${kinds
  .map(
    (kind) => `describe('${kind}', () => {
  test('a real-format item maps to a record with everything the contract requires, under the source\\'s id', () => {
    const record = to${pascal(kind)}Record(sample('${kind}.json'), source);
    expect(record).toBeDefined();
    expect(recordProblems('${kind}', record!, source)).toEqual([]);
${kind === 'imagingStudies' ? '' : `    expect(record!.id.startsWith(\`\${source.id}/\`)).toBe(true);\n`}  });
  test.todo('an item entered in error is left out');
  test.todo("a time without an offset is read in the source's time zone");
  test.todo('a value that does not fit the contract leaves that value (or that record) out, never fails the list');
});`,
  )
  .join('\n\n')}
`;

  const fixture = JSON.stringify({ replaceMe: `a real ${name} item (de-identified) as the source sends it, for the mapping spec` }, null, 2) + '\n';
  const file = (path: string, content: string) => ({ path, content });
  return {
    files: [
      file(join(adapterDir, 'index.ts'), index),
      file(join(adapterDir, 'search.ts'), search),
      file(join(adapterDir, 'map.ts'), map),
      file(join(testDir, 'mapping.test.ts'), spec),
      ...kinds.map((kind) => file(join(fixtureDir, `${kind}.json`), fixture)),
    ],
    registryLines: [
      { file: 'lib/protocols.ts (PROTOCOL_SPECS)', line: `'${name}': { summary: 'TODO: what ${name} is, with its spec', domains: ['${domain}'], transport: 'pull', fields: ['url'], parse: httpBase },` },
      { file: 'adapters/index.ts (PROTOCOL_ADAPTERS)', line: `'${name}': { recordSources: (source, deps) => create${Name}Sources(source, deps) },   // import { create${Name}Sources } from './${name}';` },
      { file: 'adapters/conformance/profiles.ts (CONFORMANCE_PROFILES)', line: `'${name}': { batching: 'one-search' },` },
      { file: 'test/conformance/demo-harnesses.ts (DEMO_HARNESSES)', line: `'${name}': start${Name},   // starts a demo ${name} system (demo/) and returns a subject per source` },
    ],
  };
}

/** A new source speaking an existing protocol: no code, a sources-file entry (fields from the registry). */
export function sourceEntryFor(id: string, protocol: string): { entry: Record<string, unknown> } {
  if (!/^[a-z0-9][a-z0-9._-]*$/i.test(id)) throw new ScaffoldError(`NAME "${id}" is a source id here: letters, digits, '.', '_' and '-' only`);
  if (!isProtocol(protocol)) throw new ScaffoldError(`--protocol must be "new" or one of the registry's: ${Object.keys(PROTOCOL_SPECS).join(', ')}`);
  const spec = PROTOCOL_SPECS[protocol];
  // The fields the protocol requires; its optional ones (tls, allowedSenders...) are in README, "Sources file".
  const own = Object.fromEntries(spec.fields.flatMap((field): [string, unknown][] => (field === 'url' ? [[field, 'https://…']] : field === 'port' ? [[field, 2575]] : [])));
  return { entry: { id, name: '…', domain: spec.domains[0], protocol, ...own, region: '…', area: '…', patientId: 'nam' } };
}
