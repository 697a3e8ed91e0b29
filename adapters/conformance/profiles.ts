import type { Protocol } from '../../lib/protocols';

/**
 * How a protocol may reach its source for a batch of people, which the batching check holds its
 * adapter to:
 * - `one-search`: the protocol can name many people in one search (FHIR: a comma is OR,
 *   http://hl7.org/fhir/R4/search.html#combining), so a batch costs one search per kind of record
 *   and its pages, never one per person;
 * - `per-person`: the protocol cannot (QIDO-RS matches Patient ID single-valued, DICOM PS3.4
 *   §C.2.2.2.2 allows list matching for UIDs only), so a batch costs at most one search per person;
 * - `none`: the source pushes to us and a read never asks it (HL7 v2 over MLLP: read from our store).
 */
export type Batching = 'one-search' | 'per-person' | 'none';

export interface ConformanceProfile {
  readonly batching: Batching;
}

/**
 * One profile per protocol of the registry (lib/protocols.ts): the `satisfies` makes a protocol added
 * there without a profile here a compile error, and the conformance specs (test/conformance/) then
 * run every check against it.
 */
export const CONFORMANCE_PROFILES = {
  'fhir-r4': { batching: 'one-search' },
  dicomweb: { batching: 'per-person' },
  'hl7v2-mllp': { batching: 'none' },
} satisfies Record<Protocol, ConformanceProfile>;

export const profileOf = (protocol: Protocol): ConformanceProfile => CONFORMANCE_PROFILES[protocol];
