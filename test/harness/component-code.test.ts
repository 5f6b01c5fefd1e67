// Component code: compiled with esbuild, run in a vm context with capabilities only, cached.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { clearComponentMemoryCache, componentCacheStats } from '../../src/harness/compile-component.ts';
import { loadHarness } from '../../src/harness/load-harness.ts';
import type { MiddlewareContext, ToolContext } from '../../src/harness/types.ts';
import type { CompletionRequest, Message } from '../../src/model/types.ts';
import { EXAMPLE, ROOT, rejection, SEED, variant } from './harness-variants.ts';

const TOOL = 'tools/run_shell_command.ts';
const withTool = (code: string) => variant(SEED, { [TOOL]: code });
const withMiddleware = (code: string) => variant(SEED, { 'middleware/x.ts': code });
const noCtx = {} as ToolContext;

test('a syntax error in middleware/x.ts is reported with its file, line and column', async () => {
  const message = await rejection(
    withMiddleware('export default {\n  beforeModel(req) {\n    return req +;\n  },\n};\n'),
  );
  assert.match(message, /middleware\/x\.ts:3:16: Unexpected ";"/);
});

test('importing a host module is refused, naming the file, line and module', async () => {
  const fs = await rejection(
    withTool("import fs from 'node:fs';\nexport default async () => fs.readFileSync('/etc/passwd', 'utf8');\n"),
  );
  assert.match(
    fs,
    /tools\/run_shell_command\.ts:1:15: imports 'node:fs' — component code gets host access only through ctx \(ctx\.sandbox\.exec\/readFile\/writeFile\); importing host modules is not allowed/,
  );
  for (const module of ['fs', 'child_process', 'node:net', 'http', 'execa']) {
    assert.match(
      await rejection(
        withMiddleware(`import * as m from '${module}';\nexport default { beforeAgent() { return m as never; } };\n`),
      ),
      new RegExp(`middleware/x\\.ts:1:\\d+: imports '${module}'`),
    );
  }
  const helper = await rejection(
    variant(SEED, {
      'middleware/shared/env.ts': 'export const home = () => process.env.HOME;\n',
      'middleware/x.ts': "import { home } from './shared/env.ts';\nexport default { beforeAgent() { home(); } };\n",
    }),
  );
  assert.match(
    helper,
    /middleware\/shared\/env\.ts:1:\d+: uses 'process'/,
    'imported helpers are checked like the entry file',
  );
  assert.match(
    await rejection(
      withMiddleware("import { x } from '../../escape.ts';\nexport default { beforeAgent() { return x; } };\n"),
    ),
    /imports '\.\.\/\.\.\/escape\.ts' — a file outside the harness directory/,
  );
});

test('relative imports inside the harness are bundled; type-only imports are erased wherever the harness lives', async () => {
  const dir = variant(SEED, {
    'middleware/shared/format.ts': 'export const tag = (s: string) => `[${s}]`;\n',
    // A non-`type` import of a type: erased too, although the repository tsconfig sets verbatimModuleSyntax.
    'middleware/x.ts':
      "import { Middleware } from 'ahe/harness';\nimport type { ToolResult } from 'ahe/harness';\nimport { tag } from './shared/format.ts';\nconst m: Middleware = { afterTool(_c, r: ToolResult) { return { ...r, output: tag(r.output) }; } };\nexport default m;\n",
  });
  const h = await loadHarness(dir);
  const result = await h.middleware[0]!.hooks.afterTool!(
    { id: '1', name: 'x', args: {} },
    { output: 'hi' },
    {} as MiddlewareContext,
  );
  assert.equal((result as { output: string }).output, '[hi]');
  // The same inside the repository (under its tsconfig.json), as harnesses/seed is.
  assert.equal((await loadHarness(join(ROOT, 'harnesses/seed'))).tools.length, 1);
});

test('process, require, eval and the way around the vm are rejected before compiling', async () => {
  assert.match(
    await rejection(withTool('export default async (args) => process.env.HOME + args.command;\n')),
    /tools\/run_shell_command\.ts:1:31: uses 'process'/,
  );
  assert.match(
    await rejection(withTool('export default async (args) => globalThis.process + args.command;\n')),
    /uses 'globalThis\.process'/,
  );
  assert.match(
    await rejection(withTool("export default async (args) => globalThis['process'] + args.command;\n")),
    /uses 'process' by name/,
  );
  assert.match(
    await rejection(
      withTool("const cp = require('child_process');\nexport default async (args) => cp + args.command;\n"),
    ),
    /:1:11: calls 'require'/,
  );
  assert.match(await rejection(withTool('export default async (args) => eval(args.command);\n')), /calls 'eval'/);
  assert.match(
    await rejection(withTool("export default async (args) => new Function('return 1')() + args.command;\n")),
    /uses 'new Function'/,
  );
  assert.match(
    await rejection(withTool('export default async (args) => (await import(args.command)).x;\n')),
    /imports a module dynamically/,
  );
  assert.match(
    await rejection(
      withTool(
        "export default async (args, ctx) => ctx.sandbox.exec.constructor.constructor('return 1')() + args.command;\n",
      ),
    ),
    /constructor\.constructor/,
  );
  // Words in strings and comments are prose, not code.
  const prose = await loadHarness(
    withTool(
      '// never read process.env here; require() nothing\nexport default async (args) => `the process. ${args.command} require(x) eval(y)`;\n',
    ),
  );
  assert.equal(await prose.tools[0]!.run({ command: 'ran' }, noCtx), 'the process. ran require(x) eval(y)');
});

test('the vm context has no require, process, Buffer or fetch, and builds no code from strings', async () => {
  const probe =
    "export default async () => [typeof require, typeof Buffer, typeof fetch, typeof module === 'object', typeof setTimeout, typeof URL, typeof TextEncoder, typeof structuredClone, typeof AbortController].join(' ');\n";
  const h = await loadHarness(withTool(probe));
  assert.equal(
    await h.tools[0]!.run({}, noCtx),
    'undefined undefined undefined true function function function function function',
  );
  // Obfuscated past the source scan: the context itself still refuses.
  const sneaky = await loadHarness(
    withTool(
      "export default async () => { try { return globalThis['ev' + 'al']('1 + 1'); } catch (e) { return String(e); } };\n",
    ),
  );
  assert.match(String(await sneaky.tools[0]!.run({}, noCtx)), /Code generation from strings disallowed/);
});

test('a component that throws while loading is reported at its own source line', async () => {
  const message = await rejection(
    withTool("const limit = 3;\n\nthrow new Error('not configured: ' + limit);\nexport default async () => 'x';\n"),
  );
  assert.match(message, /tools\/run_shell_command\.ts:3:\d+: failed while loading: not configured: 3/);
  assert.match(
    await rejection(withTool('export const run = async () => "x";\n')),
    /tools\/run_shell_command\.ts: must `export default` an async function/,
  );
  assert.match(
    await rejection(withMiddleware('export default { afterTool: 3 };\n')),
    /middleware\/x\.ts: hook 'afterTool' must be a function, not number/,
  );
  assert.match(
    await rejection(withMiddleware('export default { beforeModal() {} };\n')),
    /middleware\/x\.ts: unknown hook 'beforeModal' — did you mean 'beforeModel'\?/,
  );
  assert.match(
    await rejection(withMiddleware('export default async () => {};\n')),
    /middleware\/x\.ts: must `export default` an object of hooks/,
  );
});

test('console output of component code goes to the onComponentLog callback', async () => {
  const logs: string[] = [];
  const h = await loadHarness(
    withTool(
      "console.log('loaded', { n: 1 });\nexport default async () => { console.warn('careful'); return 'x'; };\n",
    ),
    { onComponentLog: (file, level, message) => logs.push(`${file} ${level} ${message}`) },
  );
  await h.tools[0]!.run({}, noCtx);
  assert.deepEqual(logs, [`${TOOL} log loaded { n: 1 }`, `${TOOL} warn careful`]);
});

test('middleware hooks work after vm evaluation: loop-guard keeps state, compact-old-outputs returns a new request', async () => {
  const h = await loadHarness(EXAMPLE);
  const [guard, compact] = h.middleware.map((m) => m.hooks);
  const ctx = { state: { store: {} } } as unknown as MiddlewareContext;
  const call = { id: 'c', name: 'run_shell_command', args: { command: 'make' } };
  assert.equal(await guard!.afterTool!(call, { output: 'x' }, ctx), undefined);
  assert.equal(await guard!.afterTool!(call, { output: 'x' }, ctx), undefined);
  const third = (await guard!.afterTool!(call, { output: 'x' }, ctx)) as { output: string };
  assert.match(third.output, /^x\n\[note: this exact command has now run 3 times in a row/);
  assert.equal(
    await guard!.afterTool!({ ...call, args: { command: 'ls' } }, { output: 'y' }, ctx),
    undefined,
    'a different command resets the count',
  );

  const long = Array.from({ length: 40 }, (_, i) => `line ${i}`).join('\n');
  const messages: Message[] = [
    { role: 'user', content: 'task' },
    ...Array.from(
      { length: 8 },
      (_, i): Message => ({ role: 'tool', toolCallId: `t${i}`, name: 'run_shell_command', content: long }),
    ),
  ];
  const request = { messages, tools: [] } as CompletionRequest;
  const snapshot = JSON.stringify(request);
  const out = (await compact!.beforeModel!(request, ctx)) as CompletionRequest;
  assert.equal(JSON.stringify(request), snapshot, 'the original request and messages are not mutated');
  const contents = out.messages.map((m) => (m.role === 'tool' ? m.content : ''));
  assert.match(contents[1]!, /^line 0\n[\s\S]*older lines elided[\s\S]*line 39$/);
  assert.match(contents[2]!, /elided/);
  assert.equal(contents[3], long, 'the last 6 tool outputs are kept whole');
  assert.equal(contents[8], long);
});

test('compiled code is cached by content: a second load compiles nothing, an edit recompiles only that file', async () => {
  const dir = variant(EXAMPLE);
  await loadHarness(dir);
  const before = componentCacheStats();
  await loadHarness(variant(EXAMPLE)); // another copy of the same harness: same content, same cache entries
  const after = componentCacheStats();
  assert.equal(after.misses, before.misses);
  assert.equal(after.hits - before.hits, 4); // 2 tools + 2 middleware
  writeFileSync(join(dir, 'middleware/loop-guard.ts'), 'export default { afterTool() { return undefined; } };\n');
  await loadHarness(dir);
  assert.equal(componentCacheStats().misses, after.misses + 1);
  assert.equal(componentCacheStats().hits, after.hits + 3);
});

test('the disk cache serves a process that has never compiled the component', async () => {
  const dir = variant(SEED, { [TOOL]: "export default async () => 'from disk';\n" });
  await loadHarness(dir);
  clearComponentMemoryCache(); // as a fresh process would start
  const before = componentCacheStats();
  const h = await loadHarness(dir);
  const after = componentCacheStats();
  assert.equal(after.misses, before.misses);
  assert.equal(after.diskHits, before.diskHits + 1);
  assert.equal(await h.tools[0]!.run({}, noCtx), 'from disk');
});
