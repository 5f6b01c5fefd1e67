// Synthetic trial digests for the debugger's signature, clustering and report tests: a digest is plain
// data, so tests build exactly the evidence they need instead of running trials.
import type { TaskAnalysis } from '../../src/debugger/analysis.ts';
import { DIGEST_VERSION, type DigestStep, type FailingTest, type TrialDigest } from '../../src/debugger/digest.ts';

export type DigestSpec = Partial<Omit<TrialDigest, 'stats'>> & {
  attempt?: number;
  stats?: Partial<TrialDigest['stats']>;
};

/** One trial's digest; by default a failed attempt of task `demo` with no steps and no verifier output. */
export function makeDigest(spec: DigestSpec = {}): TrialDigest {
  const task = spec.task ?? 'demo';
  const trial = spec.trial ?? `${task}__${spec.attempt ?? 1}`;
  const steps = spec.steps ?? [];
  const passed = spec.passed ?? (spec.reward ?? 0) >= 1;
  return {
    version: DIGEST_VERSION,
    task,
    trial,
    dir: spec.dir ?? `/jobs/demo/${trial}`,
    source: spec.source ?? 'ahe-events',
    sourceFiles: spec.sourceFiles ?? ['agent/events.jsonl'],
    reward: spec.reward === undefined ? (passed ? 1 : 0) : spec.reward,
    passed,
    ...(spec.exception ? { exception: spec.exception } : {}),
    stopReason: spec.stopReason ?? 'completed',
    ...(spec.instruction ? { instruction: spec.instruction } : {}),
    ...(spec.finalMessage !== undefined ? { finalMessage: spec.finalMessage } : {}),
    steps,
    verifier: spec.verifier ?? { exitCode: passed ? 0 : 1, failing: [], excerpt: '' },
    stats: {
      rawBytes: 100_000,
      digestBytes: 2_000,
      steps: steps.length,
      commands: steps.filter((s) => s.kind === 'command').length,
      errors: steps.filter((s) => s.isError).length,
      ...spec.stats,
    },
    problems: spec.problems ?? [],
  };
}

/** A shell command step; non-zero exit codes are marked as errors the way the cleaner marks them. */
export function commandStep(
  step: number,
  command: string,
  output = '',
  exitCode = 0,
  extra: Partial<DigestStep> = {},
): DigestStep {
  return {
    step,
    kind: 'command',
    tool: 'run_shell_command',
    command,
    exitCode,
    durationMs: 120,
    output,
    outputBytes: output.length,
    ...(exitCode !== 0 ? { isError: true } : {}),
    ...extra,
  };
}

/** A verifier that ran pytest and reported these tests as failing. */
export function failingVerifier(...names: string[]): TrialDigest['verifier'] {
  const failing: FailingTest[] = names.map((name) => ({ name, message: `AssertionError: ${name} expected 42, got 0` }));
  return {
    exitCode: 1,
    summary: { tests: names.length + 2, passed: 2, failed: names.length },
    failing,
    excerpt: names.map((n) => `FAILED ${n} - AssertionError`).join('\n'),
  };
}

export function makeAnalysis(spec: Partial<TaskAnalysis> & { trial: string }): TaskAnalysis {
  return {
    root_cause: spec.root_cause ?? 'The agent never ran the tests before finishing.',
    pass_vs_fail: spec.pass_vs_fail ?? 'no attempt passed',
    critical_mistake: spec.critical_mistake ?? 'Declared success at the last step without checking.',
    general_mechanism: spec.general_mechanism ?? 'Run the test suite before declaring the task complete.',
    suggested_component: spec.suggested_component ?? 'system_prompt',
    evidence: spec.evidence ?? [{ trial: spec.trial, step: 1, note: 'finished without a test run' }],
  };
}

/**
 * A job of `tasks` × `k` trials with varied, realistic failures — long task names, long outputs, many
 * failing tests — for budget tests: every size-dependent part of a report grows with it.
 */
export function makeSyntheticJob(
  tasks: number,
  k: number,
): { digests: TrialDigest[]; analyses: Record<string, TaskAnalysis> } {
  const digests: TrialDigest[] = [];
  const analyses: Record<string, TaskAnalysis> = {};
  const mechanisms = [
    'Run the test suite before declaring the task complete.',
    'Install missing Python packages with pip before importing them.',
    'Check that a file path exists before reading from it.',
    'Stop repeating the same command when its output does not change.',
    'Read the failing assertion message and fix the code it names.',
  ];
  for (let t = 0; t < tasks; t++) {
    const task = `synthetic-task-${String(t).padStart(4, '0')}-with-a-rather-long-descriptive-name`;
    const passes = t % 5 === 0 ? k : t % 5 === 1 ? Math.max(1, Math.floor(k / 2)) : 0; // all-pass, partial, all-fail
    for (let a = 1; a <= k; a++) {
      const passed = a <= passes;
      const output = Array.from({ length: 60 }, (_, i) => `line ${i} of a long build log for ${task}`).join('\n');
      const steps: DigestStep[] = [
        commandStep(1, 'ls -la /app', output),
        commandStep(2, `python3 /app/solve_${t}.py`, output, 0),
      ];
      if (!passed) {
        if (t % 3 === 0) steps.push(commandStep(3, 'pytest -q', 'bash: pytest: command not found', 127));
        if (t % 3 === 1)
          steps.push(
            commandStep(
              3,
              `python3 run_${t}.py`,
              `Traceback (most recent call last):\nModuleNotFoundError: No module named 'pkg${t % 7}'`,
              1,
            ),
          );
        if (t % 3 === 2)
          for (let s = 3; s < 9; s++)
            steps.push(commandStep(s, 'curl -s localhost:8080/health', 'curl: (7) Failed to connect', 7));
      }
      const failing = passed ? [] : Array.from({ length: 12 }, (_, i) => `tests/test_outputs.py::test_case_${t}_${i}`);
      digests.push(
        makeDigest({
          task,
          attempt: a,
          reward: passed ? 1 : 0,
          steps,
          verifier: passed ? undefined : failingVerifier(...failing),
          finalMessage: 'Done: the task is complete.',
        }),
      );
    }
    if (passes < k)
      analyses[task] = makeAnalysis({
        trial: `${task}__1`,
        general_mechanism: mechanisms[t % mechanisms.length]!,
        root_cause: `A long explanation of why ${task} failed. `.repeat(4),
      });
  }
  return { digests, analyses };
}
