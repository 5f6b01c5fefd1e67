// An agent stuck in a loop re-runs the same command, or keeps getting the same output back. Running the
// tests again after each edit is normal, so a command alone must repeat more often than an identical
// output before it counts. The cleaner marks a long output identical to an earlier one with `repeatOf`
// (the same output from different commands counts too); short outputs are kept verbatim, so there
// the same command with the same non-empty output is what counts.
import type { DigestStep, Signature } from './digest.ts';
import { normaliseDetail } from './normalise-detail.ts';
export interface LoopOptions {
  /** The same (normalised) command this many times is a loop, whatever its outputs (default 5). */
  commandRepeats?: number;
  /** The same output this many times (the first and its repeats) is a loop (default 3). */
  outputRepeats?: number;
}

/** Outputs this long are distinctive enough to count whichever command produced them. */
const LONG_OUTPUT = 80;

const whatRan = (s: DigestStep) => normaliseDetail(s.command ?? `${s.tool ?? s.kind}${s.args ? ` ${s.args}` : ''}`, 60);

export function findRepeatedCommandLoops(steps: readonly DigestStep[], options: LoopOptions = {}): Signature[] {
  const commandRepeats = options.commandRepeats ?? 5;
  const outputRepeats = options.outputRepeats ?? 3;
  const loops = new Map<string, Set<number>>();
  const mark = (label: string, at: number[]) => {
    const set = loops.get(label) ?? new Set<number>();
    for (const n of at) set.add(n);
    loops.set(label, set);
  };

  const byCommand = new Map<string, number[]>();
  for (const s of steps) {
    if (s.kind !== 'command' && s.kind !== 'tool') continue;
    const key = whatRan(s);
    byCommand.set(key, [...(byCommand.get(key) ?? []), s.step]);
  }
  for (const [command, at] of byCommand) if (at.length >= commandRepeats) mark(command, at);

  // Several tool calls of one model call share a step number; a repeat points at the first output set.
  const firstWithOutput = new Map<number, DigestStep>();
  for (const s of steps) if (s.output !== undefined && !firstWithOutput.has(s.step)) firstWithOutput.set(s.step, s);
  const outputKey = (s: DigestStep): string | undefined => {
    const output = s.repeatOf !== undefined ? firstWithOutput.get(s.repeatOf)?.output : s.output;
    if (!output?.trim()) return undefined; // `cd`, `mkdir -p`: silence repeated is not a loop
    return output.length >= LONG_OUTPUT ? `long:${output}` : `short:${whatRan(s)}\n${output}`;
  };
  const byOutput = new Map<string, DigestStep[]>();
  for (const s of steps) {
    const key = s.kind === 'command' || s.kind === 'tool' ? outputKey(s) : undefined;
    if (key) byOutput.set(key, [...(byOutput.get(key) ?? []), s]);
  }
  for (const group of byOutput.values())
    if (group.length >= outputRepeats)
      mark(
        whatRan(group[0]!),
        group.map((s) => s.step),
      );
  return [...loops].map(([command, at]) => ({
    id: 'repeated-command-loop',
    label: `repeated command loop: ${command}`,
    steps: [...at].sort((a, b) => a - b),
  }));
}
