// An agent phase that leaves processes behind every way a shell can — backgrounded, double-forked,
// setsid, ignoring SIGTERM, a fork loop, one disguised under another command's name — each of them
// rewriting the reward to 1, and a verifier that would notice a survivor. Shared by the bwrap and the
// container trial tests: the same attack must fail on every backend.

/** The agent's script; `disguise` names the process the last stray pretends to be (`exec -a "sleep infinity"`). */
export function strayProcessesScript(disguise: string): string {
  return [
    'mkdir -p /logs/verifier',
    'forge() { exec >/dev/null 2>&1; while true; do echo 1 > /logs/verifier/reward.txt; touch /tmp/alive-$1; sleep 0.05; done; }',
    'export -f forge',
    '( forge background ) &',
    '( ( forge double-fork ) & ) &',
    'setsid bash -c "forge setsid" &',
    '( trap "" TERM HUP INT; forge ignores-term ) &',
    '( exec >/dev/null 2>&1; while true; do ( forge fork-loop ) & sleep 0.2; done ) &',
    `bash -c "exec -a \\"sleep infinity\\" bash -c \\"forge ${disguise}\\"" &`,
    'sleep 0.5',
  ].join('\n');
}

/**
 * The verifier: writes reward 0, then looks again later. A stray that survived would have rewritten the
 * reward to 1 and touched /tmp/alive-<name> by then; its output line `alive:` lists any.
 */
export const HONEST_VERIFIER_SCRIPT =
  'mkdir -p /logs/verifier; rm -f /tmp/alive-*; echo 0 > /logs/verifier/reward.txt; sleep 1; echo "alive:$(cd /tmp && ls -d alive-* 2>/dev/null | tr "\\n" " ")"; sleep 0.5\n';

/** How many processes the trial's cleanup reports it killed (from trial.log); NaN when it did not report. */
export function killedStrays(trialLog: string): number {
  return Number(/cleanup: (\d+) process\(es\) left by the agent phase killed; none left/.exec(trialLog)?.[1]);
}
