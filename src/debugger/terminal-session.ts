// A recorded terminal session (tmux log, asciinema output) cut into command steps at its shell prompts:
// `root@host:/app# make` starts a step running `make`; the lines until the next prompt are its output.
// Used for Terminal-Bench 1 trials, whose agents leave no structured trajectory.
import { createHash } from 'node:crypto';
import { type CleanTextOptions, createLineDigest, type LineDigest } from './clean-text.ts';
import { detachString } from './detach-string.ts';
import type { DigestStep } from './digest.ts';
import { tidyCommand } from './shell-command.ts';
import type { StepList } from './step-list.ts';
import { STEP_OUTPUT_BUDGET } from './step-output.ts';

const PROMPT = /^(?:\([^)]*\) )?[\w.-]+@[\w.-]+:[^\n]*?[#$](?: (.*))?$/;

/** When a line began to appear and when it was complete (seconds into a timed recording). */
export interface LineTime {
  start: number;
  end: number;
}

export interface TerminalSession {
  line(text: string, rawChars: number, time?: LineTime): void;
  end(time?: number): void;
}

/** Output budget of a command: an installed agent runs its whole episode inside one command, which deserves more. */
export type BudgetFor = (command: string | undefined) => CleanTextOptions;

export function createTerminalSession(
  list: StepList,
  budgetFor: BudgetFor = () => STEP_OUTPUT_BUDGET,
): TerminalSession {
  let current: { step: DigestStep; digest: LineDigest; bytes: number; start?: number } | null = null;
  let n = 0;

  const close = (time?: number) => {
    if (!current) return;
    const { step, digest, bytes, start } = current;
    const out = digest.finish();
    if (start !== undefined && time !== undefined) step.durationMs = Math.round((time - start) * 1000);
    const hash = createHash('sha1').update(out.text).digest('hex');
    if (out.rawLines > 0 || step.command !== undefined)
      list.setOutput(step, { output: out.text, outputBytes: bytes, errors: out.errors, hash });
    if (out.rawLines === 0 && step.command === undefined) list.steps.splice(list.steps.indexOf(step), 1);
    current = null;
  };

  const open = (command: string | undefined, time?: number) => {
    n++;
    const step = list.push(
      command !== undefined
        ? { step: n, kind: 'command', tool: 'terminal', command }
        : { step: n, kind: 'tool', tool: 'terminal' },
    );
    current = {
      step,
      digest: createLineDigest(budgetFor(command)),
      bytes: 0,
      ...(time !== undefined ? { start: time } : {}),
    };
  };

  return {
    line(text, rawChars, time) {
      const prompt = PROMPT.exec(text);
      if (prompt) {
        // A command runs from the Enter that completes its prompt line to the appearance of the next prompt.
        close(time?.start);
        const command = prompt[1] ? detachString(tidyCommand(prompt[1])) : '';
        if (command) open(command, time?.end);
        return;
      }
      if (!current) open(undefined, time?.end);
      current!.digest.add(text, rawChars);
      current!.bytes += rawChars;
    },
    end: (time) => close(time),
  };
}
