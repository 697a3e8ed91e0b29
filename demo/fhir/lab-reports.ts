import type { DiagnosticReport, Observation, Resource } from '@medplum/fhirtypes';
import { LosslessNumber } from 'lossless-json';
import { pick } from '../people';
import { atTime, dayBetween, FIRST_DAY, instant, LAST_DAY, written } from './clock';

/**
 * The demo FHIR laboratory's reports: common panels a Montréal hospital laboratory sends, each a
 * DiagnosticReport (http://hl7.org/fhir/R4/diagnosticreport.html) whose results are Observations
 * (http://hl7.org/fhir/R4/observation.html) coded in LOINC, in SI units as Québec laboratories
 * report them, with reference ranges and interpretation flags. Decimals are written with the
 * laboratory's precision (a potassium of 5.0 mmol/L is sent as 5.0, not 5).
 */

const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';

interface Analyte {
  loinc: string;
  display: string;
  unit: string;
  low: number;
  high: number;
  /** Digits after the point the laboratory reports. */
  decimals: number;
}

interface Panel {
  loinc: string;
  display: string;
  analytes: readonly Analyte[];
}

const PANELS: readonly Panel[] = [
  {
    loinc: '58410-2',
    display: 'CBC panel - Blood by Automated count',
    analytes: [
      { loinc: '718-7', display: 'Hemoglobin [Mass/volume] in Blood', unit: 'g/L', low: 120, high: 160, decimals: 0 },
      { loinc: '6690-2', display: 'Leukocytes [#/volume] in Blood by Automated count', unit: '10*9/L', low: 4, high: 11, decimals: 1 },
      { loinc: '777-3', display: 'Platelets [#/volume] in Blood by Automated count', unit: '10*9/L', low: 150, high: 400, decimals: 0 },
    ],
  },
  {
    loinc: '24326-1',
    display: 'Electrolytes 1998 panel - Serum or Plasma',
    analytes: [
      { loinc: '2951-2', display: 'Sodium [Moles/volume] in Serum or Plasma', unit: 'mmol/L', low: 135, high: 145, decimals: 0 },
      { loinc: '2823-3', display: 'Potassium [Moles/volume] in Serum or Plasma', unit: 'mmol/L', low: 3.5, high: 5, decimals: 1 },
    ],
  },
  {
    loinc: '24331-1',
    display: 'Lipid 1996 panel - Serum or Plasma',
    analytes: [
      { loinc: '14647-2', display: 'Cholesterol [Moles/volume] in Serum or Plasma', unit: 'mmol/L', low: 2, high: 5.2, decimals: 2 },
      { loinc: '14646-4', display: 'Cholesterol in HDL [Moles/volume] in Serum or Plasma', unit: 'mmol/L', low: 1, high: 2.5, decimals: 2 },
      { loinc: '14927-8', display: 'Triglyceride [Moles/volume] in Serum or Plasma', unit: 'mmol/L', low: 0.5, high: 1.7, decimals: 2 },
    ],
  },
  {
    loinc: '4548-4',
    display: 'Hemoglobin A1c/Hemoglobin.total in Blood',
    analytes: [{ loinc: '4548-4', display: 'Hemoglobin A1c/Hemoglobin.total in Blood', unit: '%', low: 4, high: 6, decimals: 1 }],
  },
];

/** A decimal as the laboratory writes it: with its digits after the point, kept through JSON (demo/fhir-server.ts sends with lossless-json). */
const decimal = (value: number, decimals: number) => new LosslessNumber(value.toFixed(decimals)) as unknown as number;

/** v3 ObservationInterpretation (http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation). */
const interpretation = (code: 'H' | 'L' | 'N', display: string) => [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code, display }] }];

function observation(random: () => number, analyte: Analyte, entry: { id: string; patientId: string; collected: string; lastUpdated: string }): Observation {
  // Mostly within range, now and then outside it on either side.
  const span = analyte.high - analyte.low;
  const raw = analyte.low - span * 0.15 + random() * span * 1.3;
  const value = Number(raw.toFixed(analyte.decimals));
  const flag = value > analyte.high ? interpretation('H', 'High') : value < analyte.low ? interpretation('L', 'Low') : interpretation('N', 'Normal');
  const quantity = (v: number) => ({ value: decimal(v, analyte.decimals), unit: analyte.unit, system: UCUM, code: analyte.unit });
  return {
    resourceType: 'Observation',
    id: entry.id,
    meta: { versionId: '1', lastUpdated: entry.lastUpdated },
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }],
    code: { coding: [{ system: LOINC, code: analyte.loinc, display: analyte.display }] },
    subject: { reference: `Patient/${entry.patientId}` },
    effectiveDateTime: entry.collected,
    valueQuantity: quantity(value),
    interpretation: flag,
    referenceRange: [{ low: quantity(analyte.low), high: quantity(analyte.high) }],
  };
}

/** A person's reports at the laboratory (one to four), each with its Observations, in the order a server stores them. */
export function demoLabReports(random: () => number, patientId: string, nextId: () => string, performer: string): Resource[] {
  const resources: Resource[] = [];
  const reports = 1 + Math.floor(random() * 4);
  for (let n = 0; n < reports; n++) {
    const panel = pick(random, PANELS);
    const collectedAt = atTime(random, dayBetween(random, FIRST_DAY, LAST_DAY), 7, 11);
    const issuedAt = collectedAt.plus({ hours: 3 + Math.floor(random() * 20) });
    const collected = written(collectedAt, true);
    const lastUpdated = instant(issuedAt);
    const observations = panel.analytes.map((analyte) => observation(random, analyte, { id: nextId(), patientId, collected, lastUpdated }));
    const report: DiagnosticReport = {
      resourceType: 'DiagnosticReport',
      id: nextId(),
      meta: { versionId: '1', lastUpdated },
      status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'LAB', display: 'Laboratory' }] }],
      code: { coding: [{ system: LOINC, code: panel.loinc, display: panel.display }] },
      subject: { reference: `Patient/${patientId}` },
      effectiveDateTime: collected,
      issued: lastUpdated,
      performer: [{ display: performer }],
      result: observations.map((o) => ({ reference: `Observation/${o.id}` })),
    };
    resources.push(report, ...observations);
  }
  return resources;
}
