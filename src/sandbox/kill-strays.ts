// Ending every process an agent left behind, from inside the sandbox's pid namespace, before the
// verifier runs: a background loop that rewrites /logs/verifier/reward.txt must not outlive the agent.
// The script uses shell builtins only (glob, read, kill): an agent may have replaced /bin/kill in a
// container, and a fork flood at the pids limit leaves no room for a child process.
// It SIGKILLs every process but the sandbox's own keepers (their pids, known from the start, never
// a name an agent could copy) and itself, round after round, until /proc shows none left (zombies
// are already dead) or the deadline passes; then it names what it could not end.

/** Thrown when processes survive the cleanup: the verifier must not run on such a sandbox. */
export class SandboxCleanupError extends Error {
  readonly type = 'SandboxCleanupError';
  constructor(message: string) {
    super(message);
    this.name = 'SandboxCleanupError';
  }
}

export interface KillStraysResult {
  /** Processes the agent phase left running that were killed. */
  killed: number;
}

/** How long the script keeps trying (a process in uninterruptible sleep may take a while to go). */
const DEADLINE_SEC = 10;

/** The bash script; keepers are pids inside the namespace. Prints `killed N`, or `left: PID (NAME) …` and exits 3. */
export function killStraysScript(keepers: number[], deadlineSec = DEADLINE_SEC): string {
  for (const pid of keepers) if (!Number.isInteger(pid) || pid < 1) throw new Error(`bad keeper pid ${pid}`);
  return [
    `keep=" ${keepers.join(' ')} $$ "`,
    'declare -A seen; killed=0',
    `deadline=$((SECONDS + ${deadlineSec}))`,
    'while :; do',
    '  left=',
    '  for d in /proc/[0-9]*; do',
    '    p=${d#/proc/}',
    '    case "$keep" in *" $p "*) continue ;; esac',
    '    l=; read -r l 2>/dev/null < "$d/stat" || continue',
    '    s=${l##*) }; s=${s%% *}',
    '    case "$s" in Z|X|"") continue ;; esac',
    '    kill -KILL "$p" 2>/dev/null',
    '    [ -z "${seen[$p]}" ] && seen[$p]=1 && killed=$((killed + 1))',
    '    n=${l#* (}; left="$left $p (${n%%) *})"',
    '  done',
    '  [ -z "$left" ] && { echo "killed $killed"; exit 0; }',
    '  (( SECONDS >= deadline )) && { echo "left:$left" >&2; exit 3; }',
    'done',
  ].join('\n');
}

/** Reads the script's answer; throws SandboxCleanupError unless it reports a clean namespace. */
export function parseKillStrays(result: {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}): KillStraysResult {
  const killed = /^killed (\d+)$/m.exec(result.stdout)?.[1];
  if (result.exitCode === 0 && killed !== undefined) return { killed: Number(killed) };
  const left = /left:(.*)/.exec(result.stderr)?.[1]?.trim();
  if (left)
    throw new SandboxCleanupError(
      `processes of the agent phase survived SIGKILL for ${DEADLINE_SEC}s: ${left.slice(0, 300)}`,
    );
  const why = result.timedOut
    ? 'the cleanup did not answer in time'
    : `the cleanup exited with ${result.exitCode ?? 'a signal'}: ${(result.stderr || result.stdout).trim().slice(-300)}`;
  throw new SandboxCleanupError(`could not end the agent phase's processes (${why})`);
}
