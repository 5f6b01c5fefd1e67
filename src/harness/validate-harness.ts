// `ahe harness validate`: load everything (compiling component code) and check what loading alone
// cannot: that each tool's implementation reads what its schema declares.
import { resolve } from 'node:path';
import { checkToolArguments } from './check-tool-arguments.ts';
import type { Diagnostic } from './harness-error.ts';
import { loadHarnessReport } from './load-harness.ts';
import type { Harness } from './types.ts';

export interface ValidationReport {
  ok: boolean;
  diagnostics: Diagnostic[];
  warnings: Diagnostic[];
  /** The loaded harness, when ok. */
  harness?: Harness;
  stats: {
    files: number;
    tools: number;
    middleware: number;
    skills: number;
    subagents: number;
    memory: number;
    ms: number;
  };
}

export async function validateHarness(dirArg: string): Promise<ValidationReport> {
  const started = performance.now();
  const dir = resolve(dirArg);
  const report = await loadHarnessReport(dir);
  const diagnostics = [...report.diagnostics];
  const warnings = [...report.warnings];
  const checks = await Promise.all(report.components.tools.map((tool) => checkToolArguments(dir, tool)));
  for (const checked of checks) {
    diagnostics.push(...checked.errors);
    warnings.push(...checked.warnings);
  }
  const found = report.components;
  return {
    ok: diagnostics.length === 0,
    diagnostics,
    warnings,
    harness: diagnostics.length === 0 ? report.harness : undefined,
    stats: {
      files: report.files.length,
      tools: found.tools.length,
      middleware: found.middleware.length,
      skills: found.skills.length,
      subagents: found.subagents.length,
      memory: found.memory.length,
      ms: Math.round(performance.now() - started),
    },
  };
}
