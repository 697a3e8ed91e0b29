/**
 * A write, timed: `observe` gets how long it took to settle and whether it succeeded. The result
 * (or failure) is the write's own; the timing only watches.
 */
export function timed<A extends unknown[]>(write: (...args: A) => Promise<void>, observe: (seconds: number, ok: boolean) => void): (...args: A) => Promise<void> {
  return (...args) => {
    const started = performance.now();
    const done = write(...args);
    done.then(
      () => observe((performance.now() - started) / 1000, true),
      () => observe((performance.now() - started) / 1000, false),
    );
    return done;
  };
}
