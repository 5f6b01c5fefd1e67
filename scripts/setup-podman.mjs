#!/usr/bin/env node
// Prepares this machine for the podman container tests (npm run test:containers), offline:
//  1. podman + runc: installed with apt-get when missing and running as root;
//  2. /etc/containers/containers.conf with `[containers] default_ulimits = []` when absent
//     (rootful podman inside a container cannot raise the default ulimits);
//  3. the base image `ahe-base:local` (a snapshot of this machine's system directories, checked and
//     rebuilt when broken: scripts/container-setup-common.mjs), tagged `debian:bookworm-slim`, the
//     base image of the bundled tasks' Dockerfiles.
// It never fails the run: when something cannot be done it prints why and writes the reason to the
// skip file, and the podman container tests then skip with that reason.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { aptInstall, ensureBaseImage, has, isRoot, setupReporter, tail } from './container-setup-common.mjs';

const reporter = setupReporter('podman');
const { say, skip } = reporter;
// The same defaults as src/sandbox/container-engine.ts (engineFlags).
const flags = (
  process.env.AHE_PODMAN_FLAGS ??
  (existsSync('/usr/sbin/runc') && isRoot()
    ? '--runtime /usr/sbin/runc --cgroup-manager=cgroupfs --storage-opt overlay.mountopt=nodev,redirect_dir=on'
    : '')
)
  .split(/\s+/)
  .filter(Boolean);

if (!has('podman') || !existsSync('/usr/sbin/runc')) aptInstall(['podman', 'runc'], reporter);

if (isRoot() && !existsSync('/etc/containers/containers.conf')) {
  mkdirSync('/etc/containers', { recursive: true });
  writeFileSync('/etc/containers/containers.conf', '[containers]\ndefault_ulimits = []\n');
  say('wrote /etc/containers/containers.conf (default_ulimits = [])');
}

const info = spawnSync('podman', [...flags, 'info', '--format', '{{.Host.OCIRuntime.Name}}'], {
  encoding: 'utf8',
  timeout: 60_000,
});
if (info.status !== 0) skip(`podman does not work here: ${tail(info)}`);

ensureBaseImage(
  { name: 'podman', argv: ['podman', ...flags], aliases: ['docker.io/library/debian:bookworm-slim'] },
  reporter,
);
