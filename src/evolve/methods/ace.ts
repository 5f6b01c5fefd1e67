// `ahe evolve --method ace`: Agentic Context Engineering (Zhang et al., arXiv 2510.04618) as a baseline
// under ahe's evaluator. The coding agent is ACE's generator; after each evaluation one reflector call
// reads the iteration's trajectories (the debugger's overview and per-task detail of the training job)
// and the playbook, extracts lessons and tags the bullets it saw helpful or harmful; one curator call
// turns the lessons into ADD operations. The delta is merged into memory/playbook.md without a rewrite
// (ace-playbook.ts) and committed as the iteration's one memory change (memory-step.ts).
import { join } from 'node:path';
import { z } from 'zod';
import { addSpend } from '../../model/usage.ts';
import type { EvolveStepInput, EvolveStepResult } from '../evolve-step.ts';
import {
  type AceDelta,
  allBullets,
  applyAceDelta,
  DEFAULT_SECTIONS,
  describeAceDelta,
  PLAYBOOK_FILE,
  parsePlaybook,
  renderPlaybook,
} from './ace-playbook.ts';
import { describeRollouts, iterationRollouts } from './iteration-rollouts.ts';
import { type MemoryMethod, type Proposal, runMemoryMethod } from './memory-step.ts';
import { callForJson } from './model-json.ts';
import { oneLine } from './near-duplicate.ts';

/** Per-task trajectories the reflector reads: failed and partial tasks first, then passed ones. */
export const ACE_MAX_TASK_DETAILS = 6;

const ReflectionSchema = z.object({
  analysis: z.string().min(1),
  lessons: z.array(z.object({ insight: z.string().min(1), evidence: z.string().optional() })),
  bullet_tags: z.array(z.object({ id: z.string().min(1), tag: z.enum(['helpful', 'harmful', 'neutral']) })).default([]),
});

const CurationSchema = z.object({
  reasoning: z.string().optional(),
  operations: z.array(z.object({ type: z.literal('ADD'), section: z.string().min(1), content: z.string().min(1) })),
});

const NO_NAMES =
  'Lessons must carry over to tasks never seen: never name a task, a file, a path or a value that belongs to one task.';

const REFLECTOR_SYSTEM = [
  "You are the Reflector of Agentic Context Engineering (ACE). A coding agent (the generator) worked on a batch of tasks with the playbook below in its context; you read its trajectories and the verifier's outcome of each attempt.",
  'Diagnose what went wrong and what worked: identify the errors, their root causes and the approach that would have been right, and distil each into a concrete, actionable lesson.',
  'Tag every playbook bullet the trajectories show to have helped (helpful), misled (harmful) or not mattered (neutral); leave out bullets you cannot judge.',
  NO_NAMES,
  'Reply with only a JSON object: {"analysis": "<what happened, briefly>", "lessons": [{"insight": "<one lesson>", "evidence": "<what in the trajectories shows it>"}], "bullet_tags": [{"id": "<bullet id>", "tag": "helpful|harmful|neutral"}]}.',
].join('\n');

const CURATOR_SYSTEM = [
  "You are the Curator of Agentic Context Engineering (ACE). You merge the reflector's lessons into the playbook as a delta: ADD operations for insights the playbook does not already cover.",
  'Never restate, rewrite or summarise existing bullets (they are kept as they are); add nothing that an existing bullet already says. Each new bullet is one specific, actionable sentence or two.',
  `Put each bullet in a section: ${DEFAULT_SECTIONS.join(', ')} (or another short snake_case name when none fits).`,
  NO_NAMES,
  'Reply with only a JSON object: {"reasoning": "<why these additions>", "operations": [{"type": "ADD", "section": "<section>", "content": "<bullet text>"}]} (an empty operations list when nothing is new).',
].join('\n');

function playbookText(current: string | null): string {
  const bullets = allBullets(parsePlaybook(current));
  return bullets.length
    ? bullets.map((b) => `[${b.id}] helpful=${b.helpful} harmful=${b.harmful} :: ${b.content}`).join('\n')
    : '(empty: no bullet yet)';
}

/** The trajectories of this iteration: outcomes, the debugger's overview, per-task detail. */
async function trajectories(input: EvolveStepInput): Promise<{ text: string; evidence: string[] }> {
  const rollouts = iterationRollouts(input.iterationDir);
  const overview = input.evidenceSections.includes('debugger_overview') ? 'debugger_overview' : 'overview';
  const detailed = input.evidenceSections.includes('task_detail:<task>')
    ? [...rollouts.filter((t) => t.c < t.n), ...rollouts.filter((t) => t.c === t.n)].slice(0, ACE_MAX_TASK_DETAILS)
    : [];
  const parts = [
    '# Outcomes of this evaluation',
    ...rollouts.map((t) => `- ${t.task}: ${describeRollouts(t)}`),
    '',
    `# ${overview}`,
    await input.readEvidence(overview),
  ];
  for (const t of detailed)
    parts.push('', `# Trajectories of ${t.task}`, await input.readEvidence(`task_detail:${t.task}`));
  return { text: parts.join('\n'), evidence: [overview, ...detailed.map((t) => `task_detail:${t.task}`)] };
}

const aceMethod: MemoryMethod<AceDelta> = {
  name: 'ace',
  file: PLAYBOOK_FILE,
  async propose(input, current, dir): Promise<Proposal<AceDelta>> {
    const { text, evidence } = await trajectories(input);
    const recordFile = join(dir, 'calls.jsonl');
    const playbook = playbookText(current);
    const reflection = await callForJson({
      model: input.evolveModel,
      role: 'reflector',
      system: REFLECTOR_SYSTEM,
      user: `Iteration ${input.iteration}.\n\n# Playbook\n${playbook}\n\n${text}`,
      schema: ReflectionSchema,
      recordFile,
      signal: input.signal,
    });
    if (!reflection.ok)
      return {
        delta: null,
        skipped: reflection.reason,
        evidence,
        finding: '',
        usage: reflection.usage,
        unavailable: reflection.unavailable,
      };
    const lessons = reflection.value.lessons.map((l) => `- ${oneLine(l.insight)}`).join('\n') || '(none)';
    const curation = await callForJson({
      model: input.evolveModel,
      role: 'curator',
      system: CURATOR_SYSTEM,
      user: `Iteration ${input.iteration}.\n\n# Playbook\n${playbook}\n\n# Reflector's lessons\n${lessons}`,
      schema: CurationSchema,
      recordFile,
      signal: input.signal,
    });
    const usage = addSpend(reflection.usage, curation.usage);
    const finding = oneLine(reflection.value.analysis, 300);
    if (!curation.ok)
      return { delta: null, skipped: curation.reason, evidence, finding, usage, unavailable: curation.unavailable };
    return {
      delta: {
        tags: reflection.value.bullet_tags,
        add: curation.value.operations.map((o) => ({ section: o.section, content: o.content })),
      },
      evidence,
      finding,
      usage,
    };
  },
  items: (delta) => delta.add.map((a, i) => ({ key: `add.${i}`, text: a.content })),
  without: (delta, keys) => ({ ...delta, add: delta.add.filter((_, i) => !keys.has(`add.${i}`)) }),
  apply(current, delta) {
    const applied = applyAceDelta(parsePlaybook(current), delta);
    const changed = applied.added.length || applied.helpful.length || applied.harmful.length;
    return {
      text: changed ? renderPlaybook(applied.playbook) : (current ?? ''),
      description: describeAceDelta(applied),
    };
  },
};

export async function aceStep(input: EvolveStepInput): Promise<EvolveStepResult> {
  return runMemoryMethod(input, aceMethod);
}
