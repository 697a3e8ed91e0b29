import type { Domain, Protocol } from '../../lib/sources';
import { AREAS, MAURICIE_AREA } from './population';

export type SourceKind = 'pharmacy' | 'clinic' | 'pacs';

/** One simulated source system of the province. */
export interface WorldSource {
  /** Position in the sources file: pharmacies first, then clinics, then PACS. */
  index: number;
  id: string;
  kind: SourceKind;
  name: string;
  domain: Domain;
  protocol: Protocol;
  region: 'Montréal' | 'Mauricie';
  area: string;
  /** Its base under the world's URL: `/<id>/fhir` or `/<id>/dicom-web`. */
  path: string;
}

const KINDS: Record<SourceKind, { domain: Domain; protocol: Protocol; api: string }> = {
  pharmacy: { domain: 'MEDICATIONS', protocol: 'fhir-r4', api: 'fhir' },
  clinic: { domain: 'CLINICAL', protocol: 'fhir-r4', api: 'fhir' },
  pacs: { domain: 'IMAGING', protocol: 'dicomweb', api: 'dicom-web' },
};

/** Québec's pharmacy banners, clinic and imaging wording, for names a provider would recognize. */
const BANNERS = ['Jean Coutu', 'Pharmaprix', 'Familiprix', 'Uniprix', 'Brunet', 'Proxim'];
const nameOf = (kind: SourceKind, n: number, area: string) =>
  kind === 'pharmacy' ? `Pharmacie ${BANNERS[n % BANNERS.length]} ${area} ${n}` : kind === 'clinic' ? `GMF ${area} ${n}` : `Imagerie médicale ${area} ${n}`;

/**
 * The province's sources: `pharmacies` pharmacies, `clinics` clinics and `pacs` imaging centres,
 * with ids like `pharmacy-0001`, each kind spread in turn over Montréal's six areas and Mauricie.
 */
export function province(counts: { pharmacies: number; clinics: number; pacs: number }): WorldSource[] {
  const sources: WorldSource[] = [];
  const add = (kind: SourceKind, count: number) => {
    for (let n = 1; n <= count; n++) {
      const area = AREAS[(n - 1) % AREAS.length];
      const id = `${kind}-${String(n).padStart(4, '0')}`;
      const { domain, protocol, api } = KINDS[kind];
      sources.push({ index: sources.length, id, kind, name: nameOf(kind, n, area), domain, protocol, region: area === MAURICIE_AREA ? 'Mauricie' : 'Montréal', area, path: `/${id}/${api}` });
    }
  };
  add('pharmacy', counts.pharmacies);
  add('clinic', counts.clinics);
  add('pacs', counts.pacs);
  return sources;
}

/** The SOURCES_FILE content (lib/sources.ts format) for a world answering at `url`. */
export function sourcesFile(sources: readonly WorldSource[], url: string): { sources: Record<string, unknown>[] } {
  return {
    sources: sources.map((s) => ({ id: s.id, name: s.name, domain: s.domain, protocol: s.protocol, url: `${url}${s.path}`, region: s.region, area: s.area, patientId: 'nam' })),
  };
}
