// The evaluation policies by name (`ahe evolve --eval-policy`, `ahe simulate --policy`). Dependency-free:
// the CLI's option definitions import it, and `ahe --help` must load nothing heavy.
export const EVAL_POLICY_NAMES = ['fixed', 'adaptive'] as const;
export type EvalPolicyName = (typeof EVAL_POLICY_NAMES)[number];
