// `npm run demo:evolve [-- OUT_DIR]`: the whole evolution loop offline, on scripted models, in about a
// minute — every artifact of a real run, without an API key. See docs/evolve.md, "Offline demo".
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeDemo } from './make-demo.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const out = resolve(process.argv[2] ?? join(ROOT, 'runs', 'evolve-demo'));
if (existsSync(out)) rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const demo = makeDemo(out);
console.log(`offline demo: scripted coding and evolve agents (${demo.codingScript}, ${demo.evolveScript}) on 3 bundled tasks\n`);
execFileSync(
  'node',
  [join(ROOT, 'bin', 'ahe.js'), 'evolve', '--harness', join(ROOT, 'harnesses', 'seed'), '--tasks', demo.tasks, '--model', `scripted:${demo.codingScript}`, '--evolve-model', `scripted:${demo.evolveScript}`, '--debug-model', 'none', '--iterations', '3', '-k', '1', '--concurrency', '3', '--out', join(out, 'run')],
  { stdio: 'inherit' },
);
console.log(`\nartifacts: ${join(out, 'run')} — summary.md, iterations/<n>/ (job, debug, attribution.json, gate.json, change_manifest.json, diff.patch, evolve/), harness/ (git log), best/`);
