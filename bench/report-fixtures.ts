// Synthetic jobs and evolve runs for bench/report.ts, in the on-disk layouts `ahe eval` and `ahe evolve`
// write (see an `npm run demo:evolve` run): a job is config.json, result.json, job.log and one
// `<task>__<n>/` per trial (result.json as ahe writes it, config.json, trial.log, agent/trajectory.json in
// ATIF v1.5, verifier/test-stdout.txt and reward.txt); a run is state.json and iterations/<n>/ with job/,
// stats.json, attribution.json, gate.json, usage.json, change_manifest.json, diff.patch and
// leak-rejections.jsonl. Trajectories have a realistic size: a system and a user message, then agent steps
// each with a tool call and a few KB of tool output that compresses as real logs do (seeded pseudo-random
// words, paths and numbers, not a repeated string). Deterministic: the same arguments give the same bytes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { comparePaired, computePassStats, seededRandom, type TaskOutcome } from '../src/bench/stats.ts';

export interface JobShape {
  tasks: number;
  /** Agent steps per trajectory (each with a tool call and its output). */
  steps: number;
  /** Bytes of each tool output, about. */
  outputBytes: number;
  /** Pass probability of each task (index → probability). */
  pass: (task: number) => number;
}

const WORDS = (
  'error warning info debug test pass fail module import function return value config file path line ' +
  'expected actual assert build compile install package version python node bash grep sed awk json yaml ' +
  'request response status timeout retry cache index table column row key token parse write read open'
).split(' ');

/** A log-like text of about `bytes` bytes. */
function logText(random: () => number, bytes: number): string {
  const lines: string[] = [];
  let size = 0;
  while (size < bytes) {
    const n = 4 + Math.floor(random() * 10);
    const words = Array.from({ length: n }, () => WORDS[Math.floor(random() * WORDS.length)]!);
    const line = `${Math.floor(random() * 10_000)} /app/src/${words[0]}_${Math.floor(random() * 100)}.py: ${words.join(' ')}`;
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join('\n');
}

export const taskName = (i: number) => `task-${String(i).padStart(3, '0')}`;

function trajectory(random: () => number, task: string, shape: JobShape, t0: number) {
  const ts = (s: number) => new Date(t0 + s * 1500).toISOString();
  const steps: Record<string, unknown>[] = [
    { step_id: 1, source: 'system', timestamp: ts(0), message: `You are a coding agent. ${logText(random, 600)}` },
    { step_id: 2, source: 'user', timestamp: ts(0), message: `Task ${task}: ${logText(random, 800)}` },
  ];
  for (let s = 0; s < shape.steps; s++) {
    const id = `call_${s}_0`;
    steps.push({
      step_id: steps.length + 1,
      source: 'agent',
      timestamp: ts(s + 1),
      model_name: 'bench-model',
      message: `Step ${s + 1}: ${logText(random, 120)}`,
      reasoning_content: logText(random, 200),
      tool_calls: [
        {
          tool_call_id: id,
          function_name: 'run_shell_command',
          arguments: { command: `cd /app && ${logText(random, 80)}` },
        },
      ],
      metrics: {
        prompt_tokens: 2000 + s * 300,
        completion_tokens: 120,
        cached_tokens: 1500 + s * 250,
        cost_usd: 0.004,
      },
      observation: {
        results: [{ source_call_id: id, content: `${logText(random, shape.outputBytes)}\n[exit code: 0]` }],
      },
    });
  }
  steps.push({
    step_id: steps.length + 1,
    source: 'agent',
    timestamp: ts(shape.steps + 1),
    model_name: 'bench-model',
    message: 'Done: the output is written.',
    metrics: { prompt_tokens: 9000, completion_tokens: 20, cached_tokens: 8000, cost_usd: 0.003 },
  });
  return {
    schema_version: 'ATIF-v1.5',
    session_id: `bench-${task}`,
    agent: { name: 'ahe', version: '0.2.0', model_name: 'bench-model' },
    steps,
    final_metrics: { total_steps: steps.length },
  };
}

const write = (file: string, value: unknown) =>
  writeFileSync(file, typeof value === 'string' ? value : `${JSON.stringify(value, null, 2)}\n`);

/** Writes a finished job of `shape.tasks` tasks × 1 trial; returns each task's outcome. */
export function writeJob(dir: string, shape: JobShape, seed = 1): TaskOutcome[] {
  const random = seededRandom(seed);
  mkdirSync(dir, { recursive: true });
  const names = Array.from({ length: shape.tasks }, (_, i) => taskName(i));
  const t0 = Date.parse('2026-11-26T10:00:00Z');
  const outcomes: TaskOutcome[] = [];
  names.forEach((task, i) => {
    const trialName = `${task}__1`;
    const trial = join(dir, trialName);
    mkdirSync(join(trial, 'agent'), { recursive: true });
    mkdirSync(join(trial, 'verifier'), { recursive: true });
    const passed = random() < shape.pass(i);
    const reward = passed ? 1 : 0;
    outcomes.push({ n: 1, c: reward });
    const start = t0 + i * 20_000;
    const traj = trajectory(random, task, shape, start);
    write(join(trial, 'agent', 'trajectory.json'), traj);
    write(join(trial, 'verifier', 'reward.txt'), `${reward}\n`);
    write(
      join(trial, 'verifier', 'test-stdout.txt'),
      `${passed ? 'PASS' : 'FAIL'} output_is_correct\n${logText(random, 400)}\n${passed ? 'RESULT: all checks passed' : 'RESULT: 1 check failed'}\n`,
    );
    write(join(trial, 'trial.log'), `${new Date(start).toISOString()} trial ${trialName} started\n`);
    write(join(trial, 'config.json'), { trial_name: trialName, task: { name: task, format: 'harbor' }, attempt: 1 });
    const prompt = 2000 * shape.steps + 150 * shape.steps * shape.steps;
    write(join(trial, 'result.json'), {
      id: `bench-${seed}-${i}`,
      task_name: task,
      trial_name: trialName,
      source: 'bench',
      config: { task: { name: task, format: 'harbor' }, trial_name: trialName, attempt: 1, agent: { name: 'harness' } },
      agent_info: { name: 'harness', version: '0.2.0', model_info: { name: 'bench-model', provider: 'openai' } },
      agent_result: {
        n_input_tokens: prompt,
        n_cache_tokens: Math.round(prompt * 0.8),
        n_output_tokens: 120 * shape.steps,
        cost_usd: 0.004 * shape.steps,
      },
      verifier_result: { rewards: { reward } },
      exception_info: null,
      started_at: new Date(start).toISOString(),
      finished_at: new Date(start + 60_000).toISOString(),
      ahe: { attempt: 1, passed, verifier_exit_code: passed ? 0 : 1, wall_sec: 60, steps: shape.steps + 1 },
    });
  });
  write(join(dir, 'config.json'), {
    job_name: 'bench',
    created_at: new Date(t0).toISOString(),
    task_names: names,
    k: 1,
    agent: { name: 'harness', model: 'openai:bench-model', harness: { name: 'seed' } },
    backend: 'bwrap',
    concurrency: 8,
    ahe_version: '0.2.0',
  });
  const stats = computePassStats(outcomes);
  write(join(dir, 'result.json'), {
    id: `bench-${seed}`,
    started_at: new Date(t0).toISOString(),
    finished_at: new Date(t0 + shape.tasks * 20_000 + 60_000).toISOString(),
    n_total_trials: shape.tasks,
    n_tasks: shape.tasks,
    k: 1,
    pass_at_1: stats.passAt1,
    pass_at_k: stats.passAtK,
    stderr: stats.stderr,
    ci95: stats.ci95,
  });
  write(join(dir, 'job.log'), `${new Date(t0).toISOString()} job started: ${shape.tasks} trials\n`);
  return outcomes;
}

const spend = (calls: number, prompt: number, completion: number, cost: number) => ({
  calls,
  prompt_tokens: prompt,
  completion_tokens: completion,
  cached_tokens: Math.round(prompt * 0.7),
  cost_usd: cost,
});

/**
 * Writes a finished `ahe evolve` run: `iterations` evaluations (0 … iterations − 1) of `shape.tasks` tasks,
 * the pass probability rising with the iteration, one change per iteration with its verdict, every fifth
 * change rolled back.
 */
export function writeRun(dir: string, iterations: number, shape: JobShape): void {
  mkdirSync(join(dir, 'iterations'), { recursive: true });
  const names = Array.from({ length: shape.tasks }, (_, i) => taskName(i));
  let previous: TaskOutcome[] | null = null;
  const rollbacks: Record<string, unknown>[] = [];
  let best = { iteration: 0, pass_at_1: -1 };
  for (let n = 0; n < iterations; n++) {
    const it = join(dir, 'iterations', String(n));
    const rise = n / (iterations * 2);
    const outcomes = writeJob(join(it, 'job'), { ...shape, pass: (i) => Math.min(0.95, shape.pass(i) + rise) }, n + 1);
    const stats = computePassStats(outcomes);
    if (stats.passAt1 > best.pass_at_1) best = { iteration: n, pass_at_1: stats.passAt1 };
    const fixed = previous ? names.filter((_, i) => previous![i]!.c === 0 && outcomes[i]!.c === 1) : [];
    const regressed = previous ? names.filter((_, i) => previous![i]!.c === 1 && outcomes[i]!.c === 0) : [];
    write(join(it, 'stats.json'), {
      iteration: n,
      train: {
        pass_at_1: stats.passAt1,
        ci95: stats.ci95,
        stderr: stats.stderr,
        pass_at_k: stats.passAtK,
        n_tasks: stats.nTasks,
        partial_tasks: [],
        vs_previous: previous
          ? {
              fixed,
              regressed,
              improved: [],
              worsened: [],
              unchanged: names.filter((t) => !fixed.includes(t) && !regressed.includes(t)),
              net: fixed.length - regressed.length,
              paired: comparePaired(previous, outcomes),
              only_in_current: [],
              only_in_other: [],
            }
          : null,
      },
      holdout: null,
    });
    const id = `change-${n}`;
    const predicted = names.filter((_, i) => (i + n) % 17 === 0);
    write(join(it, 'change_manifest.json'), {
      iteration: n,
      changes: [
        {
          id,
          type: 'new',
          component: ['memory', 'tools', 'system_prompt', 'middleware'][n % 4],
          files: [`memory/lesson-${n}.md`],
          description: `Adds lesson ${n}: check the output against every rule the instruction states.`,
          evidence: ['debugger_overview'],
          root_cause: 'The agent stops before checking its output.',
          failure_pattern: 'test assertions fail after the agent claims success',
          predicted_fixes: predicted,
          risk_tasks: names.filter((_, i) => (i + n) % 31 === 0),
          why_this_component: 'A lesson the agent needs at the start of every task.',
        },
      ],
    });
    write(
      join(it, 'diff.patch'),
      `diff --git a/memory/lesson-${n}.md b/memory/lesson-${n}.md\nnew file mode 100644\n--- /dev/null\n+++ b/memory/lesson-${n}.md\n@@ -0,0 +1,3 @@\n+# Lesson ${n}\n+Check the output against every rule the instruction states.\n+Run the tests before stopping.\n`,
    );
    write(join(it, 'usage.json'), {
      coding: spend(shape.tasks * (shape.steps + 1), shape.tasks * 60_000, shape.tasks * 3_600, shape.tasks * 0.12),
      debugger: spend(20, 200_000, 8_000, 0.4),
      evolver: spend(30, 300_000, 6_000, 0.6),
    });
    const rolledBack = n > 0 && n % 5 === 0;
    if (n > 0) {
      const judged = `change-${n - 1}`;
      const verdict = rolledBack ? 'HARMFUL' : fixed.length >= regressed.length ? 'EFFECTIVE' : 'NEUTRAL';
      write(join(it, 'attribution.json'), {
        iteration: n - 1,
        changes: [
          {
            id: judged,
            type: 'new',
            component: 'memory',
            predicted_fixes: [],
            risk_tasks: [],
            actually_fixed: fixed.slice(0, 3),
            risk_realised: rolledBack ? regressed.slice(0, 2) : [],
            missed: [],
            not_evaluated: [],
            verdict,
            reason: `${verdict}: ${fixed.length} fixed, ${regressed.length} regressed`,
          },
        ],
        fixed_or_improved: fixed,
        regressed_or_worsened: regressed,
        unattributed_fixes: [],
        unattributed_regressions: [],
        run_prediction_quality: { precision: 0.4 + n / 100, recall: 0.3 + n / 100, predicted: n, changes: n },
      });
      const reason = `${verdict}: ${regressed.length} task(s) worse against ${fixed.length} better`;
      write(join(it, 'gate.json'), {
        rollbacks: rolledBack ? [{ changeId: judged, reason }] : [],
        iterationRollback: false,
        reason: rolledBack ? `1 HARMFUL change rolled back (${judged})` : 'no HARMFUL change: 1 change(s) kept',
        kept: rolledBack ? [] : [{ changeId: judged, verdict }],
        applied: [],
      });
      if (rolledBack) rollbacks.push({ iteration: n, change_id: judged, reason, method: 'revert' });
      if (n % 7 === 0)
        write(
          join(it, 'leak-rejections.jsonl'),
          `${JSON.stringify({ ts: new Date().toISOString(), session: 1, findings: [{ file: `memory/lesson-${n}.md`, line: 1, kind: 'task-name', match: names[0], task: names[0] }] })}\n`,
        );
    } else write(join(it, 'gate.json'), { rollbacks: [], iterationRollback: false, reason: 'no changes to judge' });
    previous = outcomes;
  }
  write(join(dir, 'state.json'), {
    version: 1,
    created_at: '2026-11-26T10:00:00.000Z',
    config: {
      harness: 'harnesses/seed',
      tasks: 'tasks/bench',
      holdout: null,
      model: 'openai:bench-model',
      evolve_model: 'openai:bench-evolver',
      debug_model: null,
      iterations: iterations - 1,
      k: 1,
      method: 'ahe',
    },
    iteration: iterations - 1,
    step: 'done',
    best: { ...best, ref: '0'.repeat(40) },
    rollbacks,
    ledger: {
      coding: spend(iterations * 3100, iterations * 6_000_000, iterations * 360_000, iterations * 12),
      debugger: spend(iterations * 20, iterations * 200_000, iterations * 8_000, iterations * 0.4),
      evolver: spend(iterations * 30, iterations * 300_000, iterations * 6_000, iterations * 0.6),
    },
  });
}
