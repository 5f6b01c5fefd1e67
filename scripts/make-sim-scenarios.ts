// Writes the simulation scenarios of docs/evolution-cost.md into examples/simulation/: evolutions of
// different shapes (many stable tasks or many noisy ones, small or large effects, harmful candidates,
// predictions that are wrong, 40 and 89 tasks), each drawn from a fixed seed so the files are reproducible.
//   node --import tsx scripts/make-sim-scenarios.ts
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { seededRandom } from '../src/bench/stats.ts';

interface Shape {
  name: string;
  about: string;
  tasks: number;
  holdout: number;
  /** Share of tasks whose seed probability is near 0 or 1. */
  stable: number;
  /** Effect size of a candidate's rule. */
  effect: number;
  /** Share of candidates that are harmful, and of those with no effect at all. */
  harmful: number;
  neutral: number;
  /** Share of candidates whose predictions name the wrong tasks. */
  wrongPredictions: number;
  candidates: number;
  seed: number;
}

const SHAPES: Shape[] = [
  {
    name: 'stable-40',
    about: '40 tasks, 70% stable; large effects; a third harmful; predictions right',
    tasks: 40,
    holdout: 12,
    stable: 0.7,
    effect: 0.5,
    harmful: 0.3,
    neutral: 0.1,
    wrongPredictions: 0,
    candidates: 10,
    seed: 1,
  },
  {
    name: 'noisy-40',
    about: '40 tasks, 20% stable (most tasks flaky); large effects; predictions right',
    tasks: 40,
    holdout: 12,
    stable: 0.2,
    effect: 0.5,
    harmful: 0.3,
    neutral: 0.1,
    wrongPredictions: 0,
    candidates: 10,
    seed: 2,
  },
  {
    name: 'small-effects-40',
    about: '40 tasks, 50% stable; small effects (±0.2)',
    tasks: 40,
    holdout: 12,
    stable: 0.5,
    effect: 0.2,
    harmful: 0.3,
    neutral: 0.1,
    wrongPredictions: 0,
    candidates: 10,
    seed: 3,
  },
  {
    name: 'harmful-40',
    about: '40 tasks, 50% stable; half the candidates harmful; predictions wrong for 30%',
    tasks: 40,
    holdout: 12,
    stable: 0.5,
    effect: 0.5,
    harmful: 0.5,
    neutral: 0.1,
    wrongPredictions: 0.3,
    candidates: 10,
    seed: 4,
  },
  {
    name: 'wrong-predictions-40',
    about: '40 tasks, 50% stable; predictions wrong for 60% of candidates',
    tasks: 40,
    holdout: 12,
    stable: 0.5,
    effect: 0.5,
    harmful: 0.3,
    neutral: 0.1,
    wrongPredictions: 0.6,
    candidates: 10,
    seed: 5,
  },
  {
    name: 'tb2-89',
    about: '89 tasks (Terminal-Bench 2 sized), 60% stable; mixed effects; predictions wrong for half',
    tasks: 89,
    holdout: 20,
    stable: 0.6,
    effect: 0.4,
    harmful: 0.3,
    neutral: 0.1,
    wrongPredictions: 0.5,
    candidates: 10,
    seed: 6,
  },
  {
    name: 'tb2-89-wrong',
    about: '89 tasks, 40% stable; small effects; predictions wrong for 70%',
    tasks: 89,
    holdout: 20,
    stable: 0.4,
    effect: 0.25,
    harmful: 0.4,
    neutral: 0.1,
    wrongPredictions: 0.7,
    candidates: 10,
    seed: 7,
  },
];

const pad = (i: number, n: number) => String(i + 1).padStart(String(n).length, '0');

function scenario(shape: Shape): unknown {
  const random = seededRandom(shape.seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  const round = (x: number) => Math.round(x * 100) / 100;
  const base = () => {
    if (random() < shape.stable) return random() < 0.5 ? round(0.97 + random() * 0.03) : round(random() * 0.03);
    return round(0.15 + random() * 0.7);
  };
  const tasks = Object.fromEntries(
    Array.from({ length: shape.tasks }, (_, i) => [`task-${pad(i, shape.tasks)}`, base()]),
  );
  const holdout = Object.fromEntries(
    Array.from({ length: shape.holdout }, (_, i) => [`held-${pad(i, shape.holdout)}`, base()]),
  );
  const names = Object.keys(tasks);
  const heldNames = Object.keys(holdout);
  const effects: unknown[] = [];
  const candidates: unknown[] = [];
  for (let c = 0; c < shape.candidates; c++) {
    const id = `lesson-${pad(c, shape.candidates)}`;
    const text = `general lesson ${id}`;
    const roll = random();
    const kind = roll < shape.harmful ? 'harmful' : roll < shape.harmful + shape.neutral ? 'neutral' : 'helpful';
    const n = 1 + Math.floor(random() * 4);
    // A helpful rule lifts tasks that can still gain; a harmful one pulls down tasks that pass.
    const eligible = names.filter((t) => (kind === 'harmful' ? tasks[t]! > 0.3 : tasks[t]! < 0.8));
    const affected = [...new Set(Array.from({ length: n }, () => pick(eligible.length ? eligible : names)))].sort();
    const delta = kind === 'harmful' ? -shape.effect : shape.effect;
    if (kind !== 'neutral') {
      effects.push({ id, when: { text }, tasks: affected, delta });
      // Helpful general lessons carry over to a held-out task or two; harmful ones hurt there too.
      const held = [...new Set([pick(heldNames), pick(heldNames)])].sort();
      effects.push({ id: `${id}-held-out`, when: { text }, tasks: held, delta });
    }
    const wrong = random() < shape.wrongPredictions;
    const others = names.filter((t) => !affected.includes(t));
    const predicted = wrong || kind === 'neutral' ? [pick(others)] : kind === 'helpful' ? affected : [];
    const risks = kind === 'harmful' && !wrong ? affected : [];
    candidates.push({
      id,
      component: 'memory',
      files: { [`memory/${id}.md`]: `- ${text}: check the work against the instruction before finishing.\n` },
      description: `${kind} lesson (${affected.length} task(s), delta ${kind === 'neutral' ? 0 : delta})`,
      predicted_fixes: predicted,
      risk_tasks: risks,
    });
  }
  return { seed: shape.seed, tasks, holdout, effects, candidates };
}

const out = fileURLToPath(new URL('../examples/simulation/', import.meta.url));
mkdirSync(out, { recursive: true });
for (const shape of SHAPES)
  writeFileSync(
    join(out, `${shape.name}.yaml`),
    `# ${shape.about}\n# generated by scripts/make-sim-scenarios.ts\n${stringify(scenario(shape))}`,
  );
console.log(`wrote ${SHAPES.length} scenarios to ${out}`);
