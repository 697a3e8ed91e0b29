import { VACCINES, type DemoVaccine } from './catalog';

/** How a chart's clock reads days: one drawn in a season (inclusive dates), and one some weeks after another. */
export interface DoseCalendar<Day> {
  season(from: string, to: string): Day;
  weeksAfter(day: Day, weeks: number): Day;
}

/**
 * The doses a person's chart records, after Québec's programme, roughly (Protocole d'immunisation
 * du Québec): a flu shot most autumns from 2019 to 2025, the COVID-19 primary series (two doses
 * eight weeks apart) in spring 2021 and a fall 2022 booster, and the pneumococcal polysaccharide
 * vaccine once past 65. The demo clinic and the bench's clinics draw the same way, each with its
 * own clock (`calendar`), so `random` is read in the same order by both.
 */
export function vaccineDoses<Day>(random: () => number, birthYear: number, calendar: DoseCalendar<Day>): { vaccine: DemoVaccine; day: Day }[] {
  const doses: { vaccine: DemoVaccine; day: Day }[] = [];
  for (let year = 2019; year <= 2025; year++) {
    if (random() < 0.5) doses.push({ vaccine: VACCINES.influenza, day: calendar.season(`${year}-10-15`, `${year}-11-30`) });
  }
  if (random() < 0.7) {
    const first = calendar.season('2021-04-01', '2021-06-15');
    doses.push({ vaccine: VACCINES.covid, day: first }, { vaccine: VACCINES.covid, day: calendar.weeksAfter(first, 8) });
    if (random() < 0.5) doses.push({ vaccine: VACCINES.covid, day: calendar.season('2022-10-01', '2022-12-15') });
  }
  if (birthYear <= 1955) doses.push({ vaccine: VACCINES.pneumococcal, day: calendar.season('2019-03-01', '2024-06-30') });
  return doses;
}
