#!/usr/bin/env node
// Prepares this machine for the report pages' browser tests (npm run test:browser), offline:
// Debian's `chromium` (or the binary AHE_CHROMIUM names) driven headless by playwright-core — no browser
// download. When the binary is missing it is installed with apt-get if this runs as root (as CI does);
// then it is started once headless to prove it works. It never fails the run: when something cannot be
// done it prints why and how to enable the suite, and writes the reason to the skip file
// (test/browser/support/browser.ts reads it), so the tests then skip with that reason.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Read by test/browser/support/browser.ts (chromiumOrSkip); present = the suite skips, its text says why. */
const SKIP_FILE = join(tmpdir(), 'ahe-browser-skip.txt');
const say = (line) => process.stdout.write(`setup-chromium: ${line}\n`);
const skip = (reason) => {
  say(`SKIP: ${reason}`);
  writeFileSync(SKIP_FILE, `${reason}\n`);
  process.exit(0);
};
rmSync(SKIP_FILE, { force: true });
process.on('uncaughtException', (error) => skip(`setup failed: ${error.message}`));

const tail = (r, n = 2) =>
  (r.stderr || r.stdout || (r.error ? r.error.message : '') || '').trim().split('\n').slice(-n).join(' | ');
const isRoot = () => process.getuid?.() === 0;

const wanted = process.env.AHE_CHROMIUM?.trim();
if (wanted && !existsSync(wanted)) skip(`AHE_CHROMIUM=${wanted} does not exist; point it at a Chromium binary`);
let binary = wanted || '/usr/bin/chromium';

if (!existsSync(binary)) {
  const line = 'apt-get install -y chromium';
  if (process.platform !== 'linux')
    skip(`the browser tests need Debian's chromium; set AHE_CHROMIUM to a Chromium binary on ${process.platform}`);
  if (!isRoot()) skip(`/usr/bin/chromium missing and not root: install it with \`sudo ${line}\` (or set AHE_CHROMIUM)`);
  if (!existsSync('/usr/bin/apt-get'))
    skip('/usr/bin/chromium missing and no apt-get to install it (set AHE_CHROMIUM)');
  say('installing chromium with apt-get');
  const install = () =>
    spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], {
      encoding: 'utf8',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      timeout: 900_000,
    });
  let r = install();
  if (r.status !== 0) {
    // A fresh machine's package lists may be empty: refresh them once, then try again.
    spawnSync('apt-get', ['update', '-qq'], { encoding: 'utf8', timeout: 300_000 });
    r = install();
  }
  if (r.status !== 0) skip(`\`${line}\` failed (offline without a package cache?): ${tail(r, 3)}`);
  binary = '/usr/bin/chromium';
  if (!existsSync(binary)) skip(`\`${line}\` succeeded but ${binary} is still missing`);
}

// Started once, as the tests start it, on an inline page: a browser that cannot start here (missing
// libraries, no /dev/shm) is a skip with its own words, not a failing suite.
const smoke = spawnSync(
  binary,
  ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--dump-dom', 'data:text/html,<p id=ok>ahe</p>'],
  { encoding: 'utf8', timeout: 120_000 },
);
if (smoke.status !== 0 || !smoke.stdout.includes('id="ok"'))
  skip(`${binary} does not start headless here: ${tail(smoke, 3) || `exit ${smoke.status}`}`);
say(`ready: ${binary} (${(spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout || '').trim()})`);
