import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Structured logs (pino). Callers log identifiers of systems (source id, subgraph, code) and
 * counts, never a NAM, a name or a result; the redaction below is a second line of defence for
 * fields that must never be printed even if someone passes them by mistake.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: {
        paths: ['nam', 'nams', '*.nam', '*.nams', 'familyName', 'givenName', 'name', 'authorization', 'headers.authorization', 'req.headers.authorization', 'token'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
