#!/usr/bin/env node
// Makes sure the Debian packages the test suites use are present: installs them when this runs as
// root on a Debian/Ubuntu machine (as CI does), and otherwise says exactly what to install. It never
// fails the run: suites whose tool is missing are skipped with the reason printed.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const wanted = [
  { pkg: 'bubblewrap', bin: 'bwrap', for: 'the bwrap sandbox (ahe eval, ahe tasks check and their tests)' },
];
const onPath = (bin) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
const missing = wanted.filter((w) => !onPath(w.bin));
if (missing.length === 0) process.exit(0);

const names = missing.map((m) => m.pkg);
const isRoot = process.getuid?.() === 0;
if (isRoot && existsSync('/usr/bin/apt-get')) {
  console.log(`ahe: installing ${names.join(' ')} (apt-get) for ${missing.map((m) => m.for).join(', ')}`);
  const install = () =>
    spawnSync('apt-get', ['install', '-y', '-qq', ...names], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    }).status === 0;
  if (!install()) {
    try {
      execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    } catch {
      // the install below reports
    }
    install();
  }
}
for (const m of missing.filter((w) => !onPath(w.bin))) {
  console.log(
    `ahe: ${m.pkg} is missing, so ${m.for} will not run (its tests skip; the task-suite check fails); install it with: sudo apt-get install -y ${m.pkg}`,
  );
}
