// Where an experiment measures by default (the run's held-out suite with its recorded selection, else
// its training suite), what RUN/transfer/<name> is called, and the runs an experiment refuses.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { UserError } from '../../src/errors.ts';
import { EvolveConfigSchema } from '../../src/evolve/evolve-config.ts';
import { defaultSuite, openExperimentRun } from '../../src/experiments/open-run.ts';
import { transferName } from '../../src/experiments/transfer.ts';
import { testRunConfig } from '../support/run-config.ts';

const config = (extra: Record<string, unknown>) => EvolveConfigSchema.parse(testRunConfig(extra));

test('the default suite: held-out with its recorded selection, else training with its', () => {
  const held = defaultSuite(config({ holdout: '/held', holdout_n_tasks: 5, holdout_sample_seed: 2, n_tasks: 9 }));
  assert.equal(held.dir, '/held');
  assert.equal(held.source, 'held-out');
  assert.deepEqual(held.selection, { include: [], exclude: [], n_tasks: 5, sample_seed: 2 });
  const train = defaultSuite(config({ task_exclude: ['slow-*'] }));
  assert.equal(train.dir, '/train');
  assert.equal(train.source, 'training');
  assert.deepEqual(train.selection.exclude, ['slow-*']);
});

test('transfer names: from the model and the tasks folder, or given and checked', () => {
  assert.equal(transferName(undefined, 'openai:gpt-5.4-mini', undefined), 'openai-gpt-5.4-mini');
  assert.equal(
    transferName(undefined, 'scripted:/tmp/x/second.yaml', '/work/tasks/holdout'),
    'scripted-second.yaml__holdout',
  );
  assert.equal(transferName('mini-holdout', 'openai:gpt-5.4-mini', undefined), 'mini-holdout');
  assert.throws(() => transferName('a/b', 'openai:x', undefined), /--name "a\/b": 1–100 letters/);
});

test('not a run, or no such directory: refused with a UserError naming it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-open-run-'));
  mkdirSync(join(dir, 'empty'));
  assert.throws(
    () => openExperimentRun(join(dir, 'empty'), 'ablate'),
    (e: Error) => e instanceof UserError && /ahe ablate .*empty: not an ahe evolve run/.test(e.message),
  );
  assert.throws(() => openExperimentRun(join(dir, 'missing'), 'transfer'), /ahe transfer .*missing: no such directory/);
});
