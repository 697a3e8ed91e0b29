import type { Logger } from '../lib/logger';

/**
 * A warning logged at most once per interval, with how many were held back since the last one:
 * an unreachable cache fails every call, and the log must say so without flooding. Callers pass
 * categories and counts only (never a NAM or a key).
 */
export function throttledWarning(logger: Logger, message: string, everyMs = 10_000) {
  let last = -Infinity;
  let heldBack = 0;
  return (fields: Record<string, string | number>) => {
    const now = performance.now();
    if (now - last < everyMs) {
      heldBack += 1;
      return;
    }
    last = now;
    logger.warn({ cache: 'answers', ...fields, heldBack }, message);
    heldBack = 0;
  };
}
