// Loaded with `node --import` by startup.test.ts: appends every module the process loads, one path or
// URL a line, to $AHE_TEST_MODULE_LOG. ES modules are seen by a resolve hook (hooks.mjs, which runs in
// the loader thread); CommonJS requires inside packages by wrapping Module._resolveFilename.
import { appendFileSync } from 'node:fs';
import Module, { register } from 'node:module';

const log = process.env.AHE_TEST_MODULE_LOG;
if (log) {
  register('./hooks.mjs', import.meta.url);
  const resolveFilename = Module._resolveFilename;
  Module._resolveFilename = function (...args) {
    const file = resolveFilename.apply(this, args);
    appendFileSync(log, `${file}\n`);
    return file;
  };
}
