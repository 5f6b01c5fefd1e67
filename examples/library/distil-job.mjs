// Distil a job's traces into the debugger's report: overview.md, detail/<task>.md and report.json.
// Usage: node distil-job.mjs JOB_DIR REPORT_DIR
// Without a model the report is the heuristic one; pass `model` (any Model) for per-task LLM analyses.
import { debugJob } from 'ahe';

const [jobDir, outDir] = process.argv.slice(2);
const { report, written, digests } = await debugJob({ jobDir, outDir });

console.log(`${digests.length} trials digested · overview.md ${written.overviewTokens} tokens`);
for (const [name, task] of Object.entries(report.tasks)) {
  const signatures = task.signatures.map((s) => s.label).join('; ');
  console.log(`  ${name}: ${task.c} of ${task.n} passed${signatures ? ` · ${signatures}` : ''}`);
}
console.log(`report: ${written.files.join(', ')}`);
