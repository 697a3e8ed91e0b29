import type { RecordSource } from '../port';
import type { SourceConfig } from '../../lib/sources';
import type { SourceRoute } from '../http';
import { searchImagingStudies } from './qido';

/**
 * The record sources a DICOMweb system offers: its imaging studies, found with QIDO-RS (DICOM
 * PS3.18 §10.6). Retrieval (WADO-RS) is left to viewers, which follow the study's Retrieve URL.
 */
export function createDicomwebSources(source: SourceConfig, deps: { connections?: SourceRoute['connections'] } = {}): RecordSource[] {
  if (source.protocol !== 'dicomweb' || !source.url) {
    throw new Error(`source ${source.id} is not a DICOMweb source with a base URL`);
  }
  const imagingStudies: RecordSource<'imagingStudies'> = {
    source,
    kind: 'imagingStudies',
    fetch: (query) => searchImagingStudies(source, query, undefined, deps.connections),
  };
  return [imagingStudies];
}
