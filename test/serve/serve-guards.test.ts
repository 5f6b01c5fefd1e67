// The pieces of `ahe serve` that stand between a request and the disk, alone: the path gate (realpath
// inside the served directory), the scan for symlinks that lead out, the Host header check, and the
// loader that survives files caught mid-write.
import assert from 'node:assert/strict';
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { UserError } from '../../src/errors.ts';
import { HttpError } from '../../src/serve/http-error.ts';
import { escapingSymlink, resolveInsideRoot } from '../../src/serve/inside-root.ts';
import { acceptedHostNames, hostNameOf, isLoopbackHost } from '../../src/serve/request-guard.ts';
import { StableLoader } from '../../src/serve/stable-load.ts';
import { tmp } from './support/serve-fixture.ts';

const status = (fn: () => unknown): number | 'ok' => {
  try {
    fn();
    return 'ok';
  } catch (error) {
    if (error instanceof HttpError) return error.status;
    throw error;
  }
};

test('resolveInsideRoot: inside is its realpath; outside, .., absolute, NUL and links out are 403; missing is 404', () => {
  const top = realpathSync(tmp('gate'));
  const root = join(top, 'root');
  mkdirSync(join(root, 'jobs', 'a'), { recursive: true });
  mkdirSync(join(top, 'out'));
  symlinkSync(join(top, 'out'), join(root, 'out-link'));
  symlinkSync(join(root, 'jobs', 'a'), join(root, 'in-link'));
  symlinkSync(join(top, 'nowhere'), join(root, 'dangling'));
  assert.equal(resolveInsideRoot(root, 'jobs/a'), join(root, 'jobs', 'a'));
  assert.equal(resolveInsideRoot(root, '.'), root);
  assert.equal(resolveInsideRoot(root, 'in-link'), join(root, 'jobs', 'a'), 'a link that stays inside is fine');
  for (const rel of [
    '..',
    '../out',
    'jobs/../../out',
    'jobs/a/../..',
    '/etc',
    root,
    'out-link',
    'out-link/x',
    'jobs\0',
    'jobs\\..\\..',
  ])
    assert.equal(
      status(() => resolveInsideRoot(root, rel)),
      403,
      rel,
    );
  // Missing inside: 404; missing behind a link out: 403 too, so nothing outside can be probed for.
  assert.equal(
    status(() => resolveInsideRoot(root, 'missing')),
    404,
  );
  assert.equal(
    status(() => resolveInsideRoot(root, 'jobs/missing/deeper')),
    404,
  );
  assert.equal(
    status(() => resolveInsideRoot(root, 'dangling')),
    404,
  );
  assert.equal(
    status(() => resolveInsideRoot(root, '')),
    400,
  );
  // The sibling whose name starts like the root is outside.
  mkdirSync(`${root}-sibling`);
  symlinkSync(`${root}-sibling`, join(root, 'sibling-link'));
  assert.equal(
    status(() => resolveInsideRoot(root, 'sibling-link')),
    403,
  );
});

test('escapingSymlink finds a link that leads out within its depth, ignores links inside and dangling ones', () => {
  const top = realpathSync(tmp('scan'));
  const root = join(top, 'root');
  const trial = join(root, 'job', 't__1', 'agent');
  mkdirSync(trial, { recursive: true });
  writeFileSync(join(top, 'secret'), 'x');
  writeFileSync(join(root, 'job', 'inside.txt'), 'x');
  symlinkSync(join(root, 'job', 'inside.txt'), join(trial, 'ok-link'));
  symlinkSync(join(top, 'missing'), join(trial, 'dangling'));
  assert.equal(escapingSymlink(root, join(root, 'job'), 2), undefined);
  symlinkSync(join(top, 'secret'), join(trial, 'trajectory.json'));
  assert.equal(escapingSymlink(root, join(root, 'job'), 2), 't__1/agent/trajectory.json');
  assert.equal(escapingSymlink(root, join(root, 'job'), 1), undefined, 'beyond its depth');
  // Artifacts copied out of a sandbox may hold the agent's own links: not read, not scanned.
  mkdirSync(join(root, 'job2', 't__1', 'artifacts'), { recursive: true });
  symlinkSync(join(top, 'secret'), join(root, 'job2', 't__1', 'artifacts', 'x'));
  assert.equal(escapingSymlink(root, join(root, 'job2'), 3), undefined);
});

test('Host header: loopback names and the bound host pass, anything else does not', () => {
  assert.equal(hostNameOf('localhost:7420'), 'localhost');
  assert.equal(hostNameOf('[::1]:7420'), '[::1]');
  assert.equal(hostNameOf('127.0.0.1'), '127.0.0.1');
  assert.equal(hostNameOf('a:b:c'), undefined);
  assert.equal(hostNameOf(undefined), undefined);
  const local = acceptedHostNames('127.0.0.1');
  for (const name of ['localhost', '127.0.0.1', '[::1]']) assert.ok(local.has(name), name);
  for (const name of ['evil.example', 'localhost.evil.example', '0.0.0.0']) assert.ok(!local.has(name), name);
  assert.ok(acceptedHostNames('192.168.1.5').has('192.168.1.5'));
  assert.ok(acceptedHostNames('fe80::1').has('[fe80::1]'));
  assert.ok(isLoopbackHost('127.0.0.1') && isLoopbackHost('localhost') && isLoopbackHost('::1'));
  assert.ok(!isLoopbackHost('0.0.0.0') && !isLoopbackHost('192.168.1.5'));
});

test('StableLoader: retries an accident, then answers the last good value; user errors pass through', async () => {
  const loader = new StableLoader<string>({ retries: 2, retryDelayMs: 1 });
  assert.deepEqual(await loader.get('k', 't1', async () => 'first'), { value: 'first' });
  let calls = 0;
  // Unchanged token: kept, not loaded again.
  assert.deepEqual(
    await loader.get('k', 't1', async () => {
      calls++;
      return 'again';
    }),
    { value: 'first' },
  );
  assert.equal(calls, 0);
  // A file caught mid-write twice, then complete.
  calls = 0;
  const flaky = async () => {
    if (++calls < 3) throw new SyntaxError('Unexpected end of JSON input');
    return 'second';
  };
  assert.deepEqual(await loader.get('k', 't2', flaky), { value: 'second' });
  assert.equal(calls, 3);
  // Never parses: the last good value, said to be stale.
  const broken = await loader.get('k', 't3', async () => {
    throw new SyntaxError('Unexpected end of JSON input');
  });
  assert.equal(broken.value, 'second');
  assert.match(broken.stale ?? '', /JSON/);
  // Nothing good yet: the error.
  await assert.rejects(
    loader.get('other', 't', async () => {
      throw new SyntaxError('bad');
    }),
    SyntaxError,
  );
  // A user error is an answer: not retried, not hidden behind the last good value.
  calls = 0;
  await assert.rejects(
    loader.get('k', 't4', async () => {
      calls++;
      throw new UserError('not a job');
    }),
    UserError,
  );
  assert.equal(calls, 1);
  // Identical requests arriving together share one load.
  calls = 0;
  const slow = async () => {
    calls++;
    await new Promise((r) => setTimeout(r, 20));
    return 'shared';
  };
  const both = await Promise.all([loader.get('s', 't', slow), loader.get('s', 't', slow)]);
  assert.deepEqual(
    both.map((b) => b.value),
    ['shared', 'shared'],
  );
  assert.equal(calls, 1);
});
