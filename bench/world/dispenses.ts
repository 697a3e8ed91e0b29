import type { MedicationDispense } from '@medplum/fhirtypes';
import { DRUGS, type DemoDrug } from '../../demo/fhir/catalog';
import { dispenseResource } from '../../demo/fhir/dispense-resource';
import { pick } from '../../demo/people';
import { atTime, dayBetween, FIRST, instant, LAST, plusMinutes, written, type WallTime } from './clock';
import { between } from './random';

/** How one pharmacy's software writes its dispenses. */
export interface PharmacyStyle {
  /** Both DIN systems are in use in Canada. */
  dinSystem: string;
  withOffset: boolean;
}

const CHRONIC = DRUGS.filter((drug) => drug.chronic);
const ACUTE = DRUGS.filter((drug) => !drug.chronic);

/**
 * A person's dispenses at one pharmacy (the demo's pattern, demo/fhir/dispenses.ts): one to
 * three chronic drugs refilled every 30 or 90 days with a few days' slack, sometimes an
 * antibiotic course, during opening hours, from real DINs, written as the demo's
 * (demo/fhir/dispense-resource.ts). Always at least one dispense.
 */
export function dispensesOf(random: () => number, patientId: string, idPrefix: string, style: PharmacyStyle): MedicationDispense[] {
  const chosen = new Set<DemoDrug>();
  const drugs = between(random, 1, 3);
  while (chosen.size < drugs) chosen.add(pick(random, CHRONIC));
  const fills: { drug: DemoDrug; days: number; at: WallTime }[] = [];
  for (const drug of chosen) {
    const days = pick(random, drug.days);
    const count = between(random, 1, 6);
    let day = dayBetween(random, FIRST, LAST - 183);
    for (let fill = 0; fill < count && day <= LAST; fill++) {
      fills.push({ drug, days, at: atTime(random, day, 9, 21) });
      day += days - 3 + Math.floor(random() * 7);
    }
  }
  if (ACUTE.length && random() < 0.3) {
    const drug = pick(random, ACUTE);
    fills.push({ drug, days: drug.days[0], at: atTime(random, dayBetween(random, FIRST, LAST), 9, 21) });
  }
  fills.sort((a, b) => a.at.day - b.at.day || a.at.minute - b.at.minute);
  return fills.map(({ drug, days, at }, n) =>
    dispenseResource({
      id: `${idPrefix}${n + 1}`,
      patientId,
      drug,
      days,
      dinSystem: style.dinSystem,
      lastUpdated: instant(at),
      whenPrepared: written(plusMinutes(at, -(20 + ((at.minute * 7) % 100))), style.withOffset),
      whenHandedOver: written(at, style.withOffset),
    }),
  );
}
