// A job of an experiment continued under other settings would mix conditions into one set of numbers
// (src/bench/job-settings.ts): this refuses it before anything runs or is estimated, naming what
// differs and the command's way out. run-job checks every setting again when the job opens.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { differingSettings, type JobSettings } from '../bench/job-settings.ts';
import type { BackendKind } from '../bench/trial-context.ts';
import { UserError } from '../errors.ts';
import { harnessContentHash } from '../harness/content-hash.ts';
import { listHarnessFiles } from '../harness/list-harness-files.ts';
import type { VariantJob } from './evaluate-variants.ts';

/** What a job of the experiment will be measured under, as its config.json records it. */
export interface RequestedSettings {
  tasksDir: string;
  taskNames: string[];
  k: number;
  model: string;
  backend: BackendKind;
}

const recordedPart = (s: JobSettings, hash: string | null): JobSettings => ({
  tasks_dir: s.tasks_dir,
  task_names: s.task_names,
  k: s.k,
  backend: s.backend,
  agent: { model: s.agent?.model ?? null, harness: { content_hash: hash ?? undefined } },
});

/**
 * Refuses, before anything runs or is estimated, to continue a job of the experiment that was measured
 * under other settings (tasks, k, model, backend, or a harness whose files changed since, e.g. RUN/best
 * after the run went on): its trials would be mixed with new ones. run-job checks every setting again.
 */
export function checkRecordedSettings(jobs: readonly VariantJob[], requested: RequestedSettings, hint: string): void {
  for (const job of jobs) {
    const file = join(job.jobDir, 'config.json');
    if (!existsSync(file)) continue;
    let recorded: JobSettings;
    try {
      recorded = JSON.parse(readFileSync(file, 'utf8')) as JobSettings;
    } catch {
      continue; // run-job says what is wrong with it
    }
    const hash = harnessContentHash(job.harnessDir, listHarnessFiles(job.harnessDir));
    const differences = differingSettings(recordedPart(recorded, recorded.agent?.harness?.content_hash ?? null), {
      tasks_dir: requested.tasksDir,
      task_names: requested.taskNames,
      k: requested.k,
      backend: requested.backend,
      agent: { model: requested.model, harness: { content_hash: hash } },
    });
    if (differences.length)
      throw new UserError(
        `${job.name}: ${file} was measured with other settings; differs: ${differences.join('; ')} — ${hint}`,
      );
  }
}
