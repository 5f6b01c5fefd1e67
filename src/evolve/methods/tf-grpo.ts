// `ahe evolve --method tf-grpo`: Training-Free GRPO (Cai et al., arXiv 2510.08191) as a baseline under
// ahe's evaluator. Each training task's k rollouts of this iteration's evaluation are its group; only
// groups with both passing and failing attempts carry a learning signal (the paper's groups with
// non-zero reward spread). For each such group one evolve-model call compares the attempts — the
// debugger's per-attempt detail of the task stands in for the paper's per-rollout summaries — and states
// the semantic advantage: what the passing attempts did that the failing ones did not, as general
// experience. One batch-update call then turns every group's advantage into add / modify / delete
// operations on the experience library, memory/experiences.md (experience-library.ts), committed as the
// iteration's one memory change (memory-step.ts). RUN/iterations/N/tf-grpo/groups.json says which groups
// were used and why the others were not.
import { join } from 'node:path';
import { z } from 'zod';
import { UserError } from '../../errors.ts';
import { addSpend, ZERO_SPEND } from '../../model/usage.ts';
import { writeJsonAtomic } from '../../trace/write-atomic.ts';
import type { EvolveStepInput, EvolveStepResult } from '../evolve-step.ts';
import {
  applyExperienceOperations,
  describeExperienceUpdate,
  EXPERIENCES_FILE,
  type ExperienceOperation,
  parseExperiences,
  renderExperiences,
} from './experience-library.ts';
import { describeRollouts, isMixedGroup, iterationRollouts, type TaskRollouts } from './iteration-rollouts.ts';
import { type MemoryMethod, type Proposal, runMemoryMethod } from './memory-step.ts';
import { callForJson } from './model-json.ts';
import { oneLine } from './near-duplicate.ts';

/** RUN/iterations/N/tf-grpo/groups.json: every task's group and whether (and why not) it was used. */
export const GROUPS_FILE = 'groups.json';

export interface GroupRecord {
  task: string;
  n: number;
  passed: number;
  rewards: (number | null)[];
  used: boolean;
  /** Why the group was not used, or why its advantage call gave nothing. */
  reason: string | null;
  advantage: string | null;
}

const AdvantageSchema = z.object({ advantage: z.string().min(1) });

const UpdateSchema = z.object({
  reasoning: z.string().optional(),
  operations: z.array(
    z.discriminatedUnion('op', [
      z.object({ op: z.literal('add'), content: z.string().min(1) }),
      z.object({ op: z.literal('modify'), id: z.string().min(1), content: z.string().min(1) }),
      z.object({ op: z.literal('delete'), id: z.string().min(1) }),
    ]),
  ),
});

const NO_NAMES =
  'Experiences must carry over to tasks never seen: never name a task, a file, a path or a value that belongs to one task.';

const ADVANTAGE_SYSTEM = [
  'You are the semantic-advantage step of Training-Free GRPO. A coding agent made several attempts (a group of rollouts) at the same task with the experience library below in its context; some attempts passed the verifier and some failed.',
  'Compare the attempts: what did the passing ones do that the failing ones did not, and what did the failing ones get wrong? State this semantic advantage as a few general, actionable experiences.',
  NO_NAMES,
  'Reply with only a JSON object: {"advantage": "<the experiences this group teaches>"}.',
].join('\n');

const UPDATE_SYSTEM = [
  'You are the experience-library update step of Training-Free GRPO. Given the semantic advantages of a batch of groups and the current experience library, decide the operations on the library:',
  '"add" a new experience, "modify" an existing one (by id) when an advantage refines it, "delete" one (by id) that the advantages contradict or that another now covers; experiences you do not name are kept.',
  'Keep each experience short, general and actionable; do not add what the library already says.',
  NO_NAMES,
  'Reply with only a JSON object: {"reasoning": "<why>", "operations": [{"op": "add", "content": "…"}, {"op": "modify", "id": "G0", "content": "…"}, {"op": "delete", "id": "G1"}]}.',
].join('\n');

const libraryText = (current: string | null) => {
  const list = parseExperiences(current);
  return list.length ? list.map((e) => `[${e.id}] ${e.content}`).join('\n') : '(empty: no experience yet)';
};

async function proposeUpdate(
  input: EvolveStepInput,
  current: string | null,
  dir: string,
): Promise<Proposal<ExperienceOperation[]>> {
  const rollouts = iterationRollouts(input.iterationDir);
  const groups: GroupRecord[] = rollouts.map((t: TaskRollouts) => ({
    task: t.task,
    n: t.n,
    passed: t.c,
    rewards: t.rewards,
    used: isMixedGroup(t),
    reason: isMixedGroup(t)
      ? null
      : t.n < 2
        ? 'fewer than 2 attempts'
        : t.c === 0
          ? 'every attempt failed'
          : 'every attempt passed',
    advantage: null,
  }));
  const save = () => writeJsonAtomic(join(dir, GROUPS_FILE), { iteration: input.iteration, groups });
  const mixed = groups.filter((g) => g.used);
  save();
  if (!mixed.length)
    return {
      delta: null,
      skipped: 'no task had both passing and failing attempts among its rollouts: no group to learn from',
      evidence: [],
      finding: '',
      usage: ZERO_SPEND,
    };
  const recordFile = join(dir, 'calls.jsonl');
  const library = libraryText(current);
  const hasDetail = input.evidenceSections.includes('task_detail:<task>');
  let usage = ZERO_SPEND;
  for (const g of mixed) {
    const detail = hasDetail ? await input.readEvidence(`task_detail:${g.task}`) : '(no per-attempt detail)';
    const result = await callForJson({
      model: input.evolveModel,
      role: 'advantage',
      system: ADVANTAGE_SYSTEM,
      user: `# Experience library\n${library}\n\n# The group: ${describeRollouts({ task: g.task, n: g.n, c: g.passed, rewards: g.rewards })}\n\n${detail}`,
      schema: AdvantageSchema,
      recordFile,
      signal: input.signal,
    });
    usage = addSpend(usage, result.usage);
    if (!result.ok) {
      if (result.unavailable) return { delta: null, evidence: [], finding: '', usage, unavailable: result.unavailable };
      g.used = false;
      g.reason = result.reason;
      continue;
    }
    g.advantage = oneLine(result.value.advantage, 2000);
  }
  save();
  const learned = groups.filter((g) => g.advantage);
  const evidence = learned.map((g) => `task_detail:${g.task}`);
  if (!learned.length)
    return { delta: null, skipped: `no usable semantic advantage (${mixed[0]!.reason})`, evidence, finding: '', usage };
  const update = await callForJson({
    model: input.evolveModel,
    role: 'update',
    system: UPDATE_SYSTEM,
    user: `# Experience library\n${library}\n\n# Semantic advantages of this batch\n${learned.map((g, i) => `${i + 1}. ${g.advantage}`).join('\n')}`,
    schema: UpdateSchema,
    recordFile,
    signal: input.signal,
  });
  usage = addSpend(usage, update.usage);
  const finding = `${learned.length} of ${groups.length} group(s) had both passing and failing attempts and a semantic advantage`;
  if (!update.ok)
    return { delta: null, skipped: update.reason, evidence, finding, usage, unavailable: update.unavailable };
  return { delta: update.value.operations, evidence, finding, usage };
}

const tfGrpoMethod: MemoryMethod<ExperienceOperation[]> = {
  name: 'tf-grpo',
  file: EXPERIENCES_FILE,
  propose: proposeUpdate,
  items: (ops) => ops.flatMap((o, i) => (o.op === 'delete' ? [] : [{ key: String(i), text: o.content }])),
  without: (ops, keys) => ops.filter((_, i) => !keys.has(String(i))),
  apply(current, ops) {
    const applied = applyExperienceOperations(parseExperiences(current), ops);
    const changed = applied.added.length || applied.modified.length || applied.deleted.length;
    return {
      text: changed ? renderExperiences(applied.experiences) : (current ?? ''),
      description: describeExperienceUpdate(applied),
    };
  },
};

export async function tfGrpoStep(input: EvolveStepInput): Promise<EvolveStepResult> {
  if (input.config.k < 2)
    throw new UserError(
      `--method tf-grpo compares each task's group of rollouts: it needs -k 2 or more (the run has k = ${input.config.k})`,
    );
  return runMemoryMethod(input, tfGrpoMethod);
}
