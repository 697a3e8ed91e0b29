import { facilityOf } from '../port';
import type { SourceConfig } from '../../lib/sources';
import type { ImagingStudyRecord } from '../../schema/records';
import { dicomDateTime } from './dateTime';
import { allStrings, firstInteger, firstString, isDicomJsonDataset } from './dicomJson';

/**
 * The study-level attributes a QIDO-RS study search returns (PS3.18 §10.6.3.3.1, Table 10.6.3-3),
 * by tag (PS3.6). Modalities in Study and the two counts are query attributes computed by the
 * server (PS3.4 §C.3.4, Table C.3-1), not stored in the images. Description and the counts are
 * asked with includefield, since not every server returns them by default (Orthanc does not).
 */
export const StudyTag = {
  StudyDate: '00080020',
  StudyTime: '00080030',
  AccessionNumber: '00080050',
  ModalitiesInStudy: '00080061',
  TimezoneOffsetFromUTC: '00080201',
  StudyDescription: '00081030',
  PatientID: '00100020',
  StudyInstanceUID: '0020000D',
  NumberOfStudyRelatedSeries: '00201206',
  NumberOfStudyRelatedInstances: '00201208',
} as const;

/** The largest count the contract's Int carries (GraphQL §3.5.1: 32-bit signed). */
const MAX_INT = 2 ** 31 - 1;

/**
 * A count (IS, VM 1): a negative one is not a count, and one past the contract's Int could not be
 * sent (the whole list would fail, issue #8 §8), so either is left out rather than shown.
 */
function countOf(dataset: Record<string, unknown>, tag: string): number | undefined {
  const value = firstInteger(dataset, tag);
  return value !== undefined && value >= 0 && value <= MAX_INT ? value : undefined;
}

/**
 * One DICOM JSON study (PS3.18 §F.2) as the contract's ImagingStudy, or undefined when it has no
 * Study Instance UID: without it the study can be neither identified nor retrieved (PS3.4 §C.6.1.1.3
 * makes it the study level's unique key). The UID is kept as is, being globally unique already
 * (PS3.5 §9). Modalities in Study is multi-valued (a CT with its dose report is "CT", "SR").
 */
export function studyFromDicomJson(dataset: unknown, source: SourceConfig): ImagingStudyRecord | undefined {
  if (!isDicomJsonDataset(dataset)) return undefined;
  const studyInstanceUid = firstString(dataset, StudyTag.StudyInstanceUID);
  if (!studyInstanceUid) return undefined;
  const record: ImagingStudyRecord = {
    studyInstanceUid,
    modalities: [...new Set(allStrings(dataset, StudyTag.ModalitiesInStudy).map((m) => m.toUpperCase()))],
    description: firstString(dataset, StudyTag.StudyDescription),
    startedAt: dicomDateTime(
      {
        date: firstString(dataset, StudyTag.StudyDate),
        time: firstString(dataset, StudyTag.StudyTime),
        timezoneOffset: firstString(dataset, StudyTag.TimezoneOffsetFromUTC),
      },
      source.timeZone,
    ),
    accessionNumber: firstString(dataset, StudyTag.AccessionNumber),
    seriesCount: countOf(dataset, StudyTag.NumberOfStudyRelatedSeries),
    instanceCount: countOf(dataset, StudyTag.NumberOfStudyRelatedInstances),
    facility: facilityOf(source),
  };
  return withoutUndefined(record);
}

/** Absent attributes stay absent, so a record compares and serializes the same whatever the server. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
