// The rollouts of an iteration's training evaluation, per task, as the memory-only methods read them:
// RUN/iterations/N/job/result.json's per-task outcomes (the held-out job is never read here).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JobSummary } from '../../bench/job-summary.ts';

export interface TaskRollouts {
  task: string;
  /** Measured attempts and how many passed. */
  n: number;
  c: number;
  rewards: (number | null)[];
}

export function iterationRollouts(iterationDir: string): TaskRollouts[] {
  const file = join(iterationDir, 'job', 'result.json');
  if (!existsSync(file)) return [];
  const summary = JSON.parse(readFileSync(file, 'utf8')) as Pick<JobSummary, 'tasks'>;
  return Object.entries(summary.tasks ?? {})
    .map(([task, t]) => ({ task, n: t.n, c: t.c, rewards: t.rewards }))
    .sort((a, b) => a.task.localeCompare(b.task));
}

/** `3/4 passed (rewards 1, 1, 0, 1)`. */
export const describeRollouts = (t: TaskRollouts): string =>
  `${t.c}/${t.n} passed (rewards ${t.rewards.map((r) => (r === null ? 'none' : String(r))).join(', ') || 'none'})`;

/** Whether a group has both passing and failing attempts: the only groups tf-grpo learns from. */
export const isMixedGroup = (t: TaskRollouts): boolean => t.c > 0 && t.c < t.n;
