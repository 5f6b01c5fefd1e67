// The component types `ahe ablate` takes apart and the words a user may name them by (--components).
// Kept apart from compose-harness.ts so the CLI's option parser can check them without loading yaml.

/** The component types an ablation takes apart, named as harness.yaml's `components:` keys plus the prompt and the manifest. */
export const ABLATION_TYPES = [
  'system_prompt',
  'tools',
  'middleware',
  'skills',
  'subagents',
  'memory',
  'harness_yaml',
] as const;
export type AblationType = (typeof ABLATION_TYPES)[number];

/** The change manifest's names (src/debugger/analysis.ts COMPONENT_TYPES) and a few spellings, for --components. */
const ALIASES: Record<string, AblationType> = {
  prompt: 'system_prompt',
  tool: 'tools',
  tool_description: 'tools',
  tool_implementation: 'tools',
  skill: 'skills',
  subagent: 'subagents',
  manifest: 'harness_yaml',
  'harness.yaml': 'harness_yaml',
};

/** An ablation type from a user's word (`memory`, `tool_implementation`, `manifest`…), or undefined. */
export function ablationTypeOf(word: string): AblationType | undefined {
  const w = word.trim().toLowerCase().replace(/-/g, '_');
  return (ABLATION_TYPES as readonly string[]).includes(w) ? (w as AblationType) : ALIASES[w];
}
