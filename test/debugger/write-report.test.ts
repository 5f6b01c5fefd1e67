import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { detailFileName } from '../../src/debugger/report-file-names.ts';
import { parseReport, readReport } from '../../src/debugger/report-schema.ts';
import { classifyTrials } from '../../src/debugger/signatures.ts';
import { buildReport, writeReport } from '../../src/debugger/write-report.ts';
import { countTokens } from '../../src/model/count-tokens.ts';
import { commandStep, failingVerifier, makeAnalysis, makeDigest, makeSyntheticJob } from '../support/make-digest.ts';

const now = () => new Date('2025-01-02T03:04:05.000Z');
const outDir = () => mkdtempSync(join(tmpdir(), 'ahe-report-'));
const busy = [commandStep(1, 'ls /app', 'data.csv\nsolve.py'), commandStep(2, 'cat /app/solve.py', 'print(1)')];

const smallJob = [
  makeDigest({ task: 'csv-report', attempt: 1, reward: 1, steps: busy, stats: { durationSec: 42 } }),
  makeDigest({
    task: 'csv-report',
    attempt: 2,
    steps: [...busy, commandStep(3, 'python3 /app/solve.py', "ModuleNotFoundError: No module named 'pandas'", 1)],
    verifier: failingVerifier('tests/test_outputs.py::test_totals'),
    finalMessage: 'Done.',
  }),
  makeDigest({
    task: 'fix-build',
    attempt: 1,
    steps: [...busy, commandStep(3, 'make', 'bash: make: command not found', 127)],
    verifier: failingVerifier('tests/test_outputs.py::test_binary'),
  }),
  makeDigest({
    task: 'fix-build',
    attempt: 2,
    exception: { type: 'EnvironmentSetupError', message: 'RUN apt-get failed' },
  }),
  makeDigest({ task: 'hello', attempt: 1, reward: 1, steps: busy }),
  makeDigest({ task: 'hello', attempt: 2, reward: 1, steps: busy }),
];
const analyses = {
  'csv-report': makeAnalysis({
    trial: 'csv-report__2',
    general_mechanism: 'Check that required Python packages import before writing code that needs them.',
    suggested_component: 'tool_implementation',
  }),
  'fix-build': null,
};

test('buildReport: job numbers, per-task outcomes, signatures, partial tasks, analyses and summaries', () => {
  const r = buildReport({
    job: { dir: '/jobs/j1', id: 'j1' },
    trials: classifyTrials(smallJob),
    analyses,
    model: 'openai:gpt-x',
    ledger: { calls: 1, promptTokens: 900, completionTokens: 120, costUsd: 0.01 },
    now,
  });
  assert.deepEqual(r.job, {
    dir: '/jobs/j1',
    id: 'j1',
    n_tasks: 3,
    n_trials: 6,
    n_passed_trials: 3,
    n_failed_trials: 3,
    pass_at_1: 0.5,
    pass_at_k: { '1': 0.5, '2': 2 / 3 },
    ci95: r.job.ci95,
    partial_tasks: ['csv-report'],
  });
  const csv = r.tasks['csv-report']!;
  assert.deepEqual([csv.n, csv.c, csv.rewards, csv.partial, csv.detail], [2, 1, [1, 0], true, 'detail/csv-report.md']);
  assert.deepEqual(
    csv.trials.map((t) => [t.trial, t.passed, t.signatures.map((s) => s.label)]),
    [
      ['csv-report__1', true, []],
      [
        'csv-report__2',
        false,
        ['missing dependency: pandas', 'claimed success unverified', 'test assertion: test_outputs.py::test_totals'],
      ],
    ],
  );
  assert.equal(csv.trials[0]!.duration_sec, 42);
  assert.deepEqual(csv.signatures[0], {
    id: 'missing-dependency',
    label: 'missing dependency: pandas',
    trials: ['csv-report__2'],
  });
  assert.equal(csv.analysis?.suggested_component, 'tool_implementation');
  assert.equal(r.tasks['fix-build']!.analysis, null, 'an analysis that failed is null, not absent');
  assert.equal(r.tasks.hello!.analysis, undefined);
  assert.equal(r.tasks.hello!.summary, 'All 2 attempts passed (median 2 steps, 2 commands).');
  assert.equal(csv.summary, undefined, 'only all-pass tasks get a one-line summary');
  assert.deepEqual(
    r.clusters.map((c) => [c.id, c.n_trials]),
    [
      ['claimed-success', 1],
      ['command-not-found', 1],
      ['environment', 1],
      ['missing-dependency', 1],
      ['test-assertion', 2],
    ],
  );
  assert.deepEqual(
    r.mechanisms.map((m) => [m.suggested_component, m.n_failed_trials, m.tasks]),
    [['tool_implementation', 1, ['csv-report']]],
  );
  assert.deepEqual(r.ledger, {
    calls: 1,
    promptTokens: 900,
    completionTokens: 120,
    cachedTokens: 0,
    costUsd: 0.01,
    cacheHits: 0,
    failures: 0,
  });
  assert.equal(r.generated_at, '2025-01-02T03:04:05.000Z');
  assert.equal(r.model, 'openai:gpt-x');
  const heuristic = buildReport({ job: { dir: '/jobs/j1' }, trials: classifyTrials(smallJob), now });
  assert.equal(heuristic.model, null);
  assert.deepEqual(heuristic.mechanisms, []);
  assert.equal('analysis' in heuristic.tasks['csv-report']!, false);
});

test('report.json round-trips through its schema; damaged files are rejected naming the field', () => {
  const dir = outDir();
  const report = buildReport({
    job: { dir: '/jobs/j1' },
    trials: classifyTrials(smallJob),
    analyses,
    model: 'openai:gpt-x',
    now,
  });
  writeReport(dir, report, smallJob);
  const read = readReport(join(dir, 'report.json'));
  assert.ok(read.ok, read.ok ? '' : read.error);
  assert.deepEqual(read.report, report);
  // On disk the ledger keeps its snake_case names; a report written before failures were counted still reads.
  const onDisk = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
  assert.deepEqual(onDisk.ledger, {
    calls: 0,
    prompt_tokens: 0,
    completion_tokens: 0,
    cached_tokens: 0,
    cost_usd: 0,
    cache_hits: 0,
    failures: 0,
  });
  const { failures: _failures, ...older } = { ...onDisk.ledger, calls: 2, prompt_tokens: 900, cost_usd: 0.5 };
  const old = parseReport({ ...onDisk, ledger: older }, 'old.json');
  assert.ok(old.ok, old.ok ? '' : old.error);
  assert.deepEqual(old.report.ledger, {
    calls: 2,
    promptTokens: 900,
    completionTokens: 0,
    cachedTokens: 0,
    costUsd: 0.5,
    cacheHits: 0,
    failures: 0,
  });

  const broken = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
  broken.tasks['csv-report'].n = -1;
  const bad = parseReport(broken, 'r.json');
  assert.equal(bad.ok, false);
  assert.match(bad.ok ? '' : bad.error, /^r\.json: not a valid debugger report — tasks\.csv-report\.n: /);
  const future = parseReport({ ...report, version: 2 }, 'r.json');
  assert.match(future.ok ? '' : future.error, /version 2 is not supported \(this ahe reads version 1\)/);
  writeFileSync(join(dir, 'torn.json'), '{"version": 1, "job"');
  assert.match((readReport(join(dir, 'torn.json')) as { error: string }).error, /torn\.json: not valid JSON/);
  assert.match(
    (readReport(join(dir, 'missing.json')) as { error: string }).error,
    /missing\.json: cannot read \(ENOENT\)/,
  );
});

test('overview: partial tasks as the best targets, failure patterns with counts and tasks, mechanisms, links, ledger', () => {
  const dir = outDir();
  const report = buildReport({
    job: { dir: '/jobs/j1', id: 'j1' },
    trials: classifyTrials(smallJob),
    analyses,
    model: 'openai:gpt-x',
    ledger: { calls: 2, cacheHits: 1 },
    now,
  });
  const written = writeReport(dir, report, smallJob);
  const md = readFileSync(join(dir, 'overview.md'), 'utf8');
  assert.equal(written.overviewTokens, countTokens(md));
  assert.match(md, /^# Agent Debugger — j1\n/);
  assert.match(md, /3 tasks × k=2 = 6 trials · 3 failed · pass@1 50\.0%/);
  assert.match(
    md,
    /## Best targets: partial-pass tasks \(1\)[\s\S]*\| \[csv-report\]\(detail\/csv-report\.md\) \| 1\/2 \| missing dependency: pandas \(\+2\) \|/,
  );
  assert.match(
    md,
    /2\. \*\*command-not-found\*\* — 1 failed trial in 1 task\n {3}- command not found: make ×1: fix-build\n {3}- e\.g\. \[fix-build__1\]\(detail\/fix-build\.md\) step 3/,
  );
  assert.match(md, /\*\*environment\*\* — 1 failed trial in 1 task · \*not the agent: check the setup\*/);
  assert.match(
    md,
    /1\. Check that required Python packages import before writing code that needs them\. — explains 1 failed trials in 1 task → `tool_implementation`/,
  );
  assert.match(md, /Always passed \(1\): hello/);
  assert.match(md, /2 analyst calls · 1 cache hits/);
  assert.ok(md.indexOf('Best targets') < md.indexOf('Failure patterns'), 'partial-pass tasks come first');
});

for (const [tasks, k] of [
  [100, 2],
  [500, 2],
  [250, 4],
] as const) {
  test(`overview stays under 10 000 tokens on a ${tasks * k}-trial job (${tasks} tasks × ${k}), with or without analyses`, () => {
    const { digests, analyses: synthetic } = makeSyntheticJob(tasks, k);
    for (const withAnalyses of [true, false]) {
      const dir = outDir();
      const report = buildReport({
        job: { dir: '/jobs/big' },
        trials: classifyTrials(digests),
        ...(withAnalyses ? { analyses: synthetic, model: 'scripted:x' } : {}),
        now,
      });
      writeReport(dir, report, digests);
      const md = readFileSync(join(dir, 'overview.md'), 'utf8');
      const tokens = countTokens(md);
      console.log(`# ${tasks}×${k} ${withAnalyses ? 'with' : 'without'} analyses: overview ${tokens} tokens`);
      assert.ok(tokens < 10_000, `overview has ${tokens} tokens`);
      assert.ok(tokens > 3_000, 'a big job still gets a substantial overview');
      // The essentials survive the squeeze: partial tasks, every pattern, the ranked mechanisms.
      assert.match(md, new RegExp(`## Best targets: partial-pass tasks \\(${tasks / 5}\\)`));
      for (const id of [
        'claimed-success',
        'missing-dependency',
        'command-not-found',
        'repeated-command-loop',
        'test-assertion',
      ])
        assert.match(md, new RegExp(`\\*\\*${id}\\*\\*`));
      if (withAnalyses) assert.match(md, /1\. .* — explains \d+ failed trials in \d+ tasks → `system_prompt`/);
      if (tasks >= 500) assert.match(md, /…and \d+ more/);
      assert.equal(readdirSync(join(dir, 'detail')).length, tasks);
    }
  });
}

test('an overview budget far below the content is still honoured (cut at a line, with a note)', () => {
  const { digests, analyses: synthetic } = makeSyntheticJob(500, 2);
  const dir = outDir();
  const written = writeReport(
    dir,
    buildReport({ job: { dir: '/jobs/big' }, trials: classifyTrials(digests), analyses: synthetic, model: 'm', now }),
    digests,
    { overviewTokens: 800 },
  );
  const md = readFileSync(join(dir, 'overview.md'), 'utf8');
  assert.ok(countTokens(md) <= 800, `${countTokens(md)} tokens`);
  assert.equal(written.overviewTokens, countTokens(md));
  assert.match(md, /cut to fit the token budget/);
});

test('detail: timeline with exit codes and durations, where it went wrong, verifier, analysis', () => {
  const dir = outDir();
  writeReport(
    dir,
    buildReport({ job: { dir: '/jobs/j1' }, trials: classifyTrials(smallJob), analyses, model: 'openai:gpt-x', now }),
    smallJob,
  );
  const md = readFileSync(join(dir, 'detail', 'csv-report.md'), 'utf8');
  assert.match(md, /^# csv-report\n\n1\/2 attempts passed · rewards 1, 0 · \*\*partial pass\*\*/);
  assert.match(md, /## Analysis \(openai:gpt-x\)\n- \*\*Root cause:\*\* The agent never ran the tests/);
  assert.match(md, /General mechanism:\*\* Check that required Python packages .* → `tool_implementation`/);
  assert.match(md, /## Attempt csv-report__1 — PASSED \(reward 1\)\n\nstopped: completed · 2 steps · 2 commands · 42s/);
  assert.match(md, /## Attempt csv-report__2 — FAILED \(reward 0\)/);
  assert.match(
    md,
    /Signatures: missing dependency: pandas \(step 3\); claimed success unverified \(step 3\); 1 failing test\n/,
  );
  assert.match(md, /Went wrong at step 3: missing dependency: pandas/);
  assert.match(
    md,
    /- \*\*3\*\* `\$ python3 \/app\/solve\.py` → exit 1 · 0\.1s ⚠ missing dependency: pandas; claimed success unverified\n {2}```\n {2}ModuleNotFoundError: No module named 'pandas'\n {2}```/,
  );
  assert.match(
    md,
    /### Verifier\nexit 1 · 3 tests: 2 passed, 1 failed\n\n- tests\/test_outputs\.py::test_totals — AssertionError/,
  );
  assert.match(md, /### Final message\n> Done\./);
  const env = readFileSync(join(dir, 'detail', 'fix-build.md'), 'utf8');
  assert.match(env, /exception EnvironmentSetupError: RUN apt-get failed/);
});

test('detail budget: long outputs shrink first, then steps far from any signature; signature steps stay', () => {
  const noisy = Array.from({ length: 120 }, (_, i) =>
    commandStep(
      i + 1,
      `./step_${i}.sh`,
      Array.from({ length: 80 }, (_, j) => `output line ${j} of step ${i} with some words`).join('\n'),
    ),
  );
  noisy[70] = commandStep(71, 'pytest -q', 'bash: pytest: command not found', 127);
  const digests = [1, 2].map((attempt) =>
    makeDigest({ task: 'noisy', attempt, steps: noisy, verifier: failingVerifier('t.py::test_a', 't.py::test_b') }),
  );
  const report = buildReport({ job: { dir: '/jobs/j' }, trials: classifyTrials(digests), now });
  for (const budget of [6_000, 2_500]) {
    const dir = outDir();
    const written = writeReport(dir, report, digests, { detailTokens: budget });
    const md = readFileSync(join(dir, 'detail', 'noisy.md'), 'utf8');
    assert.ok(countTokens(md) <= budget, `${countTokens(md)} > ${budget}`);
    assert.equal(written.detailTokens.noisy, countTokens(md));
    assert.match(md, /- \*\*71\*\* `\$ pytest -q` → exit 127 · 0\.1s ⚠ command not found: pytest/);
    assert.match(md, /- … \d+ steps \(\d+–\d+\) left out/);
    assert.match(md, /Went wrong at step 71: command not found: pytest/);
  }
  // With room to spare nothing is squeezed.
  const roomy = outDir();
  writeReport(roomy, report, digests, { detailTokens: 200_000 });
  assert.doesNotMatch(readFileSync(join(roomy, 'detail', 'noisy.md'), 'utf8'), /left out/);
});

test('task names become safe file names inside detail/: no traversal, no collisions', () => {
  const names = ['../../escape', 'a/b', 'a_b', '.hidden', 'with space'];
  const digests = names.map((task) => makeDigest({ task, trial: `${task}__1` }));
  const dir = outDir();
  const report = buildReport({ job: { dir: '/jobs/j' }, trials: classifyTrials(digests), now });
  writeReport(dir, report, digests);
  const files = readdirSync(join(dir, 'detail')).sort();
  assert.equal(files.length, names.length);
  assert.ok(
    files.every((f) => /^[A-Za-z0-9][A-Za-z0-9._-]*\.md$/.test(f)),
    files.join(' '),
  );
  assert.ok(files.includes('a_b.md'), 'a name that is already safe is kept as is');
  assert.notEqual(detailFileName('a/b'), detailFileName('a_b'));
  assert.match(detailFileName('../../escape'), /^escape-[0-9a-f]{8}\.md$/);
  assert.equal(existsSync(join(dir, '..', 'escape.md')), false);
  for (const name of names) assert.ok(existsSync(join(dir, report.tasks[name]!.detail)));
});
