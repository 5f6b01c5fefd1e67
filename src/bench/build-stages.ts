// The build stages of a Dockerfile (`FROM image AS name` … `FROM name`) and which of them make the
// final image: the last stage and the stages it is built FROM, root first. A backend without a
// container engine executes that chain in one sandbox; stages the final image does not build on are
// skipped (their files reach it only through `COPY --from`, which the preparer reports).
import type { DockerInstruction } from './dockerfile.ts';

export interface BuildStage {
  /** The `AS name`, lower-cased as Docker compares it. */
  name?: string;
  index: number;
  /** The image or stage it starts from, as written (build args not yet substituted). */
  base: string;
  from: DockerInstruction;
  instructions: DockerInstruction[];
}

export interface StagePlan {
  /** ARG instructions before the first FROM (visible to FROM lines, and to stages that re-declare them). */
  globalArgs: DockerInstruction[];
  stages: BuildStage[];
  /** The stages that make the final image, in build order. */
  chain: BuildStage[];
}

export function buildStages(instructions: readonly DockerInstruction[]): StagePlan {
  const globalArgs: DockerInstruction[] = [];
  const stages: BuildStage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const words = ins.args.split(/\s+/).filter(Boolean);
      const as = words.findIndex((w) => w.toUpperCase() === 'AS');
      stages.push({
        index: stages.length,
        base: words[0] ?? '',
        from: ins,
        instructions: [],
        ...(as > 0 && words[as + 1] ? { name: words[as + 1]!.toLowerCase() } : {}),
      });
    } else if (stages.length) stages.at(-1)!.instructions.push(ins);
    else if (ins.keyword === 'ARG') globalArgs.push(ins);
  }
  return { globalArgs, stages, chain: stageChain(stages, stages.at(-1)) };
}

/** The stages that build `target`: the stages it is built FROM, root first, then itself. */
export function stageChain(stages: readonly BuildStage[], target: BuildStage | undefined): BuildStage[] {
  const chain: BuildStage[] = [];
  let current = target;
  while (current && !chain.includes(current)) {
    chain.unshift(current);
    current = findStage(stages.slice(0, current.index), current.base);
  }
  return chain;
}

/** The earlier stage a `FROM x` or `COPY --from=x` names (by name or index), if any. */
export function findStage(stages: readonly BuildStage[], ref: string): BuildStage | undefined {
  const key = ref.toLowerCase();
  return stages.find((s) => s.name === key) ?? (/^\d+$/.test(ref) ? stages[Number(ref)] : undefined);
}
