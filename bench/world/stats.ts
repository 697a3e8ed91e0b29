/** Requests received per source since the last reset (pages, metadata and refusals included). */
export class RequestStats {
  private readonly counts: Uint32Array;

  constructor(private readonly ids: readonly string[]) {
    this.counts = new Uint32Array(ids.length);
  }

  count(sourceIndex: number): void {
    this.counts[sourceIndex]++;
  }

  reset(): void {
    this.counts.fill(0);
  }

  /** Every source by id, zeros included, so a source never asked shows as 0 rather than missing. */
  snapshot(): Record<string, number> {
    return Object.fromEntries(this.ids.map((id, index) => [id, this.counts[index]]));
  }
}
