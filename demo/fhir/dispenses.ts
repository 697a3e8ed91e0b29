import type { MedicationDispense } from '@medplum/fhirtypes';
import type { DateTime } from 'luxon';
import { pick } from '../people';
import { DRUGS, type DemoDrug } from './catalog';
import { atTime, dayBetween, FIRST_DAY, instant, LAST_DAY, written } from './clock';
import { dispenseResource } from './dispense-resource';

export interface DispenseOptions {
  /** The DIN system this pharmacy's software writes (both are in use in Canada). */
  dinSystem: string;
  /** Whether its date-times carry an offset. */
  withOffset: boolean;
  /** Chronic drugs to fill, and at most how many refills each. */
  drugs: number;
  maxFills: number;
  /** Whether an antibiotic course may show up. */
  acute: boolean;
}

/**
 * A person's dispenses at one pharmacy: a few chronic drugs refilled every 30 or 90 days (with
 * the usual few days' slack), sometimes an antibiotic course, during opening hours.
 */
export function demoDispenses(random: () => number, patientId: string, nextId: () => string, options: DispenseOptions): MedicationDispense[] {
  const chronic = DRUGS.filter((drug) => drug.chronic);
  const chosen = new Set<DemoDrug>();
  while (chosen.size < options.drugs) chosen.add(pick(random, chronic));
  const fills: { drug: DemoDrug; days: number; at: DateTime }[] = [];
  for (const drug of chosen) {
    const days = pick(random, drug.days);
    const count = 1 + Math.floor(random() * options.maxFills);
    let day = dayBetween(random, FIRST_DAY, LAST_DAY.minus({ months: 6 }));
    for (let fill = 0; fill < count && day <= LAST_DAY; fill++) {
      fills.push({ drug, days, at: atTime(random, day, 9, 21) });
      day = day.plus({ days: days - 3 + Math.floor(random() * 7) });
    }
  }
  if (options.acute && random() < 0.3) {
    const drug = DRUGS.find((d) => !d.chronic)!;
    fills.push({ drug, days: drug.days[0], at: atTime(random, dayBetween(random, FIRST_DAY, LAST_DAY), 9, 21) });
  }
  fills.sort((a, b) => a.at.toMillis() - b.at.toMillis());
  return fills.map(({ drug, days, at }) => dispense(drug, days, at, patientId, nextId(), options));
}

function dispense(drug: DemoDrug, days: number, handedOver: DateTime, patientId: string, id: string, options: DispenseOptions): MedicationDispense {
  const prepared = handedOver.minus({ minutes: 20 + Math.floor((handedOver.minute * 7) % 100) });
  return dispenseResource({
    id,
    patientId,
    drug,
    days,
    dinSystem: options.dinSystem,
    lastUpdated: instant(handedOver),
    whenPrepared: written(prepared, options.withOffset),
    whenHandedOver: written(handedOver, options.withOffset),
  });
}
