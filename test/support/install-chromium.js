/**
 * Jest's global set-up: the browser specs (test/gateway/*-in-a-browser) drive Debian's Chromium with
 * playwright-core. Where it is missing and we may install packages (root, apt-get present: CI, a
 * fresh Debian machine), it is installed here, once, before any suite runs; elsewhere those specs
 * skip and say so. CHROMIUM_PATH points them at another build.
 */
const { execFileSync } = require('node:child_process');
const { existsSync } = require('node:fs');

module.exports = async function installChromium() {
  const path = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (existsSync(path)) return;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root || !existsSync('/usr/bin/apt-get')) {
    process.stderr.write(`\ntests: no Chromium at ${path} and no way to install it here: the browser specs will skip\n`);
    return;
  }
  process.stderr.write('\ntests: installing Debian\'s chromium for the browser specs (apt-get)…\n');
  const apt = (...args) => execFileSync('apt-get', args, { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: 600_000 });
  try {
    try {
      apt('install', '-y', '-q', 'chromium');
    } catch {
      apt('update', '-q');
      apt('install', '-y', '-q', 'chromium');
    }
    process.stderr.write('tests: chromium installed\n');
  } catch (error) {
    process.stderr.write(`tests: chromium could not be installed (${error.message.split('\n')[0]}): the browser specs will skip\n`);
  }
};
