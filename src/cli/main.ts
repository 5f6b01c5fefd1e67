// The `ahe` command line. Thin: parse flags, call the layers, print. It starts fast: main.ts and the
// *-command.ts files only define flags and help; a command's *-action.ts (and through it the layers,
// SDKs, queue and compilers it needs) is imported when that command runs. test/cli/startup.test.ts
// checks that `ahe --help` and `ahe harness validate` load none of the heavy packages.
import { Command, CommanderError } from 'commander';
import { AGENT_INFO } from '../agent/agent-info.ts';
import { registerAblateCommand } from './ablate-command.ts';
import { registerCompareCommand } from './compare-command.ts';
import { registerDebugCommands } from './debug-command.ts';
import { registerEvalCommand } from './eval-command.ts';
import { registerEvolveCommand } from './evolve-command.ts';
import { registerExperimentsCommand } from './experiments-command.ts';
import { registerGcCommand } from './gc-command.ts';
import { registerHarnessCommands } from './harness-command.ts';
import { registerReportCommand } from './report-command.ts';
import { reportError } from './report-error.ts';
import { registerRunCommand } from './run-command.ts';
import { registerServeCommand } from './serve-command.ts';
import { registerSimulateCommand } from './simulate-command.ts';
import { registerTasksCommands } from './tasks-command.ts';
import { registerTraceCommands } from './trace-command.ts';
import { registerTransferCommand } from './transfer-command.ts';
import { registerWorkerCommand } from './worker-command.ts';

export function buildProgram(): Command {
  const program = new Command('ahe')
    .description(
      'Agentic Harness Engineering: run a coding agent from a harness directory, evaluate it, and evolve the harness from its own traces.',
    )
    .version(AGENT_INFO.version)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerRunCommand(program);
  registerHarnessCommands(program);
  registerTasksCommands(program);
  registerEvalCommand(program);
  registerTraceCommands(program);
  registerGcCommand(program);
  registerCompareCommand(program);
  registerDebugCommands(program);
  registerEvolveCommand(program);
  registerAblateCommand(program);
  registerTransferCommand(program);
  registerExperimentsCommand(program);
  registerReportCommand(program);
  registerServeCommand(program);
  registerSimulateCommand(program);
  registerWorkerCommand(program);
  program.addHelpText(
    'after',
    `
Examples:
  ahe harness init my-harness                 write the zero-prior seed harness
  ahe harness validate harnesses/example      load and check every component
  ahe run --harness harnesses/seed --model openai:gpt-5.4 --instruction "Fix the failing test" --workdir ./repo
  ahe tasks check tasks/train                 prove every task: oracle passes, noop fails
  ahe eval --tasks tasks/holdout --harness harnesses/seed --model openai:gpt-5.4 -k 2
  ahe compare jobs/A jobs/B                   per-task flips and a paired test
  ahe debug jobs/A --model openai:gpt-5.4     distil the job into overview.md + detail/<task>.md
  ahe evolve --harness harnesses/seed --tasks tasks/train --holdout tasks/holdout --model openai:gpt-5.4 --out runs/x
  npm run demo:evolve                         the whole evolution loop offline, on scripted models

Model specs: openai:<model> and openai-responses:<model> (OPENAI_API_KEY, OPENAI_BASE_URL),
anthropic:<model> (ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL), scripted:<script.yaml>, replay:<cassette.jsonl>,
sim:<scenario.yaml> and sim-evolver:<scenario.yaml> (the simulator), chaos:<rate>:<spec> (fault injection).
See docs/models.md for the formats.`,
  );
  return program;
}

let outputGuarded = false;

/**
 * A reader that stops reading (`ahe --help | head -1`) closes our stdout: the next write fails with
 * EPIPE, which Node reports as an 'error' event that would crash the process with a stack trace. Nothing
 * more can be said to that reader, so the process ends quietly with the status decided so far (0 for
 * help). A closed stderr only loses progress lines: the command goes on, so a job still finishes its
 * trials and writes its files.
 */
function endQuietlyOnClosedOutput(): void {
  if (outputGuarded) return;
  outputGuarded = true;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  });
  process.stderr.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

/** Runs the CLI; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  endQuietlyOnClosedOutput();
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    // Help and version exit 0; every usage error is bad input (2), like other user errors.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    return reportError(error, process.stderr);
  }
}
