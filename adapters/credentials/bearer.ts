import type { BearerAuth } from '../../lib/source-auth';
import { SourcesFileError } from '../../lib/sources';
import { fixedBearer, type Authorizer } from './authorizer';
import { isSendableToken, readSecret } from './secret';

/** `"auth": { "type": "bearer", "tokenEnv" | "tokenFile" }`: one token, read at start, sent as it is (RFC 6750 §2.1). */
export function bearerAuthorizer(sourceId: string, auth: BearerAuth): Authorizer {
  const key = auth.tokenEnv !== undefined ? 'auth.tokenEnv' : 'auth.tokenFile';
  const token = readSecret(sourceId, { key, env: auth.tokenEnv, file: auth.tokenFile });
  if (!isSendableToken(token)) throw new SourcesFileError(`source ${sourceId}: ${key}: the token holds spaces or characters a bearer token cannot (RFC 6750 §2.1)`);
  return fixedBearer(token);
}
