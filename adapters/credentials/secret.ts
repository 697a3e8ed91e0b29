import { readFileSync } from 'node:fs';
import { SourcesFileError } from '../../lib/sources';

/** Where a secret is: an environment variable or a file, as the sources file names it. */
export interface SecretPlace {
  /** The sources-file key naming the place (`auth.tokenEnv`), for the error. */
  key: string;
  env?: string;
  file?: string;
}

/**
 * A secret read once, when the adapters start. A variable that is unset or empty, or a file that
 * cannot be read or is empty, stops the start: the error names the source and the variable or
 * file, never what it holds. Surrounding white space (a file's final newline) is not part of it.
 */
export function readSecret(sourceId: string, place: SecretPlace): string {
  if (place.env !== undefined) {
    const value = process.env[place.env]?.trim();
    if (!value) throw new SourcesFileError(`source ${sourceId}: ${place.key}: environment variable ${place.env} is not set`);
    return value;
  }
  const path = place.file!;
  let value: string;
  try {
    value = readFileSync(path, 'utf8').trim();
  } catch (error) {
    throw new SourcesFileError(`source ${sourceId}: ${place.key} (${path}) cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  if (!value) throw new SourcesFileError(`source ${sourceId}: ${place.key} (${path}) is empty`);
  return value;
}

/**
 * An access token as it can go into an Authorization header: visible ASCII without spaces
 * (RFC 6749 §A.12 VSCHAR, less the space that would end the credentials of RFC 6750 §2.1). A
 * line break would let a token add headers of its own.
 */
export const isSendableToken = (token: string) => /^[\x21-\x7e]+$/.test(token);
