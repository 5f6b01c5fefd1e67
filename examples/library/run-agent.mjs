// Run the agent on a directory with a harness and a model; the session's trace goes to a directory.
// Usage: node run-agent.mjs WORKDIR TRACE_DIR   (AHE_MODEL=openai:gpt-5.4 for a real model)
import { fileURLToPath } from 'node:url';
import { bundledPath, createHostSandbox, createModel, loadHarness, recordSession } from 'ahe';

const [workdir, traceDir] = process.argv.slice(2);
const script = fileURLToPath(new URL('hello.script.yaml', import.meta.url));
const model = await createModel(process.env.AHE_MODEL ?? `scripted:${script}`);
const harness = await loadHarness(bundledPath('harnesses/seed'));

// The host sandbox runs the agent's commands directly in `workdir` (no isolation).
const sandbox = createHostSandbox({ workdir });
try {
  const result = await recordSession({
    harness,
    model,
    sandbox,
    instruction: 'Create hello.txt containing hello',
    outDir: traceDir, // events.jsonl, trajectory.json, tool-outputs/
    limits: { maxSteps: 10 },
    onProgress: (p) => p.tool && console.log(`step ${p.step}: ${p.tool} ${p.detail ?? ''}`),
  });
  console.log(`status ${result.status} · ${result.steps} steps · ${result.usage.promptTokens} prompt tokens`);
  console.log(`final message: ${result.finalMessage}`);
  console.log(`trajectory: ${result.trajectoryFile}`);
} finally {
  await sandbox.close();
}
