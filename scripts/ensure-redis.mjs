#!/usr/bin/env node
// For `npm run test:distributed`: installs Debian's redis-server when it is missing and this runs as
// root (as CI does); otherwise says exactly what to install. Never fails: the tests then skip with
// the reason printed. The tests start and stop their own redis-server on a free loopback port.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const onPath = (bin) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
if (!onPath('redis-server')) {
  if (process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    console.log('ahe: installing redis-server (apt-get) for the distributed tests');
    const install = () =>
      spawnSync('apt-get', ['install', '-y', '-qq', 'redis-server'], {
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
  if (!onPath('redis-server'))
    console.log(
      'ahe: redis-server is missing, so the distributed tests will skip; install it with: sudo apt-get install -y redis-server',
    );
}
