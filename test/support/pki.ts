import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const OPENSSL_CNF = `
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
[server]
subjectAltName = IP:127.0.0.1
extendedKeyUsage = serverAuth
[client]
extendedKeyUsage = clientAuth
`;

/** One certificate to make: its name, the CA that issues it, and whether it serves or connects. */
export type Leaf = [name: string, issuer: string, use: 'server' | 'client'];

/**
 * Certificates made with the openssl command line into `dir` (EC P-256 keys, two days): the CAs
 * named, then the leaves they issue (a server's is for 127.0.0.1). `file(name)` is where a
 * `<name>.crt` or `<name>.key` is, `pem(name)` its content.
 */
export function makePki(dir: string, cas: readonly string[], leaves: readonly Leaf[]) {
  writeFileSync(join(dir, 'openssl.cnf'), OPENSSL_CNF);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  for (const name of cas) openssl('req', '-x509', '-new', ...ec, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-config', 'openssl.cnf', '-extensions', 'ca', '-subj', `/CN=${name}`);
  for (const [name, issuer, use] of leaves) {
    openssl('req', '-new', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-config', 'openssl.cnf', '-subj', `/CN=${name}`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.crt`, '-CAkey', `${issuer}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', 'openssl.cnf', '-extensions', use);
  }
  const file = (name: string) => join(dir, name);
  const pem = (name: string) => readFileSync(file(name));
  return { file, pem };
}
