/**
 * `npm run token -- --role physician [--sub LICENCE] [--facility ID] [--ttl 8h]`: prints a
 * development bearer token signed with AUTH_JWT_SECRET (or the development default).
 */
import { parseArgs } from 'node:util';
import { DEV_JWT_SECRET } from '../lib/config';
import { developmentToken } from '../lib/development-token';

export { developmentToken };

async function main() {
  const { values } = parseArgs({
    options: { role: { type: 'string', default: 'physician' }, sub: { type: 'string' }, facility: { type: 'string' }, ttl: { type: 'string', default: '8h' } },
  });
  if (process.env.NODE_ENV === 'production') {
    console.error('token: development tokens are not issued in production');
    process.exit(2);
  }
  const sub = values.sub ?? (values.role === 'person' ? undefined : 'MD-100001');
  if (!sub) {
    console.error('token: role person needs --sub <the person\'s NAM>');
    process.exit(2);
  }
  console.log(await developmentToken({ sub, role: values.role!, facility: values.facility ?? 'clinic-mtl-east' }, process.env.AUTH_JWT_SECRET || DEV_JWT_SECRET, values.ttl));
}

if (require.main === module) void main();
