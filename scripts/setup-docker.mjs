#!/usr/bin/env node
// Prepares this machine for the docker container tests (npm run test:containers), offline:
//  1. Docker: Debian's `docker.io` installed with apt-get when `docker` is missing and running as root;
//  2. a daemon: when none answers (`docker info`) and this is root with `dockerd`,
//     `dockerd --iptables=false --ip6tables=false --bridge=none` is started in the background (it works
//     inside a container without systemd or iptables; its log is <tmp>/ahe-dockerd.log) and waited
//     for, bounded (AHE_DOCKERD_WAIT_SEC, 60 s); it keeps running after this script. With DOCKER_HOST
//     set to a unix socket, that socket's daemon is started, its pid file and data beside the socket;
//  3. the base image `ahe-base:local`, imported into docker from a snapshot of this machine's system
//     directories (checked and rebuilt when broken: scripts/container-setup-common.mjs), tagged
//     `debian:bookworm-slim`, the base image of the bundled tasks' Dockerfiles.
// It never fails the run: when something cannot be done it prints why and writes the reason to the
// skip file, and the docker container tests then skip with that reason.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { aptInstall, ensureBaseImage, has, isRoot, setupReporter, tail } from './container-setup-common.mjs';

const reporter = setupReporter('docker');
const { say, skip } = reporter;
const flags = (process.env.AHE_DOCKER_FLAGS ?? '').split(/\s+/).filter(Boolean);
const DAEMON_FLAGS = ['--iptables=false', '--ip6tables=false', '--bridge=none'];
const WAIT_SEC = Number(process.env.AHE_DOCKERD_WAIT_SEC ?? 60);
const LOG = join(tmpdir(), 'ahe-dockerd.log');
const docker = (args, opts = {}) =>
  spawnSync('docker', [...flags, ...args], { encoding: 'utf8', timeout: 60_000, ...opts });
const answers = () => docker(['info', '--format', '{{.ServerVersion}}'], { timeout: 20_000 });
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

if (!has('docker')) aptInstall(['docker.io'], reporter);

/**
 * How to start the daemon this client talks to: the default socket (pid file /var/run/docker.pid), or
 * the unix socket DOCKER_HOST names, whose daemon keeps its pid file, data and state beside the socket.
 */
function daemonPlan() {
  const host = process.env.DOCKER_HOST;
  if (!host) return { args: DAEMON_FLAGS, pidFile: '/var/run/docker.pid' };
  if (!host.startsWith('unix://')) return undefined;
  const dir = dirname(host.slice('unix://'.length));
  mkdirSync(dir, { recursive: true });
  const pidFile = join(dir, 'dockerd.pid');
  const roots = ['--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec')];
  return { args: [...DAEMON_FLAGS, '-H', host, '--pidfile', pidFile, ...roots], pidFile };
}

let info = answers();
if (info.status !== 0) {
  const why = tail(info);
  const plan = daemonPlan();
  if (!plan || flags.length) skip(`the Docker daemon at DOCKER_HOST/AHE_DOCKER_FLAGS does not answer: ${why}`);
  if (!isRoot()) skip(`the Docker daemon is not running and starting it needs root: ${why}`);
  if (!has('dockerd')) skip(`the Docker daemon is not running and there is no dockerd to start: ${why}`);
  // A pid file left by a daemon that died makes a new one refuse to start.
  if (existsSync(plan.pidFile)) {
    const pid = Number(readFileSync(plan.pidFile, 'utf8').trim());
    let alive = false;
    try {
      alive = pid > 0 && process.kill(pid, 0);
    } catch {}
    if (alive) skip(`dockerd (pid ${pid}) is running but does not answer: ${why}`);
    rmSync(plan.pidFile, { force: true });
  }
  say(`starting dockerd ${plan.args.join(' ')} in the background (log: ${LOG})`);
  const log = openSync(LOG, 'a');
  const daemon = spawn('dockerd', plan.args, { detached: true, stdio: ['ignore', log, log] });
  daemon.unref();
  const deadline = Date.now() + WAIT_SEC * 1000;
  const lastLog = () => readFileSync(LOG, 'utf8').trim().split('\n').slice(-3).join(' | ');
  for (;;) {
    info = answers();
    if (info.status === 0) break;
    // `exit` events are not delivered while this loop blocks: ask the kernel whether it still runs.
    let running = true;
    try {
      process.kill(daemon.pid, 0);
    } catch {
      running = false;
    }
    if (!running) skip(`dockerd ${plan.args.join(' ')} exited: ${lastLog()}`);
    if (Date.now() > deadline) skip(`dockerd did not answer within ${WAIT_SEC} s (pid ${daemon.pid}): ${lastLog()}`);
    sleep(500);
  }
  say(`dockerd answers (server ${info.stdout.trim()}, pid ${daemon.pid})`);
}

ensureBaseImage({ name: 'docker', argv: ['docker', ...flags], aliases: ['debian:bookworm-slim'] }, reporter);
