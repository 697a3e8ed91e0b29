import { build, type Histogram } from 'hdr-histogram-js';

/** What one run of a load program measured, over its measurement window (after the warm-up). */
export interface LoadResult {
  /** Requests completed in the window (for point-to-point: person views, each several source calls). */
  requests: number;
  perSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; mean: number; max: number };
  /** Answers with a status other than 2xx, and requests that got no answer (see httpStatuses). */
  httpErrors: number;
  /** Answers whose JSON holds a non-empty `errors` array (GraphQL), whatever their status. */
  graphqlErrors: number;
  /** extensions.code of those errors, counted (`NO_CODE` when an error has none). */
  errorCodes: Record<string, number>;
  /** The failures behind httpErrors: each non-2xx status, `timeout`, `network`, `malformed`. */
  httpStatuses: Record<string, number>;
  concurrency: number;
  /** The measurement window as it really ran. */
  windowMs: number;
  /**
   * The load program's own CPU over the window, in % of one core. Near 100, the program itself
   * was setting the pace, not the system under test.
   */
  clientCpuPercent: number;
}

/** How one request (or one point-to-point view) ended. */
export interface Outcome {
  /** The HTTP status; `timeout` or `network` when no answer came, `malformed` when it could not be read. */
  status: number | 'timeout' | 'network' | 'malformed';
  /** Present when the answer held GraphQL errors: their codes. */
  errorCodes?: readonly string[];
}

/** A code is reported only when it looks like one: a server's odd "code" must not carry a value into the bench's output. */
const CODE = /^[A-Z][A-Z0-9_]{0,63}$/i;

/** Latencies (in microseconds, 3 significant digits, up to an hour) and failures, as requests complete. */
export class Tally {
  private readonly histogram: Histogram = build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
  private httpErrors = 0;
  private graphqlErrors = 0;
  private readonly errorCodes: Record<string, number> = {};
  private readonly httpStatuses: Record<string, number> = {};

  record(latencyMs: number, outcome: Outcome): void {
    this.histogram.recordValue(Math.max(1, Math.round(latencyMs * 1000)));
    if (typeof outcome.status !== 'number' || outcome.status < 200 || outcome.status > 299) {
      this.httpErrors++;
      this.httpStatuses[String(outcome.status)] = (this.httpStatuses[String(outcome.status)] ?? 0) + 1;
    }
    if (outcome.errorCodes) {
      this.graphqlErrors++;
      for (const code of outcome.errorCodes) {
        const key = CODE.test(code) ? code : 'OTHER';
        this.errorCodes[key] = (this.errorCodes[key] ?? 0) + 1;
      }
    }
  }

  result(window: { ms: number; concurrency: number; cpuMs: number }): LoadResult {
    const h = this.histogram;
    const ms = (micros: number) => Math.round(micros) / 1000;
    const requests = h.totalCount;
    return {
      requests,
      perSecond: window.ms > 0 ? Math.round((requests / window.ms) * 1000 * 10) / 10 : 0,
      latencyMs: requests
        ? { p50: ms(h.getValueAtPercentile(50)), p95: ms(h.getValueAtPercentile(95)), p99: ms(h.getValueAtPercentile(99)), mean: ms(h.mean), max: ms(h.maxValue) }
        : { p50: 0, p95: 0, p99: 0, mean: 0, max: 0 },
      httpErrors: this.httpErrors,
      graphqlErrors: this.graphqlErrors,
      errorCodes: { ...this.errorCodes },
      httpStatuses: { ...this.httpStatuses },
      concurrency: window.concurrency,
      windowMs: Math.round(window.ms),
      clientCpuPercent: window.ms > 0 ? Math.round((window.cpuMs / window.ms) * 1000) / 10 : 0,
    };
  }
}
