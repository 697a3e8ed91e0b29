import { untilAborted } from '../until-aborted';
import type { IssuedToken } from './token-endpoint';

export interface TokenCacheOptions {
  /** Our clock (tests move it). */
  now(): number;
}

/** When the server gives no expires_in (it is only RECOMMENDED, RFC 6749 §5.1): taken as this long. */
export const DEFAULT_LIFETIME_MS = 5 * 60_000;
/** A token is fetched again this long before it runs out: at most a minute, at most a tenth of its life. */
export const refreshMarginMs = (lifetimeMs: number) => Math.min(60_000, lifetimeMs / 10);

/**
 * The access token of one source: kept until shortly before it expires, so that a token never
 * runs out between being read here and reaching the source. One fetch at a time: the requests
 * that find no valid token while a fetch is under way wait for that fetch. A failed fetch is not
 * kept: the next request tries again.
 */
export class TokenCache {
  private current?: { token: string; refreshAt: number };
  private pending?: Promise<string>;

  constructor(
    private readonly fetchToken: () => Promise<IssuedToken>,
    private readonly options: TokenCacheOptions = { now: Date.now },
  ) {}

  /** A valid token; `signal` ends this caller's wait, not the fetch the others share. */
  get(signal: AbortSignal): Promise<string> {
    if (this.current && this.options.now() < this.current.refreshAt) return Promise.resolve(this.current.token);
    if (!this.pending) {
      this.pending = this.fetch();
      // A caller whose time is up stops waiting; the fetch's failure is then no one's: never unhandled.
      this.pending.catch(() => undefined);
    }
    return untilAborted(this.pending, signal);
  }

  /**
   * The source refused `used` (401): forgotten, so the next get() fetches another. A token the
   * cache no longer holds is left alone: another request saw the refusal first and a new token
   * is already there or on its way.
   */
  invalidate(used: string): void {
    if (this.current?.token === used) this.current = undefined;
  }

  private async fetch(): Promise<string> {
    try {
      const issuedAt = this.options.now();
      const { accessToken, expiresInS } = await this.fetchToken();
      const lifetimeMs = expiresInS !== undefined ? expiresInS * 1000 : DEFAULT_LIFETIME_MS;
      // From when we asked, not when the answer came: the server's clock started before ours stopped.
      this.current = { token: accessToken, refreshAt: issuedAt + lifetimeMs - refreshMarginMs(lifetimeMs) };
      return accessToken;
    } finally {
      this.pending = undefined;
    }
  }
}
