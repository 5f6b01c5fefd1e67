// `ahe harness init|validate` at work. Only the harness layer is loaded: no model, sandbox or agent.
import { resolve } from 'node:path';
import { formatDiagnostic } from '../harness/harness-error.ts';
import { initHarness } from '../harness/init-harness.ts';
import { validateHarness } from '../harness/validate-harness.ts';

export async function writeSeedHarness(dir: string): Promise<void> {
  const target = resolve(dir);
  await initHarness(target);
  process.stdout.write(`wrote the seed harness to ${target}\nnext: ahe harness validate ${dir}\n`);
}

export async function printValidation(dir: string, flags: { json?: boolean }): Promise<void> {
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
}
