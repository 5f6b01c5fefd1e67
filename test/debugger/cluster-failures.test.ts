import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type ClassifiedTrial,
  clusterFailures,
  findPartialTasks,
  summariseJobFailures,
} from '../../src/debugger/cluster-failures.ts';
import { contentWords, groupMechanisms, mechanismSimilarity } from '../../src/debugger/group-mechanisms.ts';
import { classifyTrial } from '../../src/debugger/signatures.ts';
import { commandStep, failingVerifier, makeAnalysis, makeDigest } from '../support/make-digest.ts';

const pytestMissing = (step: number) => commandStep(step, 'pytest', 'bash: pytest: command not found', 127);
const busy = [commandStep(1, 'ls'), commandStep(2, 'cat a'), commandStep(3, 'cat b')];

function classified(digests: ReturnType<typeof makeDigest>[]): ClassifiedTrial[] {
  return digests.map((d) => ({ task: d.task, trial: d.trial, passed: d.passed, signatures: classifyTrial(d) }));
}

const job = classified([
  makeDigest({
    task: 'alpha',
    attempt: 1,
    steps: [...busy, pytestMissing(4)],
    verifier: failingVerifier('t.py::test_a'),
  }),
  makeDigest({
    task: 'alpha',
    attempt: 2,
    steps: [...busy, pytestMissing(6)],
    verifier: failingVerifier('t.py::test_a'),
  }),
  makeDigest({
    task: 'beta',
    attempt: 1,
    steps: [...busy, pytestMissing(5)],
    verifier: failingVerifier('t.py::test_b'),
  }),
  makeDigest({ task: 'beta', attempt: 2, reward: 1, steps: busy }),
  makeDigest({
    task: 'gamma',
    attempt: 1,
    steps: [...busy, commandStep(4, 'jq . f', 'bash: jq: command not found', 127)],
    verifier: failingVerifier('t.py::test_c'),
  }),
  makeDigest({
    task: 'gamma',
    attempt: 2,
    exception: { type: 'EnvironmentSetupError', message: 'RUN failed' },
    verifier: failingVerifier('t.py::test_c'),
  }),
  makeDigest({ task: 'delta', attempt: 1, reward: 1, steps: busy }),
  makeDigest({ task: 'delta', attempt: 2, reward: 1, steps: busy }),
]);

test('clusters count failed trials per signature id across tasks, causes before the failing-test symptom', () => {
  const clusters = clusterFailures(job);
  assert.deepEqual(
    clusters.map((c) => [c.id, c.n_trials, c.n_tasks]),
    [
      ['command-not-found', 4, 3],
      ['environment', 1, 1],
      ['test-assertion', 5, 3],
    ],
  );
  const cnf = clusters[0]!;
  assert.equal(cnf.not_the_agent, false);
  assert.deepEqual(cnf.tasks, ['alpha', 'beta', 'gamma']);
  assert.deepEqual(cnf.labels, [
    { label: 'command not found: pytest', n_trials: 3, tasks: ['alpha', 'beta'] },
    { label: 'command not found: jq', n_trials: 1, tasks: ['gamma'] },
  ]);
  // One example per task, with the step where it shows.
  assert.deepEqual(cnf.examples, [
    { task: 'alpha', trial: 'alpha__1', steps: [4] },
    { task: 'beta', trial: 'beta__1', steps: [5] },
    { task: 'gamma', trial: 'gamma__1', steps: [4] },
  ]);
  assert.equal(clusters[1]!.not_the_agent, true);
  assert.deepEqual(
    clusters[2]!.labels.map((l) => [l.label, l.n_trials]),
    [
      ['test assertion: t.py::test_a', 2],
      ['test assertion: t.py::test_c', 2],
      ['test assertion: t.py::test_b', 1],
    ],
  );
});

test('partial-pass tasks: some attempts pass and some fail; all-pass and all-fail tasks are not partial', () => {
  assert.deepEqual(findPartialTasks(job), [{ task: 'beta', n: 2, c: 1 }]);
  assert.deepEqual(findPartialTasks(classified([makeDigest({ task: 'x', reward: 1 }), makeDigest({ task: 'y' })])), []);
});

test('mechanism text is compared as sets of stemmed content words', () => {
  assert.deepEqual([...contentWords('Always run the tests before finishing.')], ['run', 'test', 'finish']);
  assert.equal(
    mechanismSimilarity(
      contentWords('Run the test suite before declaring the task complete.'),
      contentWords('Always run the tests before finishing.'),
    ),
    0.5,
  );
  assert.equal(
    mechanismSimilarity(contentWords('Run the tests.'), contentWords('Install Python packages with pip.')),
    0,
  );
});

test('mechanisms group paraphrases and rank by failed trials explained, with the majority component', () => {
  const a = (
    task: string,
    general_mechanism: string,
    suggested_component: 'system_prompt' | 'middleware' | 'memory' | 'tool_implementation',
  ) => makeAnalysis({ trial: `${task}__1`, general_mechanism, suggested_component });
  const analyses = {
    alpha: a('alpha', 'Run the test suite before declaring the task complete.', 'middleware'),
    beta: a('beta', 'Always run the tests before finishing.', 'system_prompt'),
    gamma: a('gamma', 'Install missing Python packages with pip before importing them.', 'memory'),
    delta: a('delta', 'Run the tests before finishing.', 'system_prompt'), // all attempts passed: explains nothing
  };
  const failed = { alpha: 2, beta: 1, gamma: 4, delta: 0 };
  const mechanisms = groupMechanisms(
    Object.entries(analyses).map(([task, analysis]) => ({
      task,
      analysis,
      failedTrials: failed[task as keyof typeof failed],
    })),
  );
  assert.deepEqual(mechanisms, [
    {
      mechanism: 'Install missing Python packages with pip before importing them.',
      suggested_component: 'memory',
      n_failed_trials: 4,
      n_tasks: 1,
      tasks: ['gamma'],
      components: [{ component: 'memory', n_failed_trials: 4 }],
      variants: [],
    },
    {
      mechanism: 'Run the test suite before declaring the task complete.',
      suggested_component: 'middleware',
      n_failed_trials: 3,
      n_tasks: 2,
      tasks: ['alpha', 'beta'],
      components: [
        { component: 'middleware', n_failed_trials: 2 },
        { component: 'system_prompt', n_failed_trials: 1 },
      ],
      variants: ['Always run the tests before finishing.'],
    },
  ]);
  // A stricter threshold keeps the paraphrases apart; beta and delta say the same in the same words.
  const strict = groupMechanisms(
    Object.entries(analyses).map(([task, analysis]) => ({ task, analysis, failedTrials: 1 })),
    0.6,
  );
  assert.deepEqual(
    strict.map((m) => m.tasks),
    [['beta', 'delta'], ['gamma'], ['alpha']],
  );
});

test('a job summary: clusters, partial tasks, and mechanisms from the analyses given (none without)', () => {
  const withAnalyses = summariseJobFailures(job, { alpha: makeAnalysis({ trial: 'alpha__1' }), beta: null });
  assert.equal(withAnalyses.mechanisms.length, 1);
  assert.equal(withAnalyses.mechanisms[0]!.n_failed_trials, 2);
  assert.deepEqual(
    withAnalyses.partial.map((p) => p.task),
    ['beta'],
  );
  assert.deepEqual(summariseJobFailures(job).mechanisms, []);
});
