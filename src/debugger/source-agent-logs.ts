// No trajectory: the agent's own logs are the evidence (ahe's agent/oracle.txt, an installed agent's
// agent/<name>.txt, Harbor's agent/setup/stdout.txt and agent/command-N/{command.txt,return-code.txt,
// stdout.txt}). Each file becomes one step of cleaned text, with a larger budget than a tool output:
// a log is the whole story of the run.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type AgentEvidence, cutText, type NoEvidence } from './agent-evidence.ts';
import type { CleanTextOptions } from './clean-text.ts';
import type { DigestStep } from './digest.ts';
import { createStepList } from './step-list.ts';
import { outputFromFile, STEP_OUTPUT_BUDGET } from './step-output.ts';

const LOG_BUDGET: CleanTextOptions = {
  ...STEP_OUTPUT_BUDGET,
  headLines: 25,
  headChars: 2500,
  tailLines: 50,
  tailChars: 5000,
  errors: { maxEntries: 15, maxTracebackLines: 40 },
};
const LOG_FILE = /\.(?:txt|log|out|err)$/;
/** Files under agent/ that are not logs even with a log-like name. */
const NOT_LOG = /^(?:command|return-code)\.txt$/;
const byNumber = new Intl.Collator('en', { numeric: true });

function logFiles(agentDir: string): { file: string; commandDir?: string }[] {
  const found: { file: string; commandDir?: string }[] = [];
  const entries = readdirSync(agentDir, { withFileTypes: true }).sort((a, b) => byNumber.compare(a.name, b.name));
  const dirs = entries.filter((e) => e.isDirectory() && (e.name === 'setup' || /^command-\d+$/.test(e.name)));
  dirs.sort((a, b) => (a.name === 'setup' ? -1 : b.name === 'setup' ? 1 : byNumber.compare(a.name, b.name)));
  for (const d of dirs) {
    for (const name of readdirSync(join(agentDir, d.name)).sort()) {
      if (LOG_FILE.test(name) && !NOT_LOG.test(name))
        found.push({
          file: join(agentDir, d.name, name),
          commandDir: d.name === 'setup' ? undefined : join(agentDir, d.name),
        });
    }
  }
  for (const e of entries) if (e.isFile() && LOG_FILE.test(e.name)) found.push({ file: join(agentDir, e.name) });
  return found;
}

const readSmall = (path: string) =>
  existsSync(path) && statSync(path).size < 64 * 1024 ? readFileSync(path, 'utf8').trim() : undefined;

export async function readAgentLogs(trialDir: string): Promise<AgentEvidence | NoEvidence> {
  const agentDir = join(trialDir, 'agent');
  if (!existsSync(agentDir) || !statSync(agentDir).isDirectory()) return { problems: [], sourceFiles: [], rawBytes: 0 };
  const found = logFiles(agentDir);
  if (found.length === 0) return { problems: [], sourceFiles: [], rawBytes: 0 };
  const list = createStepList();
  const sourceFiles: string[] = [];
  let rawBytes = 0;
  let n = 0;
  for (const { file, commandDir } of found) {
    const rel = file.slice(trialDir.length + 1);
    sourceFiles.push(rel);
    if (statSync(file).size === 0) continue;
    const out = await outputFromFile(file, LOG_BUDGET);
    rawBytes += out.outputBytes;
    n++;
    let step: DigestStep = { step: n, kind: 'tool', tool: 'log', args: rel };
    if (commandDir) {
      const command = readSmall(join(commandDir, 'command.txt'));
      const code = readSmall(join(commandDir, 'return-code.txt'));
      step = {
        step: n,
        kind: 'command',
        tool: 'agent-command',
        ...(command ? { command: cutText(command, 500) } : { args: rel }),
      };
      if (code !== undefined && /^-?\d+$/.test(code)) {
        step.exitCode = Number(code);
        if (step.exitCode !== 0) step.isError = true;
      }
    }
    list.setOutput(list.push(step), out);
  }
  return { source: 'agent-logs', sourceFiles, rawBytes, steps: list.steps, problems: [] };
}
