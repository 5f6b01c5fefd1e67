// One interruption handler for every command: Ctrl-C or SIGTERM once aborts cleanly with the command's
// own message, and `ahe run` (which had a SIGINT-only copy) now stops cleanly on SIGTERM too.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { interruptible, JOB_INTERRUPTED } from '../../src/cli/interruptible.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), `ahe-interrupt-${prefix}-`));

function sink(): NodeJS.WriteStream & { text: string } {
  const s = {
    text: '',
    write: (chunk: string) => {
      s.text += chunk;
      return true;
    },
  };
  return s as unknown as NodeJS.WriteStream & { text: string };
}

for (const sig of ['SIGINT', 'SIGTERM'] as const)
  test(`interruptible: ${sig} aborts the signal once and says what stopping keeps, in the caller's words`, () => {
    const err = sink();
    const { signal, dispose } = interruptible(err, 'finishing the trace');
    try {
      assert.equal(signal.aborted, false);
      process.emit(sig);
      assert.equal(signal.aborted, true);
      assert.equal(err.text, '\nahe: interrupted — finishing the trace\n');
    } finally {
      dispose();
    }
    assert.equal(process.listenerCount(sig), 0, 'dispose removes the handler');
    const jobs = sink();
    const job = interruptible(jobs);
    process.emit(sig);
    job.dispose();
    assert.equal(jobs.text, `\nahe: interrupted — ${JOB_INTERRUPTED}\n`);
  });

test('ahe run stops cleanly on SIGTERM: the trace is finished, status aborted, exit 130', async () => {
  const work = tmp('work');
  const out = join(tmp('out'), 'run');
  const script = join(tmp('script'), 'slow.yaml');
  writeFileSync(
    script,
    [
      'turns:',
      '  - reply:',
      '      tool_calls:',
      '        - name: run_shell_command',
      '          arguments: { command: "touch started; sleep 120" }',
      '  - reply: { content: "done" }',
    ].join('\n'),
  );
  const child = execa(
    'node',
    [
      join(ROOT, 'bin/ahe.js'),
      'run',
      '--harness',
      join(ROOT, 'harnesses/seed'),
      '--model',
      `scripted:${script}`,
      '--workdir',
      work,
      '--out',
      out,
      '--instruction',
      'wait',
    ],
    { reject: false, stdin: 'ignore', timeout: 180_000 },
  );
  // The command is running once it has touched its file: no timing assumption.
  for (let i = 0; i < 1200 && !existsSync(join(work, 'started')); i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(existsSync(join(work, 'started')), 'the command started');
  child.kill('SIGTERM');
  const res = await child;
  assert.equal(res.exitCode, 130, String(res.stderr));
  assert.match(String(res.stderr), /ahe: interrupted — finishing the trace/);
  assert.equal(JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')).status, 'aborted');
  assert.match(readFileSync(join(out, 'events.jsonl'), 'utf8'), /"type":"session_end"/);
});
