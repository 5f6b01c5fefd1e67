// A simulation scenario (`sim:<scenario.yaml>`, `sim-evolver:<scenario.yaml>`, `ahe simulate SCENARIO`):
// the ground truth of an evolution. Each training and held-out task has the seed harness's success
// probability; effects add to a task's probability while the harness text contains their string; the
// candidates are what the simulated evolve agent proposes, one per iteration, in order. Because the
// truth is known, a policy's keep/rollback decisions can be scored (docs/evolution-cost.md).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { COMPONENT_TYPES } from '../debugger/analysis.ts';
import { UserError } from '../errors.ts';
import { type Diagnostic, diagnosticsError } from '../harness/harness-error.ts';
import { checkYaml, parseYaml, type YamlSource } from '../harness/read-yaml.ts';
import { type ModelSpecFile, modelSpecFile } from '../model/model-file.ts';

const probability = z
  .number({ error: 'expected a probability from 0 to 1' })
  .min(0, 'expected a probability from 0 to 1')
  .max(1, 'expected a probability from 0 to 1');
const name = z.string().min(1);

const EffectSchema = z.strictObject({
  id: name,
  /** The rule holds while any component file of the harness contains `text`. */
  when: z.strictObject({ text: z.string().min(1) }),
  tasks: z.array(name).min(1),
  /** Added to each named task's success probability (the sum is clamped to [0, 1]). */
  delta: z
    .number({ error: 'expected a number from -1 to 1' })
    .min(-1, 'expected a number from -1 to 1')
    .max(1, 'expected a number from -1 to 1'),
});

const CandidateSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and -'),
  /** A manifest component type (memory, system_prompt, tool_description, …). */
  component: z.enum(COMPONENT_TYPES),
  /** Harness-relative path → the file's whole new content. */
  files: z.record(z.string().min(1), z.string()),
  description: z.string().min(1).optional(),
  predicted_fixes: z.array(name).default([]),
  risk_tasks: z.array(name).default([]),
});

export const ScenarioSchema = z.strictObject({
  /** Seeds every draw (`--seed` overrides it). */
  seed: z
    .number({ error: 'expected a whole number of at least 0' })
    .int('expected a whole number of at least 0')
    .nonnegative('expected a whole number of at least 0')
    .default(1),
  /** Training task → the seed harness's success probability. */
  tasks: z.record(name, probability).refine((t) => Object.keys(t).length > 0, 'at least one task'),
  /** Held-out task → probability: scored, never shown to the evolve agent. */
  holdout: z.record(name, probability).default({}),
  effects: z.array(EffectSchema).default([]),
  candidates: z.array(CandidateSchema).default([]),
});

export type Scenario = z.output<typeof ScenarioSchema> & { file: string };
export type SimEffect = Scenario['effects'][number];
export type SimCandidate = Scenario['candidates'][number];

const cache = new Map<string, { text: string; scenario: Scenario }>();

/**
 * Checks a parsed scenario: the schema, then every task an effect or a candidate names is a scenario task.
 * Every problem is found, each with the field and, from the YAML source, its line and column.
 */
export function checkScenario(source: YamlSource, file: string): { scenario?: Scenario; problems: Diagnostic[] } {
  const checked = checkYaml(ScenarioSchema, source, file);
  if (!checked.value) return { problems: checked.diagnostics };
  const s = checked.value;
  const problems: Diagnostic[] = [];
  /** `at`: where in the file, when more precise than the field (a key of a map field). */
  const problem = (path: (string | number)[], message: string, at = path) =>
    problems.push({ file, field: path.join('.'), message, ...source.locate(at.map(String)) });
  const train = new Set(Object.keys(s.tasks));
  const all = new Set([...train, ...Object.keys(s.holdout)]);
  for (const t of Object.keys(s.holdout))
    if (train.has(t)) problem(['holdout', t], 'also a training task (the splits must not overlap)');
  s.effects.forEach((e, i) => {
    e.tasks.forEach((t, j) => {
      if (!all.has(t)) problem(['effects', i, 'tasks', j], `unknown task '${t}'`);
    });
  });
  const ids = new Set<string>();
  s.candidates.forEach((c, i) => {
    if (ids.has(c.id)) problem(['candidates', i, 'id'], `'${c.id}' is used twice`);
    ids.add(c.id);
    for (const key of ['predicted_fixes', 'risk_tasks'] as const)
      c[key].forEach((t, j) => {
        if (!train.has(t)) problem(['candidates', i, key, j], `'${t}' is not a training task`);
      });
    for (const path of Object.keys(c.files))
      if (path.startsWith('/') || path.split('/').includes('..'))
        problem(['candidates', i, 'files'], `'${path}' must be a path inside the harness`, [
          'candidates',
          i,
          'files',
          path,
        ]);
  });
  return problems.length ? { problems } : { scenario: { ...s, file }, problems };
}

/**
 * Reads and checks a scenario file (the check cached by absolute path and content: trials of a job share
 * one, and a long-lived process such as a worker sees an edited file).
 */
export function loadScenario(path: string): Scenario {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UserError(`${file}: cannot read the scenario: ${(error as Error).message}`);
  }
  const hit = cache.get(file);
  if (hit?.text === text) return hit.scenario;
  const parsed = parseYaml(text, file);
  if (!parsed.source)
    throw diagnosticsError(parsed.diagnostics.map((d) => ({ ...d, message: `not valid YAML: ${d.message}` })));
  const { scenario, problems } = checkScenario(parsed.source, file);
  if (!scenario) throw diagnosticsError(problems);
  cache.set(file, { text, scenario });
  return scenario;
}

/** The success probability of a task under a harness whose component files' text is `harnessText`. */
export function successProbability(scenario: Scenario, task: string, harnessText: string): number {
  const base = scenario.tasks[task] ?? scenario.holdout[task];
  if (base === undefined) throw new UserError(`${scenario.file}: task '${task}' is not in the scenario`);
  let p = base;
  for (const e of scenario.effects) if (e.tasks.includes(task) && harnessText.includes(e.when.text)) p += e.delta;
  return Math.min(1, Math.max(0, p));
}

/**
 * With a `sim:` coding model (also behind `chaos:`), every task the run will measure must have a
 * success probability in the scenario; otherwise each of its trials would fail as an error. Checked
 * before anything runs, naming the flag, the scenario and the tasks it lacks.
 */
export function checkScenarioCovers(spec: string, flag: string, taskNames: readonly string[]): void {
  let file: ModelSpecFile | undefined;
  try {
    file = modelSpecFile(spec);
  } catch {
    return;
  }
  if (!file?.prefix.endsWith('sim:')) return; // sim-evolver: is the evolve agent's
  const scenario = loadScenario(resolve(file.path));
  const missing = taskNames.filter((t) => scenario.tasks[t] === undefined && scenario.holdout[t] === undefined);
  if (missing.length)
    throw new UserError(
      `${flag} ${spec}: ${scenario.file} gives no success probability for ${missing.length} task(s) to run: ${missing.slice(0, 8).join(', ')}${missing.length > 8 ? ', …' : ''}; add them to its tasks or holdout`,
    );
}
