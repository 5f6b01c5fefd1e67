// The steps of a digest as a source reads them. An output identical to an earlier step's output (same raw
// bytes) is not repeated: the later step points at the first one — an agent re-running `cat` on an
// unchanged file, or polling a terminal that shows the same screen, costs one line instead of a page.
import type { DigestStep } from './digest.ts';
import type { StepOutput } from './step-output.ts';

/** Outputs shorter than this are shown again rather than referenced: the reference would be as long. */
const MIN_REPEAT_CHARS = 80;

export interface StepList {
  readonly steps: DigestStep[];
  push(step: DigestStep): DigestStep;
  /** Sets a step's output (cleaned), or a reference to the step that showed the same output first. */
  setOutput(step: DigestStep, out: StepOutput): void;
}

export function createStepList(): StepList {
  const steps: DigestStep[] = [];
  const firstByHash = new Map<string, number>();
  return {
    steps,
    push(step) {
      steps.push(step);
      return step;
    },
    setOutput(step, out) {
      step.outputBytes = out.outputBytes;
      if (out.errors.length) step.errors = out.errors;
      const first = out.hash && out.output.length >= MIN_REPEAT_CHARS ? firstByHash.get(out.hash) : undefined;
      if (first !== undefined && first !== step.step) {
        step.repeatOf = first;
        return;
      }
      if (out.hash && !firstByHash.has(out.hash)) firstByHash.set(out.hash, step.step);
      step.output = out.output;
    },
  };
}
