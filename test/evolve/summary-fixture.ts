// Job summaries for the evolve tests, built the way a job writes them: from trials with rewards.
import { type JobSummary, summarizeTrials } from '../../src/bench/job-summary.ts';

/** `{task: [reward, reward, …]}` → the job summary of those trials (reward 1 passes; 0.5 is partial credit, a failure). */
export function summaryOf(rewards: Record<string, number[]>): JobSummary {
  const trials = Object.entries(rewards).flatMap(([task, rs]) =>
    rs.map((reward, i) => ({
      task_name: task,
      trial_name: `${task}__${i + 1}`,
      verifier_result: { rewards: { reward } },
    })),
  );
  return summarizeTrials(trials);
}
