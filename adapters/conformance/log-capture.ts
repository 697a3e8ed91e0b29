import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../lib/logger';

/** A logger as the services build it (lib/logger.ts, redaction included) whose every line is kept for the checks. */
export interface CapturedLog {
  logger: Logger;
  /** Every line written, as pino serialized it. */
  lines: string[];
}

/** At `debug`, so a check also sees what an adapter only says when an operator turns the level up. */
export function captureLog(): CapturedLog {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  // pino writes synchronously to a plain stream: a line is in `lines` once the log call returns.
  return { logger: createLogger('debug', destination), lines };
}
