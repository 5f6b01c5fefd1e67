// Builds a small Harbor-format task in a temporary directory for tests.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface TaskSpec {
  name?: string;
  instruction?: string;
  dockerfile?: string;
  /** Files under environment/ (besides the Dockerfile). */
  files?: Record<string, string>;
  test?: string;
  solve?: string;
  agentTimeoutSec?: number;
  verifierTimeoutSec?: number;
  buildTimeoutSec?: number;
  allowInternet?: boolean;
}

/** Writes one task; returns its directory. `root` collects several tasks into one suite. */
export function makeTask(spec: TaskSpec = {}, root = mkdtempSync(join(tmpdir(), 'ahe-suite-'))): string {
  const dir = join(root, spec.name ?? 'task');
  const write = (rel: string, content: string) => {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), content);
  };
  write('instruction.md', spec.instruction ?? 'Create /app/done.\n');
  write(
    'task.toml',
    [
      'version = "1.0"',
      '[metadata]',
      'difficulty = "easy"',
      '[verifier]',
      `timeout_sec = ${spec.verifierTimeoutSec ?? 30}`,
      '[agent]',
      `timeout_sec = ${spec.agentTimeoutSec ?? 30}`,
      '[environment]',
      `build_timeout_sec = ${spec.buildTimeoutSec ?? 60}`,
      `allow_internet = ${spec.allowInternet ?? false}`,
      '',
    ].join('\n'),
  );
  write('environment/Dockerfile', spec.dockerfile ?? 'FROM debian:bookworm-slim\nWORKDIR /app\n');
  for (const [name, content] of Object.entries(spec.files ?? {})) write(`environment/${name}`, content);
  write(
    'tests/test.sh',
    spec.test ??
      'mkdir -p /logs/verifier\nif [ -f /app/done ]; then echo 1 > /logs/verifier/reward.txt; else echo 0 > /logs/verifier/reward.txt; fi\n',
  );
  write('solution/solve.sh', spec.solve ?? 'touch /app/done\n');
  return dir;
}
