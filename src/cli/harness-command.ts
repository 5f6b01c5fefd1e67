// `ahe harness init|validate`.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { formatDiagnostic } from '../harness/harness-error.ts';
import { initHarness } from '../harness/init-harness.ts';
import { validateHarness } from '../harness/validate-harness.ts';
import { existingDir, outputDir } from './parse-options.ts';

export function registerHarnessCommands(program: Command): void {
  const harness = program
    .command('harness')
    .description('Create and check harness directories (the thing that evolves).');

  harness
    .command('init')
    .description(
      'Write the zero-prior seed harness (a minimal system prompt and one tool, run_shell_command) into DIR.',
    )
    .argument('<dir>', 'a new or empty directory', outputDir)
    .action(async (dir: string) => {
      const target = resolve(dir);
      await initHarness(target);
      process.stdout.write(`wrote the seed harness to ${target}\nnext: ahe harness validate ${dir}\n`);
    });

  harness
    .command('validate')
    .description(
      'Load every component of a harness (compiling its TypeScript), check formats, schemas and capabilities, and report file:line problems.',
    )
    .argument('<dir>', 'harness directory', existingDir)
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExit code 0 when the harness is valid (warnings allowed), 1 when it has errors.')
    .action(async (dir: string, flags: { json?: boolean }) => {
      const report = await validateHarness(resolve(dir));
      if (flags.json) {
        process.stdout.write(
          `${JSON.stringify({ ok: report.ok, diagnostics: report.diagnostics, warnings: report.warnings, stats: report.stats }, null, 2)}\n`,
        );
      } else {
        for (const d of report.diagnostics) process.stdout.write(`error   ${formatDiagnostic(d)}\n`);
        for (const w of report.warnings) process.stdout.write(`warning ${formatDiagnostic(w)}\n`);
        const s = report.stats;
        process.stdout.write(
          report.ok
            ? `ok: ${dir} — ${s.tools} tools, ${s.middleware} middleware, ${s.skills} skills, ${s.subagents} sub-agents, ${s.memory} memory files (${s.ms} ms)\n`
            : `invalid: ${report.diagnostics.length} error(s) in ${dir}\n`,
        );
      }
      process.exitCode = report.ok ? 0 : 1;
    });
}
