// The offline wheel install of published Dockerfiles (`COPY wheels/ /tmp/wheels/` then `pip install
// --no-index --find-links=/tmp/wheels -r requirements.txt`): on the bwrap backend, packages this machine
// lacks are installed from the build context's wheels by this machine's python3, into the trial's own
// writable layer; the host's system is never written. The wheel is built here, offline, from a tiny
// package.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { hostPythonInstallDirs } from '../../src/bench/host-python.ts';
import { loadTask } from '../../src/bench/load-task.ts';
import { offlinePipInstall } from '../../src/bench/package-installs.ts';
import { runTrial } from '../../src/bench/run-trial.ts';
import { planInstalls } from '../../src/bench/satisfy-installs.ts';
import { environmentSystemWrites } from '../../src/bench/system-writes.ts';
import type { Task } from '../../src/bench/task.ts';
import { bwrapAvailable, bwrapInstallHint } from '../../src/sandbox/bwrap-sandbox.ts';
import { makeTask } from '../support/make-task.ts';

const SANDBOX_ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' };

/** Why the bwrap tests cannot run here, if they cannot. */
function skipReason(): string | false {
  if (!bwrapAvailable()) return `bwrap not available: ${bwrapInstallHint()}`;
  const pip = spawnSync('python3', ['-m', 'pip', '--version'], { env: SANDBOX_ENV });
  if (pip.status !== 0) return "this machine's python3 has no pip (Debian: apt-get install python3-pip)";
  const build = spawnSync('python3', ['-c', 'import setuptools'], { env: SANDBOX_ENV });
  if (build.status !== 0) return "this machine's python3 has no setuptools to build the test's wheel";
  return false;
}
const skip = skipReason();

/** Builds ahe_tiny_pkg-0.1.0 (a module and an `ahe-tiny` console script) into `wheels`, offline. */
function buildTinyWheel(wheels: string): void {
  const src = mkdtempSync(join(tmpdir(), 'ahe-tiny-src-'));
  mkdirSync(join(src, 'ahe_tiny_pkg'));
  writeFileSync(join(src, 'ahe_tiny_pkg', '__init__.py'), 'def main():\n    print("tiny says hi")\n');
  writeFileSync(
    join(src, 'pyproject.toml'),
    [
      '[build-system]',
      'requires = ["setuptools"]',
      'build-backend = "setuptools.build_meta"',
      '[project]',
      'name = "ahe-tiny-pkg"',
      'version = "0.1.0"',
      '[project.scripts]',
      'ahe-tiny = "ahe_tiny_pkg:main"',
      '',
    ].join('\n'),
  );
  execFileSync(
    'python3',
    ['-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '--no-index', '-w', wheels, src],
    { env: { ...SANDBOX_ENV, HOME: src }, stdio: ['ignore', 'ignore', 'pipe'], timeout: 120_000 },
  );
}

const DOCKERFILE = [
  'FROM public.ecr.aws/docker/library/python:3.11-slim',
  'ENV PYTHONDONTWRITEBYTECODE=1',
  'COPY wheels/ /tmp/wheels/',
  'COPY requirements.txt /tmp/requirements.txt',
  'RUN pip install --no-cache-dir --no-index --find-links=/tmp/wheels -r /tmp/requirements.txt \\',
  '    && rm -rf /tmp/wheels /tmp/requirements.txt',
  'WORKDIR /app',
  '',
].join('\n');

function wheelTask(requirements: string, solve = 'ahe-tiny > /app/out && python3 -c "import ahe_tiny_pkg" \n'): Task {
  const dir = makeTask({
    name: 'wheels',
    dockerfile: DOCKERFILE,
    files: { 'requirements.txt': requirements },
    solve,
    test: 'mkdir -p /logs/verifier\nif grep -qx "tiny says hi" /app/out; then echo 1; else echo 0; fi > /logs/verifier/reward.txt\n',
    buildTimeoutSec: 300,
  });
  buildTinyWheel(join(dir, 'environment', 'wheels'));
  assert.equal(readdirSync(join(dir, 'environment', 'wheels')).length, 1);
  const { task, problem } = loadTask(dir);
  assert.ok(task, problem?.message);
  return task;
}

/** Where a package of that name would be on the host, if it had been installed there. */
const onHost = () =>
  hostPythonInstallDirs().some((d) => existsSync(join(d, 'ahe_tiny_pkg'))) ||
  hostPythonInstallDirs().some((d) => existsSync(join(d, 'ahe-tiny')));

test('pip install --no-index --find-links DIR is the offline form; an index or a URL is not', () => {
  const offline = (cmd: string) => offlinePipInstall(cmd.split(' ').filter((w) => w !== 'sudo'))?.from ?? [];
  assert.deepEqual(offline('pip install --no-cache-dir --no-index --find-links=/tmp/wheels -r /tmp/r.txt'), [
    '/tmp/wheels',
  ]);
  assert.deepEqual(offline('python3 -m pip install --no-index -f /app/.wheels numpy'), ['/app/.wheels']);
  assert.deepEqual(offline('sudo pip3 install --no-index --find-links wheels pytest'), ['wheels']);
  assert.deepEqual(offline('pip install --find-links=/tmp/wheels pytest'), []);
  assert.deepEqual(offline('pip install --no-index --find-links=https://example.com/wheels pytest'), []);
  assert.deepEqual(offline('uv pip install --no-index --find-links=/tmp/wheels pytest'), []);
  assert.deepEqual(offline('pip install pytest'), []);
});

test('a missing package with local wheels is installed offline by python3 -m pip; without them it is missing', async () => {
  const ctx = {
    vars: {},
    hasDebPackage: () => true,
    missingPythonPackages: async (names: string[]) => names.filter((n) => n === 'ahe-tiny-pkg'),
    readFile: async (path: string) => (path === '/tmp/requirements.txt' ? 'ahe-tiny-pkg==0.1.0\n' : undefined),
    network: false,
    readOnlyDirs: ['/usr', '/etc'],
    writableDirs: hostPythonInstallDirs(),
  };
  const run =
    'PIP_NO_CACHE_DIR=1 pip install --no-index --find-links=/tmp/wheels -r /tmp/requirements.txt && rm -rf /tmp/wheels';
  const plan = await planInstalls(run, ctx);
  assert.deepEqual(plan.missing, []);
  assert.deepEqual(plan.refused, []);
  assert.equal(
    plan.command,
    "PIP_NO_CACHE_DIR=1 PIP_BREAK_SYSTEM_PACKAGES=1 PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1 python3 -m pip install '--no-index' '--find-links=/tmp/wheels' '-r' '/tmp/requirements.txt' && rm -rf /tmp/wheels",
  );
  assert.match(plan.notes.join('\n'), /ahe-tiny-pkg — not on this machine: installed offline from \/tmp\/wheels/);
  // Packages this machine has are not installed again.
  const has = await planInstalls('pip install --no-index --find-links=/tmp/wheels pytest', ctx);
  assert.equal(has.command, 'true');
  // With an index, a missing package stays missing (the bwrap backend never downloads).
  const online = await planInstalls('pip install ahe-tiny-pkg', ctx);
  assert.deepEqual(online.missing, ['Python packages ahe-tiny-pkg']);
  // Without the layer, the install would write the host's read-only system: refused, not run.
  const noLayer = await planInstalls(run, { ...ctx, writableDirs: [] });
  if (hostPythonInstallDirs().some((d) => d.startsWith('/usr/'))) assert.match(noLayer.refused.join('\n'), /read-only/);
});

test('the wheels of the build context are installed into the trial, never into the host', {
  skip,
  timeout: 600_000,
}, async () => {
  assert.equal(onHost(), false, 'ahe_tiny_pkg is already installed on this machine');
  const task = wheelTask('ahe-tiny-pkg==0.1.0\n');
  // The install directories of python3 become the trial's writable layers.
  const layers = await environmentSystemWrites(task);
  for (const d of hostPythonInstallDirs())
    assert.ok(
      layers.some((l) => d === l || d.startsWith(`${l}/`)),
      `${d} not in ${layers}`,
    );
  for (const attempt of [1, 2]) {
    const jobDir = mkdtempSync(join(tmpdir(), 'ahe-wheels-'));
    const result = await runTrial({ task, attempt, jobDir, agent: { kind: 'oracle' }, backend: 'bwrap' });
    assert.equal(result.exception_info, null, JSON.stringify(result.exception_info));
    assert.equal(result.verifier_result?.rewards.reward, 1);
    const notes = result.ahe?.environment_notes ?? [];
    assert.ok(
      notes.some((n) => /ahe-tiny-pkg — not on this machine: installed offline from \/tmp\/wheels/.test(n)),
      JSON.stringify(notes),
    );
  }
  assert.equal(onHost(), false, 'the install reached the host');
  // The noop agent fails: the reward comes from the agent's work, not from the install.
  const jobDir = mkdtempSync(join(tmpdir(), 'ahe-wheels-'));
  const noop = await runTrial({ task, attempt: 1, jobDir, agent: { kind: 'noop' }, backend: 'bwrap' });
  assert.equal(noop.verifier_result?.rewards.reward, 0);
});

test('a requirement the wheels do not hold fails the environment, naming the line and pip’s reason', {
  skip,
  timeout: 600_000,
}, async () => {
  const task = wheelTask('ahe-tiny-pkg==0.1.0\nahe-absent-pkg==1.0\n');
  const jobDir = mkdtempSync(join(tmpdir(), 'ahe-wheels-'));
  const result = await runTrial({ task, attempt: 1, jobDir, agent: { kind: 'oracle' }, backend: 'bwrap' });
  assert.equal(result.exception_info?.exception_type, 'EnvironmentSetupError');
  const log = readFileSync(join(jobDir, 'wheels__1', 'trial.log'), 'utf8');
  assert.match(log, /No matching distribution found for ahe-absent-pkg/);
  assert.equal(onHost(), false);
});
