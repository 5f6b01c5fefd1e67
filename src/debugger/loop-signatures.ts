// An agent stuck in a loop re-runs the same command, or keeps getting the same output back. Running the
// tests again after each edit is normal, so a command alone must repeat more often than an identical
// output before it counts: the cleaner marks identical outputs with `repeatOf`, which is the sharper signal.
import type { DigestStep, Signature } from './digest.ts';
import { normaliseDetail } from './normalise-detail.ts';

export interface LoopOptions {
  /** The same (normalised) command this many times is a loop, whatever its outputs (default 5). */
  commandRepeats?: number;
  /** The same output this many times (the first and its repeats) is a loop (default 3). */
  outputRepeats?: number;
}

const whatRan = (s: DigestStep) => normaliseDetail(s.command ?? `${s.tool ?? s.kind}${s.args ? ` ${s.args}` : ''}`, 60);

export function findRepeatedCommandLoops(steps: readonly DigestStep[], options: LoopOptions = {}): Signature[] {
  const commandRepeats = options.commandRepeats ?? 5;
  const outputRepeats = options.outputRepeats ?? 3;
  const byStep = new Map(steps.map((s) => [s.step, s]));
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

  const byOutput = new Map<number, number[]>();
  for (const s of steps) {
    if (s.repeatOf === undefined) continue;
    let root = s.repeatOf;
    for (let hops = 0; byStep.get(root)?.repeatOf !== undefined && hops < steps.length; hops++) root = byStep.get(root)!.repeatOf!;
    byOutput.set(root, [...(byOutput.get(root) ?? [root]), s.step]);
  }
  for (const [root, at] of byOutput) {
    const first = byStep.get(root);
    if (at.length >= outputRepeats && first) mark(whatRan(first), at);
  }
  return [...loops].map(([command, at]) => ({ id: 'repeated-command-loop', label: `repeated command loop: ${command}`, steps: [...at].sort((a, b) => a - b) }));
}
