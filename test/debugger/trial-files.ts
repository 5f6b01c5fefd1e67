// Writes a crafted trial directory from a map of relative path → content (objects become JSON, arrays of
// objects become JSON lines), so each test states the exact files a trial holds.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export type TrialFiles = Record<string, string | object>;

export function writeTrial(files: TrialFiles, name = 'task__1'): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'ahe-digest-')), name);
  for (const [path, content] of Object.entries(files)) {
    const file = join(dir, path);
    mkdirSync(dirname(file), { recursive: true });
    const text =
      typeof content === 'string'
        ? content
        : Array.isArray(content) && path.endsWith('.jsonl')
          ? `${content.map((e) => JSON.stringify(e)).join('\n')}\n`
          : JSON.stringify(content, null, 2);
    writeFileSync(file, text);
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}

export const harborResult = (over: Record<string, unknown> = {}) => ({
  task_name: 'task',
  trial_name: 'task__1',
  agent_result: { n_input_tokens: 1000, n_output_tokens: 100, n_cache_tokens: 0, cost_usd: 0.01 },
  verifier_result: { rewards: { reward: 0 } },
  exception_info: null,
  started_at: '2025-01-01T00:00:00Z',
  finished_at: '2025-01-01T00:05:00Z',
  agent_execution: { started_at: '2025-01-01T00:00:10Z', finished_at: '2025-01-01T00:04:10Z' },
  ...over,
});
