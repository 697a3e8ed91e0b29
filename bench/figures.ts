/**
 * The bench's figures, as bench/results.json holds them: { figures: { name: { value, unit, target,
 * ok, … } } }. Each value is the median of interleaved rounds, given with its spread (min and max
 * of the rounds) so a reader can tell a difference from noise.
 */
export interface Figure {
  value: number;
  unit: string;
  /** The target, in words a reader can check against `value` ("<= 3", ">= 2000"). */
  target: string;
  ok: boolean;
  spread?: { min: number; max: number; rounds: number };
  note?: string;
}

export type Figures = Record<string, Figure>;

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const round = (value: number) => (Math.abs(value) >= 100 ? Math.round(value) : Math.round(value * 100) / 100);

/** A figure from several rounds' values: their median, checked against `target` (a comparison and a bound). */
export function figure(rounds: readonly number[], unit: string, target: { atMost?: number; atLeast?: number; equals?: number } | undefined, note?: string): Figure {
  const value = round(median(rounds));
  const ok =
    target === undefined ||
    ((target.atMost === undefined || value <= target.atMost) && (target.atLeast === undefined || value >= target.atLeast) && (target.equals === undefined || value === target.equals));
  const words = target === undefined ? 'reported' : target.atMost !== undefined ? `<= ${target.atMost}` : target.atLeast !== undefined ? `>= ${target.atLeast}` : `= ${target.equals}`;
  return {
    value,
    unit,
    target: words,
    ok,
    ...(rounds.length > 1 ? { spread: { min: round(Math.min(...rounds)), max: round(Math.max(...rounds)), rounds: rounds.length } } : {}),
    ...(note ? { note } : {}),
  };
}

/** One line of the table printed at the end: name, median, spread, target, verdict. */
export function describe(name: string, f: Figure): string {
  const spread = f.spread ? ` (${f.spread.min}–${f.spread.max} over ${f.spread.rounds} rounds)` : '';
  return `${f.ok ? 'ok  ' : 'MISS'} ${name}: ${f.value} ${f.unit}${spread}, target ${f.target}`;
}

/** Rounds run interleaved: each round visits every subject, starting with a different one each time. */
export async function interleaved<S, R>(subjects: readonly S[], rounds: number, run: (subject: S, round: number) => Promise<R>): Promise<Map<S, R[]>> {
  const results = new Map<S, R[]>(subjects.map((s) => [s, []]));
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < subjects.length; i++) {
      const subject = subjects[(r + i) % subjects.length];
      results.get(subject)!.push(await run(subject, r));
    }
  }
  return results;
}
