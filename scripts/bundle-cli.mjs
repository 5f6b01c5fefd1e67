// Bundles the compiled CLI (dist/cli/main.js) into dist/cli-bundle/ so `ahe` starts by reading a few files instead
// of resolving ~600 modules: Node 20 has no module compile cache, and at start-up resolving and compiling modules is
// most of the time (docs/performance.md). Commands stay lazy: each dynamic import() becomes its own chunk. Heavy or
// native dependencies stay external and load from node_modules only where used.
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/cli-bundle`;
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [`${root}dist/cli/main.js`],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  // Bundled CommonJS dependencies (commander, yaml …) call require(): give the ES module one.
  banner: {
    js: "import { createRequire as __aheRequire } from 'node:module'; const require = __aheRequire(import.meta.url);",
  },
  external: [
    'esbuild',
    'ajv',
    'openai',
    '@anthropic-ai/sdk',
    'bullmq',
    'ioredis',
    'gpt-tokenizer',
    'mvdan-sh',
    'dockerfile-ast',
    'execa',
    'simple-git',
    '@modelcontextprotocol/sdk',
    '@modelcontextprotocol/sdk/*',
  ],
});
