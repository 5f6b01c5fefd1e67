// Evaluate a harness on a task suite: tasks × k trials, each in its own bwrap sandbox, into a job directory.
// Usage: node evaluate-suite.mjs JOB_DIR   (AHE_MODEL=openai:gpt-5.4 for a real model)
import { fileURLToPath } from 'node:url';
import { bundledPath, createModel, loadHarness, loadTaskSuite, runJob } from 'ahe';

const [jobDir] = process.argv.slice(2);
const script = fileURLToPath(new URL('coding.script.yaml', import.meta.url));
const modelSpec = process.env.AHE_MODEL ?? `scripted:${script}`;

const tasksDir = bundledPath('tasks/train');
const suite = loadTaskSuite(tasksDir); // broken tasks are in suite.problems, each naming its file and field
const tasks = suite.tasks.filter((t) => ['top-words', 'repair-json-config'].includes(t.name));
const harness = await loadHarness(bundledPath('harnesses/seed'));

const outcome = await runJob({
  jobDir, // re-running into the same directory resumes the job
  tasksDir,
  tasks,
  k: 1,
  // Each trial gets its own model: a model may keep per-session state (the scripted one does).
  agent: { kind: 'harness', harness, modelSpec, newModel: () => createModel(modelSpec) },
  backend: 'bwrap',
  concurrency: 2,
  onEvent: (e) =>
    e.type === 'trial-done' && console.log(`${e.trial}: reward ${e.result.verifier_result?.rewards?.reward}`),
});

const { result } = outcome;
console.log(`complete ${outcome.complete} · pass@1 ${result.pass_at_1.toFixed(2)} over ${result.n_tasks} tasks`);
for (const [name, task] of Object.entries(result.tasks)) console.log(`  ${name}: ${task.c} of ${task.n} passed`);
console.log(`job: ${outcome.resultFile}`);
