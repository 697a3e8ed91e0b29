import { parseArgs } from 'node:util';

/** What `npm run soak -- [--minutes N]` was asked for (issue #8 §8). */
export interface SoakOptions {
  minutes: number;
  databaseUrl: string;
  /** Of the world and of every random choice, so two runs face the same province. */
  seed: number;
}

/** Reads the command line and the environment; throws on a value that is not a duration. */
export function soakOptions(argv: string[], env: NodeJS.ProcessEnv): SoakOptions {
  const { values } = parseArgs({ args: argv, options: { minutes: { type: 'string', default: '5' }, seed: { type: 'string', default: '8' } } });
  const minutes = Number(values.minutes);
  if (!(minutes > 0 && minutes <= 24 * 60)) throw new Error('--minutes must be a number of minutes above 0 (at most a day)');
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw new Error('--seed must be an integer');
  return { minutes, seed, databaseUrl: env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test' };
}
