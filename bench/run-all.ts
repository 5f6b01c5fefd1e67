// Runs every benchmark in bench/ one after another (each in its own process) and prints their tables.
// Results are recorded by hand in docs/performance.md with the command that produced them.
// Files named *-fixtures.ts are data generators the benchmarks import (bench/report-fixtures.ts), not benchmarks.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2);
for (const file of readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run-all.ts' && !f.endsWith('-fixtures.ts'))
  .sort()) {
  if (only.length && !only.some((o) => file.includes(o))) continue;
  console.log(`\n## ${file}\n`);
  execFileSync('node', ['--import', 'tsx', `${dir}${file}`], { stdio: 'inherit' });
}
