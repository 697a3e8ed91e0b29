import nock from 'nock';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createFhirSources, type FhirSourceDeps } from '../../../adapters/fhir';
import type { PatientRef, RecordQuery, RecordSource } from '../../../adapters/port';
import type { RecordKind } from '../../../schema/records';
import { DEFAULT_NAM_SYSTEM, type SourceConfig } from '../../../lib/sources';

/** Sources as the sources file would give them, on hosts only nock answers. */
export const plateau: SourceConfig = {
  id: 'pharmacy-mtl-centre',
  name: 'Pharmacie du Plateau',
  domain: 'MEDICATIONS',
  protocol: 'fhir-r4',
  url: 'https://fhir.pharmacie-plateau.example/fhir',
  region: 'Montréal',
  area: 'Centre',
  patientId: 'nam',
  namSystem: DEFAULT_NAM_SYSTEM,
  timeZone: 'America/Montreal',
};

export const forges: SourceConfig = {
  ...plateau,
  id: 'pharmacy-trois-rivieres',
  name: 'Pharmacie des Forges',
  url: 'https://fhir.pharmaciedesforges.example/r4',
  region: 'Mauricie',
  area: 'Trois-Rivières',
  patientId: 'local',
};

export const hochelaga: SourceConfig = {
  ...plateau,
  id: 'clinic-mtl-east',
  name: 'GMF Hochelaga-Maisonneuve',
  domain: 'CLINICAL',
  url: 'https://dme.gmf-hochelaga.example/fhir',
  area: 'East',
};

export const PLATEAU_ORIGIN = 'https://fhir.pharmacie-plateau.example';
export const HOCHELAGA_ORIGIN = 'https://dme.gmf-hochelaga.example';

/** The NAMs the fixtures' Patients carry. */
export const TREMBLAY = 'TREM62031512';
export const GAGNON = 'GAGN71580214';
export const ROY = 'ROYM45112810';

export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(fixtureText(name));
}

/** A fixture as the server sends it, byte for byte (JSON.parse would write 5.0 back as 5). */
export function fixtureText(name: string): string {
  return readFileSync(join(__dirname, '..', '..', 'fixtures', 'fhir', name), 'utf8');
}

export function query(patients: readonly PatientRef[], since?: string): RecordQuery {
  return { patients, since, signal: AbortSignal.timeout(10_000) };
}

export const byNam = (...nams: string[]): PatientRef[] => nams.map((nam) => ({ nam }));

/** A searchset Bundle around resources (each `match`), with optional next link. */
export function searchset(resources: object[], next?: string, included: object[] = []) {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    link: next ? [{ relation: 'next', url: next }] : [],
    entry: [...resources.map((resource) => ({ resource, search: { mode: 'match' } })), ...included.map((resource) => ({ resource, search: { mode: 'include' } }))],
  };
}

export const namPatient = (id: string, nam: string) => ({
  resourceType: 'Patient',
  id,
  identifier: [{ system: DEFAULT_NAM_SYSTEM, value: nam }],
});

export const dispense = (id: string, patient: string, whenHandedOver = '2025-05-01T10:00:00-04:00') => ({
  resourceType: 'MedicationDispense',
  id,
  status: 'completed',
  medicationCodeableConcept: { coding: [{ system: 'http://hl7.org/fhir/NamingSystem/ca-hc-din', code: '02284065', display: 'PMS-AMLODIPINE 5MG' }] },
  subject: { reference: `Patient/${patient}` },
  whenHandedOver,
});

/** The adapter of one kind for a source, typed for that kind's records. */
export function sourceOf<K extends RecordKind>(config: SourceConfig, kind: K, deps: FhirSourceDeps = {}): RecordSource<K> {
  const found = createFhirSources(config, deps).find((s) => s.kind === kind);
  if (!found) throw new Error(`no ${kind} source for ${config.id}`);
  return found as unknown as RecordSource<K>;
}

/**
 * The server at a source's base answers `GET [base]/metadata` with a CapabilityStatement fixture
 * (HAPI FHIR's by default: chained search and `_include` offered), for as long as the test runs.
 */
export function statesCapabilities(config: SourceConfig, statement = 'capability-statement-hapi.json'): nock.Scope {
  const url = new URL(config.url!);
  return nock(url.origin).get(`${url.pathname.replace(/\/+$/, '')}/metadata`).reply(200, fixture(statement), { 'content-type': 'application/fhir+json' }).persist();
}
