// How many bwrap sandboxes a killed ahe leaves running (docs/sandboxes.md): starts a sandbox in a
// child process (test/fixtures/reaper/naming.mts) and kills that process with -9 at a random moment
// 0–40 ms after it starts the sandbox, N times, with L busy loops running beside it; then waits and
// counts the processes still running in those sandboxes (and the cgroups left, where they are used).
//   node --import tsx scripts/sandbox-kill-study.ts [--runs 60] [--load 3] [--no-cgroup]

import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { liveProcesses } from '../test/support/processes.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '60' },
    load: { type: 'string', default: '3' },
    'no-cgroup': { type: 'boolean' },
  },
});
const runs = Number(values.runs);
const NAMING = new URL('../test/fixtures/reaper/naming.mts', import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), 'ahe-kill-study-'));
const load = Array.from({ length: Number(values.load) }, () => execa('node', ['-e', 'for(;;){}'], { reject: false }));
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

const cgroupsBefore = new Set(ahedCgroups());
for (let i = 0; i < runs; i++) {
  const child = execa(
    'node',
    ['--import', 'tsx', NAMING, 'sandbox', join(root, `t${i}`), ...(values['no-cgroup'] ? ['nolimits'] : [])],
    {
      reject: false,
      stdin: 'ignore',
      buffer: false,
    },
  );
  await new Promise<void>((resolve) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', () => resolve());
  });
  await pause(Math.floor(Math.random() * 40));
  child.kill('SIGKILL');
  await child;
}
for (const l of load) l.kill('SIGKILL');
await pause(2000);

function ahedCgroups(): string[] {
  const parents = ['/sys/fs/cgroup/ahe', '/sys/fs/cgroup/pids/ahe', '/sys/fs/cgroup/memory/ahe'];
  return parents.filter(existsSync).flatMap((p) =>
    readdirSync(p)
      .filter((d) => d.startsWith('sandbox-'))
      .map((d) => join(p, d)),
  );
}
const left = liveProcesses().filter((p) => p.cmdline.includes(root));
const leftProcesses = left.map((p) => p.pid);
const leftSandboxes = new Set(left.map((p) => new RegExp(`${root}/(t\\d+)`).exec(p.cmdline)?.[1]));
const leftCgroups = ahedCgroups().filter((d) => !cgroupsBefore.has(d));
console.log(
  `${runs} starts killed (${values.load} busy loops${values['no-cgroup'] ? ', no cgroup' : ''}): ` +
    `${leftSandboxes.size} sandboxes left running (${leftProcesses.length} processes), ${leftCgroups.length} sandbox cgroups left`,
);
if (leftProcesses.length > 0)
  console.log(`left: ${leftProcesses.join(' ')} (kill them: kill -9 ${leftProcesses.join(' ')})`);
