#!/usr/bin/env node
// Runs the bundled CLI in dist/cli-bundle/ (built by `npm run build`, which `npm ci`/`npm install` run via `prepare`).
let main;
try {
  ({ main } = await import('../dist/cli-bundle/main.js'));
} catch (error) {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/cli-bundle/main.js')) {
    process.stderr.write('ahe: dist/cli-bundle/main.js is missing; build the package first: npm run build\n');
    process.exit(1);
  }
  throw error;
}
process.exitCode = await main(process.argv);
