// The Training-Free GRPO experience library (memory/experiences.md): numbered experiences `[G3] text`.
// The batch update's operations apply to it in order — add (the next id; near-duplicates of
// an existing experience dropped), modify (same id, new text), delete (the id is gone) — and experiences
// no operation names are kept as they are (the paper's "keep").
import { isNearDuplicate, oneLine } from './near-duplicate.ts';

export interface Experience {
  id: string;
  content: string;
}

export type ExperienceOperation =
  | { op: 'add'; content: string }
  | { op: 'modify'; id: string; content: string }
  | { op: 'delete'; id: string };

export const EXPERIENCES_FILE = 'memory/experiences.md';

const LINE = /^- \[(G\d+)\] (.*)$/;
const HEADER = [
  '# Experiences',
  '',
  'Experiential knowledge learned by comparing passing and failing attempts at the same task (ahe evolve',
  '--method tf-grpo). Apply the experiences that fit the task at hand.',
];

export function parseExperiences(text: string | null): Experience[] {
  return (text ?? '').split('\n').flatMap((line) => {
    const m = LINE.exec(line);
    return m ? [{ id: m[1]!, content: m[2]! }] : [];
  });
}

export function renderExperiences(list: readonly Experience[]): string {
  return `${[...HEADER, '', ...list.map((e) => `- [${e.id}] ${e.content}`)].join('\n')}\n`;
}

export interface ExperiencesApplied {
  experiences: Experience[];
  added: string[];
  modified: string[];
  deleted: string[];
  /** Operations that did nothing: unknown ids, empty text, near-duplicates. */
  ignored: string[];
  /** The id number the next added experience gets. */
  nextId: number;
}

/** Applies the operations in order; new ids count on from one past the highest id in the library. */
export function applyExperienceOperations(
  before: readonly Experience[],
  ops: readonly ExperienceOperation[],
  nextId = Math.max(-1, ...before.map((e) => Number(e.id.slice(1)))) + 1,
): ExperiencesApplied {
  const out: ExperiencesApplied = {
    experiences: before.map((e) => ({ ...e })),
    added: [],
    modified: [],
    deleted: [],
    ignored: [],
    nextId,
  };
  const find = (id: string) => out.experiences.findIndex((e) => e.id === id.trim());
  ops.forEach((op, i) => {
    if (op.op === 'delete') {
      const at = find(op.id);
      if (at < 0) out.ignored.push(`${i}: delete of unknown ${op.id}`);
      else out.deleted.push(out.experiences.splice(at, 1)[0]!.id);
      return;
    }
    const content = oneLine(op.content);
    if (!content) {
      out.ignored.push(`${i}: empty ${op.op}`);
      return;
    }
    if (op.op === 'modify') {
      const at = find(op.id);
      if (at < 0) out.ignored.push(`${i}: modify of unknown ${op.id}`);
      else if (out.experiences[at]!.content !== content) {
        out.experiences[at]!.content = content;
        out.modified.push(out.experiences[at]!.id);
      }
      return;
    }
    if (out.experiences.some((e) => isNearDuplicate(e.content, content))) {
      out.ignored.push(`${i}: add repeats an existing experience`);
      return;
    }
    const id = `G${out.nextId++}`;
    out.experiences.push({ id, content });
    out.added.push(id);
  });
  return out;
}

export function describeExperienceUpdate(a: ExperiencesApplied): string {
  const parts = [
    a.added.length ? `+${a.added.length} (${a.added.join(', ')})` : '',
    a.modified.length ? `modified ${a.modified.join(', ')}` : '',
    a.deleted.length ? `deleted ${a.deleted.join(', ')}` : '',
    a.ignored.length ? `${a.ignored.length} operation(s) ignored` : '',
  ].filter(Boolean);
  return `TF-GRPO experience update: ${parts.join('; ') || 'no change'}`;
}
