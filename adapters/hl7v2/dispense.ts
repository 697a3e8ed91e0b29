import { createHash } from 'node:crypto';
import type { Hl7Field, Hl7Segment } from '@medplum/core';
import type { MedicationDispenseRecord } from '../../schema/records';
import { clean, timestamp } from './obx';
import type { OruPatient } from './pid';
import { ErrorCode, fail, type ErrorLocation } from './rejection';

/** One ORDER group of an RDS_O13, as ./rds.ts cut it out. */
export interface PharmacyOrder {
  orc: Hl7Segment;
  /** ORC's place among the message's ORC segments (ERR-2). */
  sequence: number;
  /** TQ1 of the TIMING group (after ORC), with its place among the message's TQ1 segments. */
  timing: Timing[];
  rxo?: Hl7Segment;
  rxe?: Hl7Segment;
  /** TQ1 of the TIMING_ENCODED group (after RXE). */
  encodedTiming: Timing[];
  rxd?: { segment: Hl7Segment; sequence: number };
}

export interface Timing {
  segment: Hl7Segment;
  sequence: number;
}

/**
 * One dispense as the store keeps it: the record (the pharmacy, facilityOf(source), is added on the
 * read side) and what the store needs to apply it.
 */
export interface Dispense extends Omit<MedicationDispenseRecord, 'pharmacy' | 'quantity'> {
  /** `dispense`: the dispense as it now stands (ORC-1 RE); `cancel`: the pharmacy withdrew it (ORC-1 OC or CR). */
  action: 'dispense' | 'cancel';
  /** RXD-4 exactly as sent (NM), so its decimals are kept. */
  quantity: string;
  /** RXD-5 (code, else text): kept beside the quantity; the contract has no field for it yet. */
  quantityUnit?: string;
  /** SHA-256 of the person and everything above: the same dispense sent again changes nothing. */
  contentHash: string;
}

/**
 * ORC-1 (table 0119). v2.5.1 Ch. 4 §4.13.7 has the pharmacy send every dispense with RE; it defines
 * no correction or cancellation of a dispense. We take the next RDS^O13 for the same dispense
 * (RXD-7 + RXD-1) as its correction, and OC (order canceled) or CR (canceled as requested) as the
 * pharmacy withdrawing it (a reversed dispense). Anything else is not a dispense: AE 103.
 */
const ORDER_CONTROL: Record<string, Dispense['action']> = { RE: 'dispense', OC: 'cancel', CR: 'cancel' };

/**
 * Coding systems (CE-3 / CE-6) meaning Health Canada's Drug Identification Number: `DIN` (as
 * Canadian v2 feeds send it) and `HC-DIN`. A DIN is 8 digits, leading zeros included.
 */
const DIN_SYSTEMS = new Set(['DIN', 'HC-DIN', 'HC_DIN', 'HCDIN']);
const DIN = /^\d{8}$/;

/** HL7 NM (Ch. 2A §2.A.47): optional sign, digits, optional decimal point. */
const NM = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/** TQ1-6 units (CQ-2.1, UCUM or ISO+ codes) as days. */
const DAYS_PER_UNIT: Record<string, number> = { d: 1, day: 1, days: 1, wk: 7, w: 7, week: 7, weeks: 7 };

export interface DispenseContext {
  sourceId: string;
  timeDefaults: { offsetMinutes?: number; timeZone: string };
  patient: OruPatient;
}

/**
 * Maps one ORDER group (v2.5.1 Ch. 4 §4.14.5 RXD, §4.14.4 RXE, §4.14.1 RXO, §4.5.4 TQ1):
 * - id: `${source}/${RXD-7 prescription number}/${RXD-1 dispense sub-ID}`: the pharmacy's own
 *   numbering of its dispenses, so a dispense sent again under another MSH-10 is the same record;
 * - din: RXD-2.1 when RXD-2.3 names the DIN system (else the alternate code, RXD-2.4/2.6);
 * - name: RXD-2.2 (else RXD-2.5, RXE-2.2, RXO-1.2); dispensedAt: RXD-3; quantity: RXD-4 (RXD-5 its unit);
 * - dosageInstruction: RXE-7 (provider's administration instructions), else TQ1-11 (text
 *   instruction), else RXO-7;
 * - daysSupply: TQ1-6 (service duration) of the encoded timing, else of the order's, in whole days.
 * RXD-1, 2, 3, 4 and 7 are required (R) and checked; anything not well formed is AE.
 */
export function dispenseOf(order: PharmacyOrder, context: DispenseContext): Dispense {
  const { segment: rxd, sequence } = order.rxd!;
  const at = (field: number, component?: number): ErrorLocation => ({ segment: 'RXD', sequence, field, ...(component ? { repetition: 1, component } : {}) });
  const text = (segment: Hl7Segment | undefined, field: number, component: number) => (segment ? clean(segment.getComponent(field, component), segment.context) : undefined);

  const control = text(order.orc, 1, 1)?.toUpperCase();
  if (!control) fail(ErrorCode.REQUIRED_FIELD_MISSING, 'ORC-1 (order control) is empty', { segment: 'ORC', sequence: order.sequence, field: 1 });
  const action = ORDER_CONTROL[control!] ?? fail(ErrorCode.TABLE_VALUE_NOT_FOUND, 'ORC-1 must be RE (a dispense), or OC or CR (its cancellation)', { segment: 'ORC', sequence: order.sequence, field: 1 });

  const subId = text(rxd, 1, 1) ?? fail(ErrorCode.REQUIRED_FIELD_MISSING, 'RXD-1 (dispense sub-ID counter) is empty', at(1));
  if (!/^\d+$/.test(subId)) fail(ErrorCode.DATA_TYPE, 'RXD-1 (dispense sub-ID counter) is not a number', at(1));
  const prescription = text(rxd, 7, 1) ?? fail(ErrorCode.REQUIRED_FIELD_MISSING, 'RXD-7 (prescription number) is empty', at(7));

  const code = text(rxd, 2, 1);
  const alternate = text(rxd, 2, 4);
  if (!code && !alternate) fail(ErrorCode.REQUIRED_FIELD_MISSING, 'RXD-2 (dispense/give code) is empty', at(2));
  const din = dinOf(rxd, code, 3, at(2, 1)) ?? dinOf(rxd, alternate, 6, at(2, 4));
  const name = text(rxd, 2, 2) ?? text(rxd, 2, 5) ?? text(order.rxe, 2, 2) ?? text(order.rxo, 1, 2) ?? fail(ErrorCode.REQUIRED_FIELD_MISSING, 'RXD-2 has no drug name (RXD-2.2)', at(2, 2));

  const dtm = rxd.getComponent(3, 1).trim();
  if (!dtm) fail(ErrorCode.REQUIRED_FIELD_MISSING, 'RXD-3 (date/time dispensed) is empty', at(3));
  const dispensedAt = timestamp(dtm, context.timeDefaults) ?? fail(ErrorCode.DATA_TYPE, 'RXD-3 is not a valid date/time (DTM)', at(3));

  const quantity = text(rxd, 4, 1) ?? fail(ErrorCode.REQUIRED_FIELD_MISSING, 'RXD-4 (actual dispense amount) is empty', at(4));
  if (!NM.test(quantity) || Number(quantity) < 0) fail(ErrorCode.DATA_TYPE, 'RXD-4 (actual dispense amount) is not a number of at least 0', at(4));

  const dispense: Omit<Dispense, 'contentHash'> = dropEmpty({
    id: `${context.sourceId}/${encodeURIComponent(prescription)}/${Number(subId)}`,
    action,
    din,
    name: name!,
    dosageInstruction: instructionOf(order.rxe, 7) ?? timingText(order.encodedTiming) ?? timingText(order.timing) ?? instructionOf(order.rxo, 7),
    quantity: quantity!,
    quantityUnit: text(rxd, 5, 1) ?? text(rxd, 5, 2),
    daysSupply: daysSupplyOf(order.encodedTiming) ?? daysSupplyOf(order.timing),
    dispensedAt: dispensedAt!,
  });
  const { nam, localIds } = context.patient;
  const contentHash = createHash('sha256').update(JSON.stringify([nam ?? null, localIds, dispense])).digest('hex');
  return { ...dispense, contentHash };
}

/** The DIN in one CE triplet (code, system at `systemComponent`), checked; undefined when the system is not DIN. */
function dinOf(rxd: Hl7Segment, code: string | undefined, systemComponent: number, where: ErrorLocation): string | undefined {
  const system = clean(rxd.getComponent(2, systemComponent), rxd.context)?.toUpperCase();
  if (!code || !system || !DIN_SYSTEMS.has(system)) return undefined;
  if (!DIN.test(code)) fail(ErrorCode.DATA_TYPE, 'RXD-2 names a DIN that is not 8 digits', where);
  return code;
}

/** A CE field's words, repetitions joined: the text (2), else the alternate text (5), else a plain text sent as the code (1, no system). */
function instructionOf(segment: Hl7Segment | undefined, field: number): string | undefined {
  if (!segment) return undefined;
  return joined(segment.getField(field), '; ', (rep) => {
    const part = (i: number) => clean(rep[i], segment.context);
    return part(1) ?? part(4) ?? (part(2) ? undefined : part(0));
  });
}

/** TQ1-11 (text instruction, TX) of the first TQ1 that has one. */
function timingText(timing: readonly Timing[]): string | undefined {
  for (const { segment: tq1 } of timing) {
    const text = joined(tq1.getField(11), ' ', (rep) => clean(rep.join(tq1.context.componentSeparator), tq1.context));
    if (text) return text;
  }
  return undefined;
}

/** TQ1-6 (service duration, CQ: quantity^units) of the first TQ1 that has one, in whole days. */
function daysSupplyOf(timing: readonly Timing[]): number | undefined {
  for (const { segment: tq1, sequence } of timing) {
    const amount = tq1.getComponent(6, 1).trim();
    if (!amount) continue;
    const where = { segment: 'TQ1', sequence, field: 6 };
    const unit = tq1.getComponent(6, 2).split(tq1.context.subcomponentSeparator)[0].trim().toLowerCase();
    const perUnit = DAYS_PER_UNIT[unit] ?? fail(ErrorCode.DATA_TYPE, 'TQ1-6 (service duration) must be in days (d) or weeks (wk)', where);
    const days = Number(amount) * perUnit!;
    if (!NM.test(amount) || !Number.isInteger(days) || days <= 0) fail(ErrorCode.DATA_TYPE, 'TQ1-6 (service duration) is not a whole number of days', where);
    return days;
  }
  return undefined;
}

function joined(field: Hl7Field | undefined, separator: string, render: (rep: string[]) => string | undefined): string | undefined {
  const parts = (field?.components ?? []).map(render).filter((p): p is string => !!p);
  return parts.length ? parts.join(separator) : undefined;
}

function dropEmpty<T extends object>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as T;
}
