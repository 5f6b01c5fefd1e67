// What a killed ahe leaves running, killed when it dies. bwrap's --die-with-parent has a window at
// start (bubblewrap issue #633): when its starter is killed while bwrap sets up, bwrap's outer
// process dies and its child waits forever for a signal that never comes, a sandbox nothing will ever
// stop (11 in 60 kills within 40 ms of a start on a loaded machine: scripts/sandbox-kill-study.ts).
// So each process that starts sandboxes also starts one reaper: a small shell reading a pipe from it.
// Each sandbox's cgroup is named to it before the cgroup is made, and its process group by the
// sandbox's first process itself before it runs bwrap (spawnReaped), so neither ever runs unnamed;
// both are unnamed once the sandbox is gone. When the pipe closes, because ahe exited or was killed
// (also with -9), the reaper kills every process still named and removes the cgroups. A sandbox's
// processes join its cgroup before bwrap starts (joinCgroupArgv), so once the reaper has removed the
// cgroup none of them is left, and one spawned too late to have joined fails to join.
import { type ChildProcess, spawn } from 'node:child_process';
import { type Cgroup, type CgroupLimits, createCgroup } from './cgroup-limits.ts';

// Lines: `+c DIR` / `-c DIR` name and unname a cgroup directory, `+g PGID` / `-g PGID` a process group,
// `+k NAME<TAB>ARGV…` / `-k NAME` a container and the command (tab-separated) that removes it.
const SCRIPT = [
  'declare -A groups cgroups containers',
  "tab=$'\\t'",
  'while read -r op arg; do',
  '  case $op in',
  '    +g) groups[$arg]=1 ;;',
  '    -g) unset "groups[$arg]" ;;',
  '    +c) cgroups[$arg]=1 ;;',
  '    -c) unset "cgroups[$arg]" ;;',
  '    +k) containers[${arg%%"$tab"*}]=${arg#*"$tab"} ;;',
  '    -k) unset "containers[$arg]" ;;',
  '  esac',
  'done',
  'for c in "${!containers[@]}"; do',
  '  IFS=$tab read -ra rm <<< "${containers[$c]}"',
  '  "${rm[@]}" > /dev/null 2>&1 &',
  'done',
  'for g in "${!groups[@]}"; do kill -KILL -- "-$g" 2>/dev/null; done',
  'for d in "${!cgroups[@]}"; do',
  '  for ((round = 0; round < 50; round++)); do',
  '    [ -e "$d/cgroup.kill" ] && echo 1 > "$d/cgroup.kill" 2>/dev/null',
  '    pids=',
  '    while read -r p; do pids="$pids $p"; done < "$d/cgroup.procs" 2>/dev/null',
  '    [ -n "$pids" ] && kill -KILL $pids 2>/dev/null',
  '    rmdir "$d" 2>/dev/null && break',
  '    [ -d "$d" ] || break',
  '    sleep 0.1',
  '  done',
  'done',
  'wait',
].join('\n');

let reaper: ChildProcess | undefined;

function ensureReaper(): ChildProcess {
  if (!reaper || reaper.exitCode !== null || reaper.signalCode !== null) {
    // Its own process group and session: a Ctrl-C in the terminal reaches ahe and its sandboxes, not it.
    const started = spawn('bash', ['-c', SCRIPT], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
    started.on('error', () => {}); // without bash no sandbox starts either; that error is reported there
    started.stdin!.on('error', () => {}); // a reaper that was killed: the next line starts another
    started.unref();
    (started.stdin as unknown as { unref?: () => void }).unref?.();
    reaper = started;
  }
  return reaper;
}

/** The reaper's pid (starting it if need be): tests wait for it to finish. */
export function reaperPid(): number | undefined {
  return ensureReaper().pid;
}

function send(line: string): void {
  ensureReaper().stdin!.write(`${line}\n`);
}

/**
 * Creates a cgroup (as createCgroup) whose processes are killed, and which is removed, if this process
 * dies before `release` is called. Its directories are named to the reaper before they are made.
 */
export function reapedCgroup(name: string, limits: CgroupLimits): { cgroup: Cgroup; release: () => void } {
  let named: string[] = [];
  const cgroup = createCgroup(name, limits, undefined, (dirs) => {
    named = dirs.filter((d) => !/[\n\r]/.test(d));
    for (const d of named) send(`+c ${d}`);
  });
  const release = () => {
    for (const d of named) send(`-c ${d}`);
    named = [];
  };
  if (cgroup.kind === 'none') release();
  return { cgroup, release };
}

/**
 * Spawns `argv` as the leader of a process group of its own, which names itself to the reaper before
 * it runs `argv` (a shell writes `+g $$` to the reaper's pipe, passed as the fd after `stdio`, then
 * closes it), so it never runs unnamed, also when this process dies during the spawn; it is unnamed
 * when it exits. Without that pipe closed, the sandbox would hold the reaper's input open.
 */
export function spawnReaped(
  argv: string[],
  stdio: Array<'ignore' | 'pipe'>,
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): ChildProcess {
  const fd = stdio.length;
  // SIGPIPE ignored only for the echo: a reaper killed meanwhile must not stop the start.
  const name = `trap '' PIPE; echo "+g $$" >&${fd}; trap - PIPE; exec ${fd}>&-; exec "$@"`;
  const proc = spawn('/bin/sh', ['-c', name, 'ahe-reaped', ...argv], {
    stdio: [...stdio, ensureReaper().stdin!],
    detached: true,
    ...options,
  });
  const pgid = proc.pid;
  if (pgid !== undefined) proc.once('exit', () => send(`-g ${pgid}`));
  return proc;
}

/**
 * Removes the container with `removal` (the engine's argv and its `rm` arguments) if this process dies
 * before `release` is called (a container does not die with the process that started it).
 */
export function reapedContainer(name: string, removal: string[]): () => void {
  if ([name, ...removal].some((a) => /[\t\n\r]/.test(a) || a === '')) return () => {}; // `ahe gc` then
  send(`+k ${name}\t${removal.join('\t')}`);
  return () => send(`-k ${name}`);
}

/** Spawns `argv` as the leader of a process group of its own; `reaped`: through spawnReaped. */
export function spawnGroup(
  argv: string[],
  stdio: Array<'ignore' | 'pipe'>,
  options: { cwd?: string; env?: NodeJS.ProcessEnv; reaped?: boolean },
): ChildProcess {
  const { reaped, ...where } = options;
  if (reaped) return spawnReaped(argv, stdio, where);
  return spawn(argv[0]!, argv.slice(1), { stdio, detached: true, ...where });
}
