// The index of `ahe serve` on a made-up tree: which directories are entries (walk bounded, hidden and
// linked directories skipped, nested entries reached through their parent), and what "running" means.
import assert from 'node:assert/strict';
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createIndexer, findEntries } from '../../src/serve/entry-index.ts';
import { ACTIVE_WINDOW_MS, entryStatus } from '../../src/serve/entry-status.ts';
import { tmp } from './support/serve-fixture.ts';

function job(dir: string, result: Record<string, unknown> | null): string {
  mkdirSync(join(dir, 't__1', 'agent'), { recursive: true });
  writeFileSync(join(dir, 't__1', 'result.json'), '{}');
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ job_name: 'x', n_attempts: 1 }));
  if (result) writeFileSync(join(dir, 'result.json'), JSON.stringify({ n_total_trials: 1, ...result }));
  return dir;
}

function run(dir: string, state: Record<string, unknown>): string {
  mkdirSync(join(dir, 'iterations', '0'), { recursive: true });
  job(join(dir, 'iterations', '0', 'job'), { finished_at: null });
  writeFileSync(join(dir, 'state.json'), JSON.stringify(state));
  return dir;
}

test('findEntries: jobs, runs and debug outputs, breadth first; not inside entries, not hidden, not through links, not too deep', () => {
  const root = realpathSync(tmp('index'));
  job(join(root, 'jobs', 'a'), { finished_at: '2026-01-01T00:00:00Z', pass_at_1: 0.5 });
  run(join(root, 'runs', 'r'), { step: 'done', best: { pass_at_1: 0.75 } });
  mkdirSync(join(root, 'debugs', 'd'), { recursive: true });
  writeFileSync(join(root, 'debugs', 'd', 'report.json'), '{}');
  writeFileSync(join(root, 'debugs', 'd', 'overview.md'), '# x');
  job(join(root, '.hidden', 'j'), null);
  job(join(root, 'node_modules', 'j'), null);
  job(join(root, 'a', 'b', 'c', 'deep'), null);
  job(join(root, 'a', 'b', 'c', 'd', 'too-deep'), null);
  const outside = job(join(realpathSync(tmp('index-out')), 'j'), null);
  symlinkSync(outside, join(root, 'linked'));
  const found = findEntries(root).map((e) => `${e.kind} ${e.path}`);
  assert.deepEqual(found, ['debug debugs/d', 'job jobs/a', 'run runs/r', 'job a/b/c/deep']);
  // The served directory may itself be an entry.
  assert.deepEqual(
    findEntries(join(root, 'jobs', 'a')).map((e) => e.path),
    ['.'],
  );
});

test('the index names entries as their own pages do: a generic run/ or job/ with its parent directory', () => {
  const root = realpathSync(tmp('names'));
  run(join(root, 'evolve-demo', 'run'), { step: 'done', best: null });
  job(join(root, 'seed', 'job'), null);
  job(join(root, 'jobs', 'oracle'), null);
  mkdirSync(join(root, 'analyses', 'first'), { recursive: true });
  writeFileSync(join(root, 'analyses', 'first', 'report.json'), '{}');
  writeFileSync(join(root, 'analyses', 'first', 'overview.md'), '# x');
  const names = createIndexer(root, root)().entries.map((e) => `${e.path} = ${e.name}`);
  assert.deepEqual(names.sort(), [
    'analyses/first = first',
    'evolve-demo/run = evolve-demo/run',
    'jobs/oracle = oracle',
    'seed/job = seed/job',
  ]);
});

test('entryStatus: pass@1 when known; running while unfinished and changed lately, not once finished or quiet', () => {
  const root = realpathSync(tmp('status'));
  const now = Date.now();
  const done = job(join(root, 'done'), { finished_at: '2026-01-01T00:00:00Z', pass_at_1: 0.5 });
  assert.deepEqual(
    { ...entryStatus(done, 'job', now), updated_at: null },
    { updated_at: null, running: false, pass_at_1: 0.5 },
  );
  assert.match(entryStatus(done, 'job', now).updated_at ?? '', /^\d{4}-/);
  const going = job(join(root, 'going'), { finished_at: null, pass_at_1: 1 });
  assert.equal(entryStatus(going, 'job', now).running, true);
  assert.equal(
    entryStatus(going, 'job', now + ACTIVE_WINDOW_MS + 60_000).running,
    false,
    'quiet for long: interrupted',
  );
  const starting = job(join(root, 'starting'), null);
  assert.deepEqual(
    { ...entryStatus(starting, 'job', now), updated_at: null },
    { updated_at: null, running: true, pass_at_1: null },
  );
  // Harbor's result.json: no finished_at key, the mean of its only eval.
  const harbor = job(join(root, 'harbor'), { stats: { evals: { e: { metrics: [{ mean: 0.25 }] } } } });
  assert.deepEqual(
    { ...entryStatus(harbor, 'job', now), updated_at: null },
    { updated_at: null, running: false, pass_at_1: 0.25 },
  );
  const running = run(join(root, 'run'), { step: 'evaluate', best: null });
  assert.equal(entryStatus(running, 'run', now).running, true);
  const finished = run(join(root, 'run-done'), { step: 'done', best: { pass_at_1: 0.75 } });
  assert.deepEqual(
    { ...entryStatus(finished, 'run', now), updated_at: null },
    { updated_at: null, running: false, pass_at_1: 0.75 },
  );
  // Caught mid-write: the last known answer stays.
  writeFileSync(join(done, 'result.json'), '{"finished_at": "2026-01-');
  assert.equal(entryStatus(done, 'job', now).pass_at_1, 0.5);
});
