// Failure patterns across a whole job: the same signature in many tasks is a harness problem, not a
// task problem. Clusters are keyed by signature id, with the specific labels inside (`command not
// found: pytest` ×8, `… : jq` ×2), counted in failed trials. Failing tests are the symptom every
// failure shares, so `test-assertion` (and `unknown`) are ranked after the causes whatever their counts.
import type { TaskAnalysis } from './analysis.ts';
import { type AnalysedTask, groupMechanisms } from './group-mechanisms.ts';
import type { Cluster, Mechanism } from './report-schema.ts';
import { type ClassifiedTrial, NOT_THE_AGENT } from './signatures.ts';

export type { ClassifiedTrial };

export interface TaskOutcomeCount {
  task: string;
  n: number;
  c: number;
}

const SYMPTOMS = ['test-assertion', 'unknown'];
const MAX_EXAMPLES = 3;

/** Some attempts passed and some failed — the tasks where a contrast shows what made the difference. */
export function findPartialTasks(trials: readonly ClassifiedTrial[]): TaskOutcomeCount[] {
  const byTask = new Map<string, TaskOutcomeCount>();
  for (const t of trials) {
    const o = byTask.get(t.task) ?? { task: t.task, n: 0, c: 0 };
    o.n += 1;
    if (t.passed) o.c += 1;
    byTask.set(t.task, o);
  }
  return [...byTask.values()].filter((o) => o.c > 0 && o.c < o.n).sort((a, b) => a.task.localeCompare(b.task));
}

// Numeric collation, so `test_2` comes before `test_10`.
const names = new Intl.Collator('en', { numeric: true });
const byCountThenName =
  <T extends { n_trials: number }>(name: (x: T) => string) =>
  (a: T, b: T) =>
    b.n_trials - a.n_trials || names.compare(name(a), name(b));

export function clusterFailures(trials: readonly ClassifiedTrial[]): Cluster[] {
  const groups = new Map<
    string,
    {
      trials: Set<string>;
      tasks: Set<string>;
      labels: Map<string, { trials: Set<string>; tasks: Set<string> }>;
      examples: Cluster['examples'];
    }
  >();
  for (const t of trials) {
    if (t.passed) continue;
    for (const s of t.signatures) {
      const g = groups.get(s.id) ?? {
        trials: new Set<string>(),
        tasks: new Set<string>(),
        labels: new Map(),
        examples: [] as Cluster['examples'],
      };
      g.trials.add(t.trial);
      g.tasks.add(t.task);
      const l = g.labels.get(s.label) ?? { trials: new Set(), tasks: new Set() };
      l.trials.add(t.trial);
      l.tasks.add(t.task);
      g.labels.set(s.label, l);
      // Examples from distinct tasks show the breadth of a pattern better than k attempts of one task.
      if (g.examples.length < MAX_EXAMPLES && !g.examples.some((e) => e.task === t.task))
        g.examples.push({ task: t.task, trial: t.trial, steps: s.steps.slice(0, 5) });
      groups.set(s.id, g);
    }
  }
  const clusters: Cluster[] = [...groups].map(([id, g]) => ({
    id,
    not_the_agent: NOT_THE_AGENT.has(id),
    n_trials: g.trials.size,
    n_tasks: g.tasks.size,
    tasks: [...g.tasks].sort(),
    labels: [...g.labels]
      .map(([label, l]) => ({ label, n_trials: l.trials.size, tasks: [...l.tasks].sort() }))
      .sort(byCountThenName((l) => l.label)),
    examples: g.examples,
  }));
  const symptom = (c: Cluster) => (SYMPTOMS.includes(c.id) ? 1 : 0);
  return clusters.sort((a, b) => symptom(a) - symptom(b) || byCountThenName<Cluster>((c) => c.id)(a, b));
}

export interface JobFailures {
  clusters: Cluster[];
  partial: TaskOutcomeCount[];
  /** Empty without analyses (a `--no-llm` report). */
  mechanisms: Mechanism[];
}

/** Everything cross-task a report needs: clusters, partial-pass tasks, and (given analyses) mechanisms. */
export function summariseJobFailures(
  trials: readonly ClassifiedTrial[],
  analyses: Readonly<Record<string, TaskAnalysis | null | undefined>> = {},
): JobFailures {
  const failed = new Map<string, number>();
  for (const t of trials) if (!t.passed) failed.set(t.task, (failed.get(t.task) ?? 0) + 1);
  const analysed: AnalysedTask[] = Object.entries(analyses).flatMap(([task, analysis]) =>
    analysis ? [{ task, analysis, failedTrials: failed.get(task) ?? 0 }] : [],
  );
  return {
    clusters: clusterFailures(trials),
    partial: findPartialTasks(trials),
    mechanisms: groupMechanisms(analysed),
  };
}
