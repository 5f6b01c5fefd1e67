// `npm run demo:evolve [-- OUT_DIR]`: the whole evolution loop offline, on scripted models, in about a
// minute — every artifact of a real run, without an API key. See docs/evolve.md, "Offline demo".
// `AHE_DEMO_CHAOS=<rate>` runs the coding model under fault injection (`chaos:<rate>:scripted:…`, see
// docs/models.md); `-- --resume [OUT_DIR]` continues a stopped demo run (`AHE_CHAOS_RATE=0` makes it healthy).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeDemo } from './make-demo.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const args = process.argv.slice(2);
const resuming = args[0] === '--resume';
const out = resolve((resuming ? args[1] : args[0]) ?? join(ROOT, 'runs', 'evolve-demo'));
const ahe = (argv: string[]) =>
  process.exit(spawnSync('node', [join(ROOT, 'bin', 'ahe.js'), ...argv], { stdio: 'inherit' }).status ?? 1);

if (resuming) ahe(['evolve', '--resume', join(out, 'run')]);
if (existsSync(out)) rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const demo = makeDemo(out);
const chaos = process.env.AHE_DEMO_CHAOS?.trim();
const codingModel = `${chaos ? `chaos:${chaos}:` : ''}scripted:${demo.codingScript}`;
console.log(
  `offline demo: scripted coding and evolve agents (${demo.codingScript}, ${demo.evolveScript}) on ${readdirSync(demo.tasks).length} bundled tasks${chaos ? `, coding model under fault injection (${codingModel.split(':scripted:')[0]})` : ''}\n`,
);
const status = spawnSync(
  'node',
  [
    join(ROOT, 'bin', 'ahe.js'),
    'evolve',
    '--harness',
    join(ROOT, 'harnesses', 'seed'),
    '--tasks',
    demo.tasks,
    '--model',
    codingModel,
    '--evolve-model',
    `scripted:${demo.evolveScript}`,
    '--debug-model',
    'none',
    '--iterations',
    '3',
    '-k',
    '1',
    '--concurrency',
    '3',
    '--out',
    join(out, 'run'),
  ],
  { stdio: 'inherit' },
).status;
if (status !== 0) {
  console.log(`\nthe demo run stopped (exit ${status}); continue it with: npm run demo:evolve -- --resume ${out}`);
  process.exit(status ?? 1);
}
console.log(
  `\nartifacts: ${join(out, 'run')} — summary.md, iterations/<n>/ (job, debug, attribution.json, gate.json, change_manifest.json, diff.patch, evolve/), harness/ (git log), best/`,
);
